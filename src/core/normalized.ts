// The normalized record `show --json` prints: a snapshot plus its headline in flat fields, derived
// here and nowhere else (providers fill only windows, balances and spend).
//
//   window      the headline: the chosen limit's label ("5h", "7d") or spend period ("month")
//   unit        "percent" for a quota limit, the currency in lower case ("usd") for money
//   remaining   what is left of `limit`, in `unit`
//   limit       100 for a percentage, the cap or budget for money
//   resetAt     when the headline limit resets (epoch ms)
//   cost        money spent in the period (billing APIs) or on a money limit (extra usage)
//   currency    of `cost`
//   requests, inputTokens, outputTokens   of the spend period, when the API reports them
//   updatedAt   when the data was fetched (epoch ms); `stale` when a later attempt failed
//   raw         the provider's response, secrets redacted
//
// `period` (show --window) picks the headline: a limit of that length ("5h", "7d") and the
// spend of that period ("1d", "7d", "30d", "month"; month by default).

import type {QuotaWindow, SpendTotals, UsageSnapshot} from './contract.js';

export const PERIODS = ['5h', '1d', '7d', '30d', 'month'] as const;
export type Period = typeof PERIODS[number];

const PERIOD_SECONDS: Record<Period, number | null> = {'5h': 5 * 3600, '1d': 86400, '7d': 7 * 86400, '30d': 30 * 86400, 'month': null};

export interface NormalizedSnapshot extends UsageSnapshot {
    window: string | null;
    unit: string | null;
    remaining: number | null;
    limit: number | null;
    resetAt: number | null;
    cost: number | null;
    currency: string | null;
    requests: number | null;
    inputTokens: number | null;
    outputTokens: number | null;
}

/** The limits of a period's length (all of them when none has it, or without a period). */
export function windowsOfPeriod(windows: readonly QuotaWindow[], period: Period | null): readonly QuotaWindow[] {
    const seconds = period === null ? null : PERIOD_SECONDS[period];
    const matching = seconds === null ? [] : windows.filter(w => w.windowSeconds === seconds);
    return matching.length > 0 ? matching : windows;
}

/** The spend of a period (month to date by default); null for a period billing does not have. */
export function spendOfPeriod(snapshot: UsageSnapshot, period: Period | null): {label: string; totals: SpendTotals} | null {
    const spend = snapshot.spend;
    if (!spend?.hasCost)
        return null;
    switch (period ?? 'month') {
    case '1d': return {label: '1d', totals: spend.today};
    case '7d': return {label: '7d', totals: spend.last7Days};
    case '30d': return {label: '30d', totals: spend.last30Days};
    case 'month': return {label: 'month', totals: spend.monthToDate};
    case '5h': return null;
    }
}

export function normalize(snapshot: UsageSnapshot, period: Period | null = null): NormalizedSnapshot {
    const headline = windowsOfPeriod(snapshot.windows, period)[0] ?? null;
    const money = headline?.money ?? snapshot.windows.find(w => w.money !== undefined)?.money ?? null;
    const spend = spendOfPeriod(snapshot, period);
    const currency = snapshot.spend?.hasCost ? snapshot.spend.currency : money?.currency ?? null;
    const headlineMoney = headline?.money ?? null;
    return {
        ...snapshot,
        window: spend?.label ?? headline?.label ?? null,
        unit: spend !== null || headlineMoney !== null ? currency?.toLowerCase() ?? null : headline ? 'percent' : null,
        remaining: headlineMoney ? Math.max(0, headlineMoney.limit - headlineMoney.used)
            : headline ? Math.max(0, 100 - headline.usedPercent) : null,
        limit: headlineMoney?.limit ?? (headline ? 100 : null),
        resetAt: headline?.resetsAt ?? null,
        cost: spend?.totals.cost ?? money?.used ?? null,
        currency,
        requests: spend?.totals.requests ?? null,
        inputTokens: spend?.totals.inputTokens ?? null,
        outputTokens: spend?.totals.outputTokens ?? null,
    };
}
