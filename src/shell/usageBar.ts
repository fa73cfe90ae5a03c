// A horizontal bar whose filled part shows a fraction; the fill takes the level's colour.

import Clutter from 'gi://Clutter';
import GObject from 'gi://GObject';
import St from 'gi://St';

import type {Level} from '../core/format.js';

export const UsageBar = GObject.registerClass({GTypeName: 'AiUsageMeterUsageBar'},
class UsageBar extends St.Widget {
    private _fraction = 0;
    private _fill: St.Widget;

    constructor() {
        super({style_class: 'aum-bar', x_expand: true, y_align: Clutter.ActorAlign.CENTER});
        this._fill = new St.Widget({style_class: 'aum-bar-fill'});
        this.add_child(this._fill);
    }

    setValue(percent: number, level: Level): void {
        this._fraction = Math.min(1, Math.max(0, percent / 100));
        this._fill.style_class = `aum-bar-fill aum-${level}`;
        this.queue_relayout();
    }

    override vfunc_allocate(box: Clutter.ActorBox): void {
        this.set_allocation(box);
        // The content box as St.ThemeNode.get_content_box() gives it, computed here: GJS leaked
        // the box that call returns (a caller-allocated out argument) on every allocation, and
        // an opening menu allocates its bars many times (about 0.5 MB each time the menu opened).
        const node = this.get_theme_node();
        const inset = (side: St.Side): number => Math.round(node.get_border_width(side)) + node.get_padding(side);
        const width = Math.max(0, box.get_width() - inset(St.Side.LEFT) - inset(St.Side.RIGHT));
        const height = Math.max(0, box.get_height() - inset(St.Side.TOP) - inset(St.Side.BOTTOM));
        const fillBox = new Clutter.ActorBox();
        fillBox.set_origin(inset(St.Side.LEFT), inset(St.Side.TOP));
        fillBox.set_size(Math.round(width * this._fraction), height);
        this._fill.allocate(fillBox);
    }
});
export type UsageBar = InstanceType<typeof UsageBar>;
