// The data contract's constructors and readers (core/contract.ts): empty and quota snapshots,
// money and credit limits with their percentage, the calm "no limits" state, the peak.

import {
    creditsWindow, emptySnapshot, moneyWindow, peakPercent, quotaSnapshot, reportsNoLimits, type QuotaWindow, type UsageSnapshot,
} from '../../src/core/contract.js';
import {MAX_PERCENT} from '../../src/core/json.js';

const window = (id: string, usedPercent: number): QuotaWindow =>
    ({id, label: id, usedPercent, resetsAt: null, windowSeconds: null});

describe('emptySnapshot()', () => {
    it('names the account and holds nothing else: never fetched, no error', () => {
        expect(emptySnapshot('claude', 'acct-1', 'Claude (me@example.com)')).toEqual({
            provider: 'claude', accountId: 'acct-1', accountLabel: 'Claude (me@example.com)', plan: null, windows: [],
            balances: [], spend: null, source: null, updatedAt: null, stale: false, error: null, note: null, raw: null,
        });
    });

    it('gives each snapshot lists of its own', () => {
        const a = emptySnapshot('claude', 'a', 'A');
        a.windows.push(window('five_hour', 10));
        expect(emptySnapshot('claude', 'b', 'B').windows).toEqual([]);
    });
});

describe('quotaSnapshot()', () => {
    it('is an empty snapshot with the limits, in the given order', () => {
        const windows = [window('seven_day', 20), window('five_hour', 80)];
        const snapshot = quotaSnapshot('codex', 'acct', 'Codex', windows);
        expect(snapshot).toEqual({...emptySnapshot('codex', 'acct', 'Codex'), windows});
        expect(snapshot.windows.map(w => w.id)).toEqual(['seven_day', 'five_hour']);
    });
});

describe('moneyWindow()', () => {
    it('derives the percentage from what is spent of the limit, and keeps both', () => {
        expect(moneyWindow('extra', 'Extra usage', 12.5, 50, 'USD', 1_700_000_000_000, 2_592_000)).toEqual({
            id: 'extra', label: 'Extra usage', usedPercent: 25, resetsAt: 1_700_000_000_000, windowSeconds: 2_592_000,
            money: {used: 12.5, limit: 50, currency: 'USD'},
        });
    });

    it('shows over-spend above 100 %, up to the most a limit can show', () => {
        expect(moneyWindow('b', 'B', 60, 50, 'EUR', null, null).usedPercent).toBe(120);
        expect(moneyWindow('b', 'B', 1e9, 1, 'EUR', null, null).usedPercent).toBe(MAX_PERCENT);
    });

    it('reads 0 % for a zero or negative limit, a refund, or a number that is not one', () => {
        expect(moneyWindow('b', 'B', 10, 0, 'USD', null, null).usedPercent).toBe(0);
        expect(moneyWindow('b', 'B', 10, -5, 'USD', null, null).usedPercent).toBe(0);
        expect(moneyWindow('b', 'B', -10, -5, 'USD', null, null).usedPercent).toBe(0);
        expect(moneyWindow('b', 'B', -3, 50, 'USD', null, null).usedPercent).toBe(0);
        expect(moneyWindow('b', 'B', NaN, 50, 'USD', null, null).usedPercent).toBe(0);
        expect(moneyWindow('b', 'B', Infinity, 50, 'USD', null, null).usedPercent).toBe(0);
    });

    it('carries no credits', () => {
        expect(moneyWindow('b', 'B', 1, 2, 'USD', null, null).credits).toBeUndefined();
    });
});

describe('creditsWindow()', () => {
    it('counts credits with their percentage, never as money', () => {
        const credits = creditsWindow('team', 'Team credits', 300, 1200, null, 604_800);
        expect(credits).toEqual({id: 'team', label: 'Team credits', usedPercent: 25, resetsAt: null, windowSeconds: 604_800,
            credits: {used: 300, limit: 1200}});
        expect(credits.money).toBeUndefined();
    });

    it('holds its percentage within what a limit can show', () => {
        expect(creditsWindow('c', 'C', 5, 0, null, null).usedPercent).toBe(0);
        expect(creditsWindow('c', 'C', 1e12, 1, null, null).usedPercent).toBe(MAX_PERCENT);
    });
});

describe('reportsNoLimits()', () => {
    const fetched = (): UsageSnapshot => ({...emptySnapshot('copilot', 'octocat', 'Copilot'), plan: 'Free', updatedAt: 1000});

    it('is true for a successful answer without any limit, balance or spend', () => {
        expect(reportsNoLimits(fetched())).toBeTrue();
    });

    it('is false when the data was never fetched or the fetch failed', () => {
        expect(reportsNoLimits({...fetched(), updatedAt: null})).toBeFalse();
        expect(reportsNoLimits({...fetched(), error: {kind: 'auth', message: 'm', hint: 'h', retryAt: null}})).toBeFalse();
    });

    it('is false when anything was reported: a limit, a balance, spend', () => {
        expect(reportsNoLimits({...fetched(), windows: [window('w', 0)]})).toBeFalse();
        expect(reportsNoLimits({...fetched(), balances: [{label: 'Credits', amount: 0, currency: null, unlimited: false}]}))
            .toBeFalse();
        const zero = {cost: 0, inputTokens: null, outputTokens: null, requests: null};
        expect(reportsNoLimits({...fetched(), spend: {hasCost: true, currency: 'USD', today: zero, last7Days: zero,
            last30Days: zero, monthToDate: zero, parts: [], daily: [], runway: null, figures: []}})).toBeFalse();
    });
});

describe('peakPercent()', () => {
    it('is the highest used percentage of all limits, wherever it is', () => {
        const snapshot = quotaSnapshot('claude', 'a', 'A', [window('a', 12), window('b', 97.5), window('c', 40)]);
        expect(peakPercent(snapshot)).toBe(97.5);
        expect(peakPercent(quotaSnapshot('claude', 'a', 'A', [window('a', 0)]))).toBe(0);
    });

    it('is null without limits (not 0: nothing is known)', () => {
        expect(peakPercent(emptySnapshot('claude', 'a', 'A'))).toBeNull();
    });
});
