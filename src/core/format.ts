// Text for the panel, the menu and the CLI. Pure functions of the contract and the clock.

import type {Alert} from './alerts.js';
import type {Balance, Runway, ProviderId, QuotaWindow, UsageSnapshot} from './contract.js';
import {_, format} from './i18n.js';
import {paceFor} from './pace.js';
import {DAY_MS, RESET_HORIZON_MS, formatLocal, localDateTime} from './time.js';

export type Level = 'normal' | 'warning' | 'critical';

export interface Thresholds {
    warning: number;
    critical: number;
}

export function levelFor(percent: number | null, thresholds: Thresholds): Level {
    if (percent === null)
        return 'normal';
    if (percent >= thresholds.critical)
        return 'critical';
    return percent >= thresholds.warning ? 'warning' : 'normal';
}

/** "max" → "Max". */
export function capitalize(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

export function formatPercent(percent: number): string {
    return `${Math.round(percent)}%`;
}

/** 2 h 14 m, 3 d 4 h, 45 m, < 1 m. */
export function formatDuration(ms: number): string {
    const minutes = Math.floor(Math.max(0, ms) / 60_000);
    if (minutes < 1)
        return _('< 1 m');
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days > 0)
        return hours > 0 ? format(_('%d d %d h'), days, hours) : format(_('%d d'), days);
    if (hours > 0)
        return mins > 0 ? format(_('%d h %d m'), hours, mins) : format(_('%d h'), hours);
    return format(_('%d m'), mins);
}

/** 14:05 today, Tue 14:05 within a week, 3 Dec 14:05 beyond; "?" for a time no calendar can show. */
export function formatClock(time: number, now: number): string {
    const date = localDateTime(time);
    const today = localDateTime(now);
    if (date === null)
        return '?';
    let pattern = '%H:%M';
    if (date.get_year() !== today?.get_year() || date.get_day_of_year() !== today.get_day_of_year())
        pattern = Math.abs(time - now) < 6 * DAY_MS ? '%a %H:%M' : '%e %b %H:%M';
    return (date.format(pattern) ?? '').trim();
}

/** "3 Dec", or "?" for a time no calendar can show. */
export function formatDay(time: number): string {
    return formatLocal(time, '%e %b') ?? '?';
}

export function formatResets(resetsAt: number, now: number): string {
    if (resetsAt <= now)
        return _('resets now');
    return format(_('resets in %s (%s)'), formatDuration(resetsAt - now), formatClock(resetsAt, now));
}

/** "limit reached", "at this pace, runs out in 1 h 20 m" or "on pace for 45% at reset". */
export function formatPace(window: QuotaWindow, now: number): {text: string; runsOut: boolean} | null {
    const pace = paceFor(window, now);
    if (pace === null)
        return null;
    if (pace.runsOutIn === 0)
        return {text: _('limit reached'), runsOut: true};
    if (pace.runsOutIn !== null)
        return {text: format(_('at this pace, runs out in %s'), formatDuration(pace.runsOutIn)), runsOut: true};
    return {text: format(_('on pace for %s at reset'), formatPercent(pace.projectedPercent)), runsOut: false};
}

export function formatBalance(balance: Balance): string {
    if (balance.unlimited)
        return _('unlimited');
    return balance.currency === null ? formatAmount(balance.amount) : formatMoney(balance.amount, balance.currency);
}

/** 359.6, 1,000, 50,000,000: credits and counts, at most two decimals. */
export function formatAmount(amount: number): string {
    return (Math.round(amount * 100) / 100).toLocaleString('en-US');
}

/** A limit's value: "$7.63 / $20.00" for money, "36.8 / 1,000 credits" for credits, else "42%". */
export function formatLimitValue(window: QuotaWindow): string {
    if (window.money)
        return `${formatMoney(window.money.used, window.money.currency)} / ${formatMoney(window.money.limit, window.money.currency)}`;
    if (window.credits)
        return format(_('%s / %s credits'), formatAmount(window.credits.used), formatAmount(window.credits.limit));
    return formatPercent(window.usedPercent);
}

export function formatMoney(amount: number, currency: string): string {
    const symbol = currency === 'USD' ? '$' : currency === 'EUR' ? '€' : `${currency} `;
    return `${symbol}${amount.toFixed(2)}`;
}

/**
 * The runway of a balance in words: "$212.40 left of $300.00 (entered 3 Nov)" and "$8.80 a day
 * over 7 days: lasts 24 days (until 17 Dec)", "used up" or "nothing spent lately".
 */
export function formatRunway(runway: Runway, currency: string): {left: string; pace: string} {
    const left = format(_('%s left of %s (entered %s)'), formatMoney(runway.remaining, currency),
        formatMoney(runway.balance, currency), formatDay(runway.balanceSetAt));
    const rate = format(_('%s a day over %d days'), formatMoney(runway.burnPerDay, currency), runway.burnDays);
    if (runway.daysLeft === 0)
        return {left, pace: format(_('%s: the balance is used up'), rate)};
    if (runway.daysLeft === null || runway.runsOutAt === null)
        return {left, pace: format(_('%s: nothing spent lately'), rate)};
    // A large balance at a tiny burn rate lasts for centuries: no date is worth showing.
    if (runway.daysLeft * DAY_MS > RESET_HORIZON_MS)
        return {left, pace: format(_('%s: lasts more than %d days'), rate, RESET_HORIZON_MS / DAY_MS)};
    return {left, pace: format(_('%s: lasts %s (until %s)'), rate, formatDuration(runway.daysLeft * DAY_MS),
        formatDay(runway.runsOutAt))};
}

/** 950, 35.2k, 1.24M, 3.1B. */
export function formatTokens(count: number): string {
    const units: [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
    for (const [size, unit] of units) {
        if (count >= size)
            return `${(count / size).toFixed(count / size >= 100 ? 0 : count / size >= 10 ? 1 : 2)}${unit}`;
    }
    return String(Math.round(count));
}

/** "updated 14:05" or, when the data is old, "as of 14:05". */
export function formatUpdated(snapshot: UsageSnapshot, now: number): string | null {
    if (snapshot.updatedAt === null)
        return null;
    const clock = formatClock(snapshot.updatedAt, now);
    if (snapshot.source !== null)
        return format(_('as of %s, from the %s'), clock, snapshot.source);
    return snapshot.stale ? format(_('as of %s'), clock) : format(_('updated %s'), clock);
}

/** The most accounts the panel names; the rest are counted ("+2"), the menu has them all. */
export const PANEL_MAX_ACCOUNTS = 3;

/**
 * The compact panel text. One account with data: its first two windows (`5h 61% · 7d 22%`).
 * Several: each account's provider and its highest window (`Claude 72% · Codex 63%`). Past
 * PANEL_MAX_ACCOUNTS, the most used ones, in menu order, and how many more (`… +2`): the top
 * bar stays short and the limit closest to running out is never the one left out.
 */
export function panelText(snapshots: readonly UsageSnapshot[], providerName: (id: ProviderId) => string): string {
    const withData = snapshots.filter(s => s.windows.length > 0);
    const [only] = withData;
    if (withData.length === 1 && only !== undefined)
        return only.windows.slice(0, 2).map(w => `${w.label} ${formatPercent(w.usedPercent)}`).join(' · ');
    if (withData.length > 1) {
        const peak = (s: UsageSnapshot): number => Math.max(...s.windows.map(w => w.usedPercent));
        const shown = new Set([...withData].sort((a, b) => peak(b) - peak(a)).slice(0, PANEL_MAX_ACCOUNTS));
        const accountsOf = (id: ProviderId): number => withData.filter(s => s.provider === id).length;
        const text = withData.filter(s => shown.has(s)).map(s => {
            // Two accounts of one provider are told apart by a short account name.
            const name = accountsOf(s.provider) > 1
                ? `${providerName(s.provider)} ${shortAccountName(s.accountLabel)}` : providerName(s.provider);
            return `${name} ${formatPercent(peak(s))}`;
        }).join(' · ');
        const more = withData.length - shown.size;
        return more > 0 ? `${text} +${more}` : text;
    }
    return snapshots.some(s => s.error !== null && s.error.kind !== 'not-configured') ? _('AI !') : _('AI');
}

/** "alice@example.com" → "alice", "My work account" → "My work ac…". */
export function shortAccountName(label: string): string {
    const name = label.split('@')[0] ?? label;
    return name.length > 10 ? `${name.slice(0, 10)}…` : name;
}

/**
 * "Claude 5h limit at 72%" / "…almost used up: 93%"; a money limit "OpenAI API monthly budget at
 * 78%" / "Claude extra usage almost spent: 95%". The body names the account and the reset.
 */
export function alertText(alert: Alert, providerName: string, now: number): {title: string; body: string} {
    const percent = formatPercent(alert.usedPercent);
    let title: string;
    if (alert.money) {
        const limit = alert.windowLabel.charAt(0).toLowerCase() + alert.windowLabel.slice(1);
        title = alert.level === 'critical'
            ? format(_('%s %s almost spent: %s'), providerName, limit, percent)
            : format(_('%s %s at %s'), providerName, limit, percent);
    } else {
        title = alert.level === 'critical'
            ? format(_('%s %s limit almost used up: %s'), providerName, alert.windowLabel, percent)
            : format(_('%s %s limit at %s'), providerName, alert.windowLabel, percent);
    }
    const body = alert.resetsAt === null ? alert.accountLabel
        : `${alert.accountLabel} · ${formatResets(alert.resetsAt, now)}`;
    return {title, body};
}
