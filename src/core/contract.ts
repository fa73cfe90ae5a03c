// The data contract: what every provider returns and every view (panel, menu, CLI) reads.
// Times are epoch milliseconds so that snapshots survive JSON round trips unchanged.

import type {ErrorKind} from './errors.js';
import {MAX_PERCENT} from './json.js';

/** A provider's id, e.g. `claude`; the providers are listed in registry.ts. */
export type ProviderId = string;

export interface QuotaWindow {
    /** Stable key from the provider, e.g. `five_hour`. */
    id: string;
    /** Short label for the panel and the menu, e.g. `5h`, `7d Opus`. */
    label: string;
    /** 0–100, may exceed 100 when a provider lets usage run over. */
    usedPercent: number;
    resetsAt: number | null;
    /** Length of the window in seconds, when known. */
    windowSeconds: number | null;
    /**
     * A limit counted in money — a budget, a spend cap such as Claude's extra usage: what is
     * spent of how much. `usedPercent` is derived from it. Absent for other limits.
     */
    money?: {used: number; limit: number; currency: string};
    /**
     * A limit counted in the provider's credits (a team credit cap, AI credits): what is used of
     * how many. Credits are not money, so they never carry a currency. Absent for other limits.
     */
    credits?: {used: number; limit: number};
    /**
     * Where this limit's number came from, already worded with its time, when a snapshot mixes
     * sources (e.g. "from the statusline, 14:02"). Absent when it is the snapshot's own source.
     */
    source?: string;
}

/** A prepaid balance, e.g. Codex credits. */
export interface Balance {
    label: string;
    amount: number;
    /** Currency code, or null for provider units (credits). */
    currency: string | null;
    unlimited: boolean;
}

/** Spend over one period, from a billing API. Tokens and requests are null when the API does not say. */
export interface SpendTotals {
    cost: number;
    inputTokens: number | null;
    outputTokens: number | null;
    requests: number | null;
}

/** A part of the spend (a model, a line item) over the last 30 days. */
export interface SpendPart {
    name: string;
    cost: number | null;
    tokens: number | null;
}

/** How long a prepaid balance lasts at the recent burn rate. */
export interface Runway {
    /** The balance the user entered, and when. */
    balance: number;
    balanceSetAt: number;
    /** What is left: the balance minus the spend since it was entered. */
    remaining: number;
    /** Average daily spend over `burnDays` days. */
    burnPerDay: number;
    burnDays: number;
    /** Null when nothing is being spent. 0 when the balance is used up. */
    daysLeft: number | null;
    runsOutAt: number | null;
}

/** API spend from a billing API: periods, breakdown, daily series, runway, other figures. */
export interface SpendSummary {
    /** False when the API reports activity but no money (Copilot organisation metrics). */
    hasCost: boolean;
    currency: string;
    today: SpendTotals;
    last7Days: SpendTotals;
    last30Days: SpendTotals;
    monthToDate: SpendTotals;
    /** Last 30 days, most expensive first. */
    parts: SpendPart[];
    /** Cost per UTC day (billing days), oldest first. */
    daily: {date: string; cost: number}[];
    runway: Runway | null;
    /** Figures a billing API reports besides money (e.g. active users), already worded. */
    figures: {label: string; value: string}[];
}

export interface UsageErrorInfo {
    kind: ErrorKind;
    message: string;
    hint: string;
    retryAt: number | null;
}

export interface UsageSnapshot {
    provider: ProviderId;
    /** Stable identifier of the account within the provider (never a secret). */
    accountId: string;
    accountLabel: string;
    plan: string | null;
    /** Every limit, in the provider's order: the first is the headline. */
    windows: QuotaWindow[];
    balances: Balance[];
    /** API spend, for billing providers; null for subscription quotas. */
    spend: SpendSummary | null;
    /** Where the numbers come from when it is not the provider's API (e.g. a local session log). */
    source: string | null;
    /** When the data was fetched from the provider. Null when it never was. */
    updatedAt: number | null;
    /** True when the data is older than the last attempt (shown "as of HH:MM"). */
    stale: boolean;
    error: UsageErrorInfo | null;
    /** A line that explains the numbers, already worded (e.g. an organisation bills per token). */
    note: string | null;
    /** The provider's response with secrets redacted, for `show --json` and debugging. */
    raw: unknown;
}

/** Fields every snapshot shares before a provider fills it in. */
export function emptySnapshot(provider: ProviderId, accountId: string, accountLabel: string): UsageSnapshot {
    return {
        provider,
        accountId,
        accountLabel,
        plan: null,
        windows: [],
        balances: [],
        spend: null,
        source: null,
        updatedAt: null,
        stale: false,
        error: null,
        note: null,
        raw: null,
    };
}

/** A quota snapshot: its limits, the first one the headline. */
export function quotaSnapshot(provider: ProviderId, accountId: string, accountLabel: string,
    windows: QuotaWindow[]): UsageSnapshot {
    return {...emptySnapshot(provider, accountId, accountLabel), windows};
}

/** `used` of `limit` in percent, within what a limit can show (0 to MAX_PERCENT). */
const shareOf = (used: number, limit: number): number =>
    limit > 0 && Number.isFinite(used) ? Math.min(MAX_PERCENT, Math.max(0, (used / limit) * 100)) : 0;

/** A limit counted in money, with its percentage. */
export function moneyWindow(id: string, label: string, used: number, limit: number, currency: string,
    resetsAt: number | null, windowSeconds: number | null): QuotaWindow {
    return {id, label, usedPercent: shareOf(used, limit), resetsAt, windowSeconds, money: {used, limit, currency}};
}

/** A limit counted in credits, with its percentage; never money. */
export function creditsWindow(id: string, label: string, used: number, limit: number, resetsAt: number | null,
    windowSeconds: number | null): QuotaWindow {
    return {id, label, usedPercent: shareOf(used, limit), resetsAt, windowSeconds, credits: {used, limit}};
}

/**
 * A successful answer that holds no limit (a plan without quotas today, an account the provider
 * reports nothing for): a calm state that keeps the plan and account, never an error.
 */
export function reportsNoLimits(snapshot: UsageSnapshot): boolean {
    return snapshot.error === null && snapshot.updatedAt !== null && snapshot.windows.length === 0 &&
        snapshot.balances.length === 0 && snapshot.spend === null;
}

/** The highest used percentage across limits; drives warning/critical styles. */
export function peakPercent(snapshot: UsageSnapshot): number | null {
    return snapshot.windows.length > 0 ? Math.max(...snapshot.windows.map(w => w.usedPercent)) : null;
}
