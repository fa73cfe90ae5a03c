// The panel button: a compact label and a dropdown of provider cards. Passive: the
// composition root feeds it a view and listens to its signals.
import Clutter from 'gi://Clutter';
import GObject from 'gi://GObject';
import St from 'gi://St';

import * as PanelMenu from 'resource:///org/gnome/shell/ui/panelMenu.js';
import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

import {peakPercent} from '../core/contract.js';
import type {ProviderId, UsageSnapshot} from '../core/contract.js';
import {levelFor, panelText} from '../core/format.js';
import type {Thresholds} from '../core/format.js';
import {_} from '../core/i18n.js';
import {QuotaCard} from './quotaCard.js';

export interface ProviderInfo {
    name: string;
    usagePageUrl: string;
}

export interface IndicatorView {
    snapshots: readonly UsageSnapshot[];
    refreshing: boolean;
    thresholds: Thresholds;
    providers: ReadonlyMap<ProviderId, ProviderInfo>;
    now: number;
}

const LEVEL_CLASSES = ['aum-normal', 'aum-warning', 'aum-critical'];

export const MeterIndicator = GObject.registerClass({
    GTypeName: 'AiUsageMeterMeterIndicator',
    Signals: {
        'refresh-requested': {},
        'preferences-requested': {},
        'url-requested': {param_types: [GObject.TYPE_STRING]},
    },
}, class MeterIndicator extends PanelMenu.Button {
    private _label: St.Label;
    private _cards: PopupMenu.PopupMenuSection;
    private _refreshItem: PopupMenu.PopupMenuItem;

    constructor(name: string) {
        super(0.0, name, false);
        this._label = new St.Label({
            text: _('AI'),
            style_class: 'aum-panel-label',
            y_align: Clutter.ActorAlign.CENTER,
        });
        this.add_child(this._label);

        const menu = this.menu as PopupMenu.PopupMenu;
        this._cards = new PopupMenu.PopupMenuSection();
        menu.addMenuItem(this._cards);
        menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        this._refreshItem = new PopupMenu.PopupMenuItem(_('Refresh'));
        this._refreshItem.connect('activate', () => this.emit('refresh-requested'));
        menu.addMenuItem(this._refreshItem);
        menu.addAction(_('Preferences'), () => this.emit('preferences-requested'));
    }

    update(view: IndicatorView): void {
        this._label.text = panelText(view.snapshots);
        const peak = Math.max(-1, ...view.snapshots.map(s => peakPercent(s) ?? -1));
        const level = levelFor(peak < 0 ? null : peak, view.thresholds);
        for (const styleClass of LEVEL_CLASSES)
            this._label.remove_style_class_name(styleClass);
        this._label.add_style_class_name(`aum-${level}`);

        this._refreshItem.label.text = view.refreshing ? _('Refreshing…') : _('Refresh');

        this._cards.removeAll();
        for (const [index, snapshot] of view.snapshots.entries()) {
            const info = view.providers.get(snapshot.provider);
            if (info === undefined)
                continue;
            this._cards.addMenuItem(new QuotaCard(snapshot, {
                providerName: info.name,
                usagePageUrl: info.usagePageUrl,
                thresholds: view.thresholds,
                now: view.now,
                openUrl: url => this.emit('url-requested', url),
            }));
            if (index < view.snapshots.length - 1)
                this._cards.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        }
        if (view.snapshots.length === 0) {
            const text = view.refreshing ? _('Loading…') : _('No provider is enabled. Open Preferences to choose one.');
            const item = new PopupMenu.PopupMenuItem(text, {reactive: false, can_focus: false});
            this._cards.addMenuItem(item);
        }
    }
});
export type MeterIndicator = InstanceType<typeof MeterIndicator>;
