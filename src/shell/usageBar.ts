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
        const content = this.get_theme_node().get_content_box(box);
        const fillBox = new Clutter.ActorBox();
        fillBox.set_origin(content.x1, content.y1);
        fillBox.set_size(Math.round(content.get_width() * this._fraction), content.get_height());
        this._fill.allocate(fillBox);
    }
});
export type UsageBar = InstanceType<typeof UsageBar>;
