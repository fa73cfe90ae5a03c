// The building blocks every card uses: a non-reactive menu item, a label–value row, a detail line.
import St from 'gi://St';

import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

export function staticItem(styleClass: string): PopupMenu.PopupBaseMenuItem {
    return new PopupMenu.PopupBaseMenuItem({reactive: false, can_focus: false, style_class: styleClass});
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
