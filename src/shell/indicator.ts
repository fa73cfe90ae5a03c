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
import {_, format} from '../core/i18n.js';
import type {MeterView} from '../core/meter.js';
import type {Provider} from '../core/provider.js';
import {LocalUsageCard} from './localUsageCard.js';
import {QuotaCard} from './quotaCard.js';

/** An account that was never signed in: no data, only a not-configured error. */
const isUnconfigured = (snapshot: UsageSnapshot): boolean =>
    snapshot.updatedAt === null && snapshot.error?.kind === 'not-configured';

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
    private readonly _providers: ReadonlyMap<ProviderId, Pick<Provider, 'name' | 'links'>>;
    /** What the cards were built from, to the minute: opening the menu again shows them as they are. */
    private _builtFrom = '';

    constructor(name: string, providers: readonly Pick<Provider, 'id' | 'name' | 'links'>[]) {
        super(0.0, name, false);
        this._providers = new Map(providers.map(p => [p.id, p]));
        this._label = new St.Label({
            text: _('AI'),
            style_class: 'aum-panel-label',
            y_align: Clutter.ActorAlign.CENTER,
        });
        this.add_child(this._label);

        const menu = this.menu as PopupMenu.PopupMenu;
        // Cards scroll when they outgrow the screen; the Shell caps the menu at the work area.
        // The section is added through a holder first so that its items stay wired to the menu.
        const holder = new PopupMenu.PopupMenuSection();
        menu.addMenuItem(holder);
        this._cards = new PopupMenu.PopupMenuSection();
        holder.addMenuItem(this._cards);
        holder.box.remove_child(this._cards.actor);
        const scroll = new St.ScrollView({
            style_class: 'aum-cards-scroll',
            hscrollbar_policy: St.PolicyType.NEVER,
            vscrollbar_policy: St.PolicyType.AUTOMATIC,
            overlay_scrollbars: true,
            child: this._cards.actor,
        });
        holder.box.add_child(scroll);
        // The menu opens at its top: the cards may have been rebuilt since it was last scrolled.
        menu.connect('open-state-changed', (_menu, open) => {
            if (open)
                scroll.vadjustment.value = 0;
            return undefined;
        });
        menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        this._refreshItem = new PopupMenu.PopupMenuItem(_('Refresh'));
        this._refreshItem.connect('activate', () => this.emit('refresh-requested'));
        menu.addMenuItem(this._refreshItem);
        menu.addAction(_('Preferences'), () => this.emit('preferences-requested'));
    }

    /**
     * Shows a view. The cards are rebuilt only while the menu is open (rebuilding a hundred
     * actors on every refresh of a closed menu would cost the Shell's main loop for nothing),
     * so the owner calls this again when the menu opens, with a fresh `now` for countdowns.
     */
    update(view: MeterView): void {
        // Unchanged text or style must not touch the actors: each change repaints the panel.
        const text = panelText(view.snapshots, id => this._providers.get(id)?.name ?? id);
        if (this._label.text !== text)
            this._label.text = text;
        const peak = Math.max(-1, ...view.snapshots.map(s => peakPercent(s) ?? -1));
        const level = `aum-${levelFor(peak < 0 ? null : peak, view.thresholds)}`;
        if (!this._label.has_style_class_name(level)) {
            for (const styleClass of LEVEL_CLASSES)
                this._label.remove_style_class_name(styleClass);
            this._label.add_style_class_name(level);
        }
        const refreshText = view.refreshing ? _('Refreshing…') : _('Refresh');
        if (this._refreshItem.label.text !== refreshText)
            this._refreshItem.label.text = refreshText;

        if (!(this.menu as PopupMenu.PopupMenu).isOpen && !this._cards.isEmpty())
            return;
        // Every text of a card is to the minute ("resets in 2 h 14 m"). Rebuilding a hundred actors
        // costs the main loop, and each build left the Shell's native heap larger (not ours: its
        // JS heap stays flat).
        const builtFrom = JSON.stringify([view.snapshots, view.local, view.thresholds, view.showUnconfigured,
            view.refreshing, Math.floor(view.now / 60_000)]);
        if (builtFrom === this._builtFrom)
            return;
        this._builtFrom = builtFrom;
        this._buildCards(view);
    }

    private _buildCards(view: MeterView): void {
        this._cards.removeAll();
        const cards = view.snapshots.filter(s => !isUnconfigured(s));
        for (const [index, snapshot] of cards.entries()) {
            const info = this._providers.get(snapshot.provider);
            if (info === undefined)
                continue;
            this._cards.addMenuItem(new QuotaCard(snapshot, {
                providerName: info.name,
                usagePageUrl: info.links.usage,
                thresholds: view.thresholds,
                now: view.now,
                openUrl: url => this.emit('url-requested', url),
            }));
            if (index < cards.length - 1)
                this._cards.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        }
        const unconfigured = view.showUnconfigured ? view.snapshots.filter(isUnconfigured) : [];
        if (cards.length > 0 && unconfigured.length > 0)
            this._cards.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        for (const snapshot of unconfigured) {
            const name = this._providers.get(snapshot.provider)?.name ?? snapshot.provider;
            const item = new PopupMenu.PopupMenuItem(format(_('Set up %s…'), name), {style_class: 'aum-setup'});
            item.connect('activate', () => this.emit('preferences-requested'));
            this._cards.addMenuItem(item);
        }
        if (cards.length === 0 && unconfigured.length === 0) {
            let text = _('No provider is signed in. Open Preferences to set one up.');
            if (view.refreshing)
                text = _('Loading…');
            else if (view.snapshots.length === 0)
                text = _('No provider is enabled. Open Preferences to choose one.');
            const item = new PopupMenu.PopupMenuItem(text, {reactive: false, can_focus: false});
            this._cards.addMenuItem(item);
        }
        this._addLocal(view);
    }

    private _addLocal(view: MeterView): void {
        const usage = view.local?.usage ?? null;
        const sources = usage?.sources.filter(s => s.allTime.entries > 0 || s.days.length > 0) ?? [];
        for (const source of sources) {
            this._cards.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
            this._cards.addMenuItem(new LocalUsageCard(source, {now: view.now, generatedAt: usage?.generatedAt ?? view.now,
                priceTableDate: usage?.priceTableDate ?? ''}));
        }
        const error = view.local?.error ?? null;
        if (error !== null) {
            this._cards.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
            const item = new PopupMenu.PopupMenuItem(format(_('Local costs unavailable: %s'), error),
                {reactive: false, can_focus: false, style_class: 'aum-error'});
            this._cards.addMenuItem(item);
        }
    }
});
export type MeterIndicator = InstanceType<typeof MeterIndicator>;
