// Text for the terminal and for status bars, from the same contract and formatting as the panel.

import {peakPercent, reportsNoLimits} from '../core/contract.js';
import type {ProviderId, SpendSummary, UsageSnapshot} from '../core/contract.js';
import {
    formatBalance, formatLimitValue, formatMoney, formatPace, formatPercent, formatResets, formatRunway, formatTokens, formatUpdated, levelFor,
    panelText,
} from '../core/format.js';
import type {Thresholds} from '../core/format.js';
import {_} from '../core/i18n.js';
import {spendOfPeriod, windowsOfPeriod, type Period} from '../core/normalized.js';

const BAR_WIDTH = 20;

function bar(percent: number): string {
    const filled = Math.round(Math.min(1, Math.max(0, percent / 100)) * BAR_WIDTH);
    return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
}

function title(snapshot: UsageSnapshot, providerName: string): string {
    const account = snapshot.accountLabel === providerName ? providerName : `${providerName} · ${snapshot.accountLabel}`;
    return snapshot.plan ? `${account} (${snapshot.plan})` : account;
}

/** The value of a limit: money limits in money, credit limits in credits, others in percent. */
function limitValue(window: UsageSnapshot['windows'][number]): string {
    return window.money || window.credits ? formatLimitValue(window) : formatLimitValue(window).padStart(4);
}

/**
 * A readable table: an account per block, a bar per limit. With a `period` (show --window),
 * only the limits of that length and the spend of that period.
 */
export function renderTable(snapshots: readonly UsageSnapshot[], name: (id: ProviderId) => string, now: number,
    period: Period | null = null): string {
    const width = Math.max(8, ...snapshots.flatMap(s => s.windows.map(w => w.label.length)));
    const blocks = snapshots.map(snapshot => {
        const lines = [title(snapshot, name(snapshot.provider))];
        for (const window of windowsOfPeriod(snapshot.windows, period)) {
            const details = [window.resetsAt === null ? null : formatResets(window.resetsAt, now),
                formatPace(window, now)?.text ?? null, window.source ?? null].filter(d => d !== null).join(', ');
            lines.push(`  ${window.label.padEnd(width)} ${bar(window.usedPercent)} ${limitValue(window)}${details ? `  ${details}` : ''}`);
        }
        if (reportsNoLimits(snapshot))
            lines.push(`  ${_('No limits reported')}`);
        if (period === null) {
            if (snapshot.note !== null)
                lines.push(`  ${snapshot.note}`);
            for (const balance of snapshot.balances)
                lines.push(`  ${balance.label.padEnd(width)} ${formatBalance(balance)}`);
            if (snapshot.spend !== null)
                lines.push(...spendLines(snapshot.spend, width));
        } else {
            const spend = spendOfPeriod(snapshot, period);
            if (spend !== null && snapshot.spend !== null) {
                const t = spend.totals;
                const volume = t.inputTokens !== null || t.requests !== null
                    ? `, ${formatTokens(t.inputTokens ?? 0)} tokens in, ${formatTokens(t.outputTokens ?? 0)} out` +
                        (t.requests === null ? '' : `, ${t.requests} requests`) : '';
                lines.push(`  ${`Spend ${spend.label}`.padEnd(width)} ${formatMoney(t.cost, snapshot.spend.currency)}${volume}`);
            }
        }
        if (snapshot.error !== null)
            lines.push(`  ! ${snapshot.error.message}`, `    ${snapshot.error.hint}`);
        const updated = formatUpdated(snapshot, now);
        if (updated !== null)
            lines.push(`  ${updated}`);
        return lines.join('\n');
    });
    return blocks.join('\n\n');
}

function spendLines(spend: SpendSummary, width: number): string[] {
    const money = (amount: number): string => formatMoney(amount, spend.currency);
    const lines: string[] = [];
    if (spend.hasCost) {
        lines.push(`  ${'Spend'.padEnd(width)} today ${money(spend.today.cost)}, 7 days ${money(spend.last7Days.cost)}, ` +
            `30 days ${money(spend.last30Days.cost)}, month to date ${money(spend.monthToDate.cost)}`);
        const t = spend.last30Days;
        if (t.inputTokens !== null || t.requests !== null) {
            lines.push(`  ${'30 days'.padEnd(width)} ${formatTokens(t.inputTokens ?? 0)} tokens in, ${formatTokens(t.outputTokens ?? 0)} out` +
                (t.requests === null ? '' : `, ${t.requests} requests`));
        }
    }
    const total = spend.parts.reduce((sum, p) => sum + (p.cost ?? 0), 0);
    for (const part of spend.parts.slice(0, 5)) {
        const value = part.cost === null ? `${formatTokens(part.tokens ?? 0)} tokens` : money(part.cost);
        lines.push(`  ${part.name.padEnd(width)} ${bar(total > 0 ? ((part.cost ?? 0) / total) * 100 : 0)} ${value}`);
    }
    if (spend.runway !== null) {
        const {left, pace} = formatRunway(spend.runway, spend.currency);
        lines.push(`  ${'Balance'.padEnd(width)} ${left}`, `  ${''.padEnd(width)} ${pace}`);
    }
    for (const figure of spend.figures)
        lines.push(`  ${figure.label.padEnd(width)} ${figure.value}`);
    return lines;
}

function overallLevel(snapshots: readonly UsageSnapshot[], thresholds: Thresholds): {level: string; peak: number} {
    const peak = Math.max(0, ...snapshots.map(s => peakPercent(s) ?? 0));
    return {level: levelFor(peak, thresholds), peak};
}

/** Waybar's custom module format: text, tooltip, class and percentage. */
export function renderWaybar(snapshots: readonly UsageSnapshot[], name: (id: ProviderId) => string,
    thresholds: Thresholds, now: number): string {
    const {level, peak} = overallLevel(snapshots, thresholds);
    return JSON.stringify({
        text: panelText(snapshots, name),
        tooltip: renderTable(snapshots, name, now),
        class: level,
        percentage: Math.round(peak),
    });
}

const I3_COLOURS: Record<string, string> = {warning: '#f8c44f', critical: '#ff7b63'};

/** i3blocks: full text, short text, and a colour when a limit is high. */
export function renderI3blocks(snapshots: readonly UsageSnapshot[], name: (id: ProviderId) => string,
    thresholds: Thresholds): string {
    const {level, peak} = overallLevel(snapshots, thresholds);
    const lines = [panelText(snapshots, name), formatPercent(peak)];
    const colour = I3_COLOURS[level];
    if (colour !== undefined)
        lines.push(colour);
    return lines.join('\n');
}
