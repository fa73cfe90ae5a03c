// One provider account in the menu: header, a bar per limit (in money for money limits), freshness and
// errors with their fix. Passive: it renders a snapshot and reports clicks through callbacks.

import St from 'gi://St';

import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

import {peakPercent, reportsNoLimits} from '../core/contract.js';
import type {UsageSnapshot} from '../core/contract.js';
import {formatBalance, formatLimitValue, formatPace, formatResets, formatUpdated, levelFor} from '../core/format.js';
import type {Thresholds} from '../core/format.js';
import {_, format} from '../core/i18n.js';
import {addSpendItems} from './spendSection.js';
import {staticItem, valueRow, verticalBox} from './menuRows.js';
import {UsageBar} from './usageBar.js';

export interface CardContext {
    providerName: string;
    usagePageUrl: string;
    thresholds: Thresholds;
    now: number;
    openUrl: (url: string) => void;
}

export class QuotaCard extends PopupMenu.PopupMenuSection {
    constructor(snapshot: UsageSnapshot, context: CardContext) {
        super();
        const level = levelFor(peakPercent(snapshot), context.thresholds);

        const header = staticItem(`aum-card-header aum-${level}`);
        const title = snapshot.accountLabel === context.providerName
            ? context.providerName
            : `${context.providerName} · ${snapshot.accountLabel}`;
        header.add_child(valueRow(title, snapshot.plan ?? '', 'aum-header-row'));
        this.addMenuItem(header);

        for (const window of snapshot.windows) {
            const item = staticItem('aum-window');
            const box = verticalBox({x_expand: true});
            const windowLevel = levelFor(window.usedPercent, context.thresholds);
            box.add_child(valueRow(window.label, formatLimitValue(window), `aum-window-row aum-${windowLevel}`));
            const bar = new UsageBar();
            bar.setValue(window.usedPercent, windowLevel);
            box.add_child(bar);
            if (window.resetsAt !== null)
                box.add_child(new St.Label({text: formatResets(window.resetsAt, context.now), style_class: 'aum-detail'}));
            const pace = formatPace(window, context.now);
            if (pace !== null)
                box.add_child(new St.Label({text: pace.text, style_class: pace.runsOut ? 'aum-detail aum-pace-over' : 'aum-detail'}));
            if (window.source !== undefined)
                box.add_child(new St.Label({text: window.source, style_class: 'aum-detail'}));
            item.add_child(box);
            this.addMenuItem(item);
        }

        if (reportsNoLimits(snapshot)) {
            const item = staticItem('aum-window');
            item.add_child(new St.Label({text: _('No limits reported'), style_class: 'aum-detail'}));
            this.addMenuItem(item);
        }

        for (const balance of snapshot.balances) {
            const item = staticItem('aum-window');
            item.add_child(valueRow(balance.label, formatBalance(balance), 'aum-window-row'));
            this.addMenuItem(item);
        }

        if (snapshot.note !== null) {
            const item = staticItem('aum-window');
            const label = new St.Label({text: snapshot.note, style_class: 'aum-detail'});
            label.clutter_text.line_wrap = true;
            item.add_child(label);
            this.addMenuItem(item);
        }

        if (snapshot.spend !== null)
            addSpendItems(this, snapshot.spend);

        if (snapshot.error !== null) {
            const item = staticItem('aum-error');
            const box = verticalBox({x_expand: true});
            for (const [text, styleClass] of [[snapshot.error.message, 'aum-error-message'], [snapshot.error.hint, 'aum-detail']]) {
                const label = new St.Label({text, style_class: styleClass});
                label.clutter_text.line_wrap = true;
                box.add_child(label);
            }
            item.add_child(box);
            this.addMenuItem(item);
        }

        const updated = formatUpdated(snapshot, context.now);
        if (updated !== null) {
            const item = staticItem('aum-footer');
            item.add_child(new St.Label({text: updated, style_class: snapshot.stale ? 'aum-detail aum-stale' : 'aum-detail'}));
            this.addMenuItem(item);
        }

        this.addAction(format(_('Open %s usage page'), context.providerName),
            () => context.openUrl(context.usagePageUrl));
    }
}
