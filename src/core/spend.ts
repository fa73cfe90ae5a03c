// Spend arithmetic shared by the billing providers: daily buckets into periods, the monthly
// budget as a quota window, burn rate and runway of a prepaid balance. Billing APIs count in
// UTC days, so periods here are UTC days too: "today" is the current UTC day.

import {moneyWindow, type QuotaWindow, type Runway, type SpendPart, type SpendSummary, type SpendTotals} from './contract.js';
import {_} from './i18n.js';

const DAY = 86_400_000;

/** One UTC day of spend from a billing API. Tokens and requests null when not reported. */
export interface DailySpend {
    /** Start of the UTC day, epoch ms. */
    start: number;
    cost: number;
    inputTokens: number | null;
    outputTokens: number | null;
    requests: number | null;
}

/** What a billing provider's settings say about budgets and balances. */
export interface SpendSettings {
    /** Monthly budget in the billing currency; 0 for none. */
    budget: number;
    /** A balance the user entered (APIs do not expose it); null for none. */
    balance: {amount: number; setAt: number} | null;
    /** Days the burn rate is averaged over. */
    burnDays: number;
}

export const utcDayStart = (time: number): number => Math.floor(time / DAY) * DAY;
export const utcMonthStart = (time: number): number => {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const nextUtcMonthStart = (time: number): number => {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};
export const isoDay = (time: number): string => new Date(time).toISOString().slice(0, 10);

/** The first of the last 30 days (today is the 30th). */
export const last30DaysStart = (now: number): number => utcDayStart(now) - 29 * DAY;

/** The first day a billing provider must ask for: 30 days back or the month start, whichever is earlier. */
export const spendWindowStart = (now: number): number => Math.min(last30DaysStart(now), utcMonthStart(now));

/** The end of the period a billing provider asks for: the end of today. */
export const spendWindowEnd = (now: number): number => utcDayStart(now) + DAY;

/** One part per name, with its cost and its tokens when either report has it (costs and usage are separate reports). */
export function spendParts(costs: ReadonlyMap<string, number>, tokens: ReadonlyMap<string, number>): SpendPart[] {
    return [...new Set([...costs.keys(), ...tokens.keys()])]
        .map(name => ({name, cost: costs.get(name) ?? null, tokens: tokens.get(name) ?? null}));
}

const addNullable = (a: number | null, b: number | null): number | null => a === null && b === null ? null : (a ?? 0) + (b ?? 0);

function total(days: readonly DailySpend[]): SpendTotals {
    return days.reduce<SpendTotals>((t, d) => ({
        cost: t.cost + d.cost,
        inputTokens: addNullable(t.inputTokens, d.inputTokens),
        outputTokens: addNullable(t.outputTokens, d.outputTokens),
        requests: addNullable(t.requests, d.requests),
    }), {cost: 0, inputTokens: null, outputTokens: null, requests: null});
}

/** Sums UTC days (several entries per day are added) from `since` on. */
export function periodTotals(days: readonly DailySpend[], since: number): SpendTotals {
    return total(days.filter(d => d.start >= since));
}

/** Average daily spend over the last `days` full and current days. */
export function burnRate(days: readonly DailySpend[], burnDays: number, now: number): number {
    const span = Math.max(1, Math.round(burnDays));
    const since = utcDayStart(now) - (span - 1) * DAY;
    return periodTotals(days, since).cost / span;
}

/**
 * What is left of a balance entered at `setAt` (the spend of the days since then is taken
 * off, the day it was entered included), and how long it lasts at the recent burn rate.
 */
export function runway(days: readonly DailySpend[], settings: SpendSettings, now: number): Runway | null {
    const balance = settings.balance;
    if (balance === null)
        return null;
    const spentSince = periodTotals(days, utcDayStart(balance.setAt)).cost;
    const remaining = balance.amount - spentSince;
    const burnPerDay = burnRate(days, settings.burnDays, now);
    let daysLeft: number | null = null;
    if (remaining <= 0)
        daysLeft = 0;
    else if (burnPerDay > 0)
        daysLeft = remaining / burnPerDay;
    return {
        balance: balance.amount, balanceSetAt: balance.setAt, remaining: Math.max(0, remaining), burnPerDay,
        burnDays: Math.max(1, Math.round(settings.burnDays)), daysLeft,
        runsOutAt: daysLeft === null ? null : now + daysLeft * DAY,
    };
}

/** The monthly budget as a quota window: bar, warning levels, pace and notifications like any limit. */
export function budgetWindow(monthToDate: number, settings: SpendSettings, now: number, currency = 'USD'): QuotaWindow | null {
    if (settings.budget <= 0)
        return null;
    const start = utcMonthStart(now);
    const end = nextUtcMonthStart(now);
    return moneyWindow('monthly-budget', _('Monthly budget'), monthToDate, settings.budget, currency, end, (end - start) / 1000);
}

/** Everything the menu and the CLI show of a billing provider's spend. */
export function spendSummary(days: readonly DailySpend[], parts: readonly SpendPart[], settings: SpendSettings,
    now: number, currency = 'USD'): SpendSummary {
    const today = utcDayStart(now);
    const byDay = new Map<number, number>();
    for (const d of days)
        byDay.set(d.start, (byDay.get(d.start) ?? 0) + d.cost);
    return {
        hasCost: true,
        currency,
        today: periodTotals(days, today),
        last7Days: periodTotals(days, today - 6 * DAY),
        last30Days: periodTotals(days, last30DaysStart(now)),
        monthToDate: periodTotals(days, utcMonthStart(now)),
        parts: [...parts].sort((a, b) => (b.cost ?? -1) - (a.cost ?? -1) || (b.tokens ?? 0) - (a.tokens ?? 0)),
        daily: [...byDay].sort(([a], [b]) => a - b).map(([start, cost]) => ({date: isoDay(start), cost})),
        runway: runway(days, settings, now),
        figures: [],
    };
}
