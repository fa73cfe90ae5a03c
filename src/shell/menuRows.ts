// The building blocks every card uses: a non-reactive menu item, a vertical box, a label–value
// row, a detail line.

import Clutter from 'gi://Clutter';
import GObject from 'gi://GObject';
import St from 'gi://St';

import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

export function staticItem(styleClass: string): PopupMenu.PopupBaseMenuItem {
    return new PopupMenu.PopupBaseMenuItem({reactive: false, can_focus: false, style_class: styleClass});
}

/** A St.BoxLayout that stacks its children, on every supported Shell. */
export function verticalBox(params: Partial<St.BoxLayout.ConstructorProps> = {}): St.BoxLayout {
    const box = new St.BoxLayout(params);
    // GNOME 48 added `orientation`; 51 removed `vertical`, the only way on 46 and 47.
    // find_property() answers null for a property the class lacks, whatever its annotation says.
    const orientation = GObject.Object.find_property.call(St.BoxLayout, 'orientation') as GObject.ParamSpec | null;
    if (orientation !== null)
        box.orientation = Clutter.Orientation.VERTICAL;
    else
        box.set_vertical(true);
    return box;
}

/** A label on the left and its value on the right. */
export function valueRow(left: string, right: string, styleClass = 'aum-window-row'): St.BoxLayout {
    const box = new St.BoxLayout({style_class: styleClass, x_expand: true});
    box.add_child(new St.Label({text: left, x_expand: true}));
    box.add_child(new St.Label({text: right, style_class: 'aum-value'}));
    return box;
}

/** A smaller, dimmer line under a row. */
export const detailLabel = (text: string): St.Label => new St.Label({text, style_class: 'aum-detail'});
