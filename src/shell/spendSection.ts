// The spend part of a billing account's card: today, 7 and 30 days, month to date; tokens and
// requests; the last 30 days by model with share bars; the runway of a balance; other figures.

import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

import type {SpendSummary, SpendTotals} from '../core/contract.js';
import {formatMoney, formatRunway, formatTokens} from '../core/format.js';
import {_, format} from '../core/i18n.js';
import {detailLabel, staticItem, valueRow, verticalBox} from './menuRows.js';
import {UsageBar} from './usageBar.js';

const PARTS_SHOWN = 5;

/** "12.3M in, 1.2M out, 4521 requests"; empty when the API reports neither. */
function volume(t: SpendTotals): string {
    const parts: string[] = [];
    if (t.inputTokens !== null || t.outputTokens !== null)
        parts.push(format(_('%s in, %s out'), formatTokens(t.inputTokens ?? 0), formatTokens(t.outputTokens ?? 0)));
    if (t.requests !== null)
        parts.push(format(_('%s requests'), String(t.requests)));
    return parts.join(', ');
}

/** Adds the spend items of `spend` to a card section. */
export function addSpendItems(section: PopupMenu.PopupMenuSection, spend: SpendSummary): void {
    const money = (amount: number): string => formatMoney(amount, spend.currency);
    if (spend.hasCost) {
        const item = staticItem('aum-window');
        const box = verticalBox({x_expand: true});
        for (const [label, totals] of [[_('Today'), spend.today], [_('Last 7 days'), spend.last7Days],
            [_('Last 30 days'), spend.last30Days], [_('Month to date'), spend.monthToDate]] as const)
            box.add_child(valueRow(label, money(totals.cost)));
        const last30 = volume(spend.last30Days);
        if (last30 !== '')
            box.add_child(detailLabel(format(_('Last 30 days: %s'), last30)));
        item.add_child(box);
        section.addMenuItem(item);
    }

    const parts = spend.parts.slice(0, PARTS_SHOWN);
    if (parts.length > 0) {
        const item = staticItem('aum-window');
        const box = verticalBox({x_expand: true});
        box.add_child(detailLabel(_('Last 30 days by model')));
        const totalCost = spend.parts.reduce((sum, p) => sum + (p.cost ?? 0), 0);
        const totalTokens = spend.parts.reduce((sum, p) => sum + (p.tokens ?? 0), 0);
        for (const part of parts) {
            const tokens = part.tokens === null ? '' : format(_('%s tokens'), formatTokens(part.tokens));
            box.add_child(valueRow(part.name, part.cost === null ? tokens : money(part.cost)));
            const bar = new UsageBar();
            const share = totalCost > 0 ? (part.cost ?? 0) / totalCost : totalTokens > 0 ? (part.tokens ?? 0) / totalTokens : 0;
            bar.setValue(share * 100, 'normal');
            box.add_child(bar);
        }
        item.add_child(box);
        section.addMenuItem(item);
    }

    if (spend.runway !== null) {
        const item = staticItem('aum-window');
        const box = verticalBox({x_expand: true});
        const {left, pace} = formatRunway(spend.runway, spend.currency);
        box.add_child(valueRow(_('Balance'), money(spend.runway.remaining)));
        box.add_child(detailLabel(left));
        const paceLabel = detailLabel(pace);
        if (spend.runway.daysLeft !== null && spend.runway.daysLeft < 7)
            paceLabel.add_style_class_name('aum-pace-over');
        box.add_child(paceLabel);
        item.add_child(box);
        section.addMenuItem(item);
    }

    if (spend.figures.length > 0) {
        const item = staticItem('aum-window');
        const box = verticalBox({x_expand: true});
        for (const figure of spend.figures)
            box.add_child(valueRow(figure.label, figure.value));
        item.add_child(box);
        section.addMenuItem(item);
    }
}
