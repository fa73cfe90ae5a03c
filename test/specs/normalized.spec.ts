// The normalized record of `show --json` (core/normalized.ts): the headline of a quota, a money
// limit and a billing period, and how --window picks it.

import {emptySnapshot, moneyWindow, type QuotaWindow, type SpendTotals, type UsageSnapshot} from '../../src/core/contract.js';
import {normalize, windowsOfPeriod} from '../../src/core/normalized.js';

const window = (label: string, usedPercent: number, windowSeconds: number | null): QuotaWindow =>
    ({id: label, label, usedPercent, resetsAt: 1000, windowSeconds});
const totals = (cost: number): SpendTotals => ({cost, inputTokens: 10 * cost, outputTokens: null, requests: 3});

function quota(windows: QuotaWindow[]): UsageSnapshot {
    return {...emptySnapshot('claude', 'a', 'alice'), windows, updatedAt: 5};
}

describe('normalize()', () => {
    it('takes the first limit of a quota as the headline, in percent', () => {
        const n = normalize(quota([window('5h', 72, 18000), window('7d', 22, 604800)]));
        expect([n.window, n.unit, n.remaining, n.limit, n.resetAt, n.cost]).toEqual(['5h', 'percent', 28, 100, 1000, null]);
    });

    it('takes the limit of the chosen length with --window', () => {
        const n = normalize(quota([window('5h', 72, 18000), window('7d', 22, 604800)]), '7d');
        expect([n.window, n.remaining]).toEqual(['7d', 78]);
        expect(normalize(quota([window('5h', 72, 18000)]), '30d').window).toBe('5h');
    });

    it('reads a money limit (a spend cap) in its currency', () => {
        const n = normalize(quota([moneyWindow('extra', 'Extra usage', 7.63, 20, 'EUR', null, null)]));
        expect([n.window, n.unit, n.limit, n.cost, n.currency]).toEqual(['Extra usage', 'eur', 20, 7.63, 'EUR']);
        expect(n.remaining).toBeCloseTo(12.37, 9);
    });

    it('puts the spend of the period in the cost fields of a billing snapshot', () => {
        const s: UsageSnapshot = {...emptySnapshot('openai', 'default', 'OpenAI API'), updatedAt: 5,
            windows: [moneyWindow('monthly-budget', 'Monthly budget', 11.75, 20, 'USD', 2000, null)],
            spend: {hasCost: true, currency: 'USD', today: totals(1), last7Days: totals(4), last30Days: totals(21),
                monthToDate: totals(11.75), parts: [], daily: [], runway: null, figures: []}};
        const month = normalize(s);
        expect([month.window, month.unit, month.cost, month.limit, month.remaining, month.requests])
            .toEqual(['month', 'usd', 11.75, 20, 8.25, 3]);
        expect([normalize(s, '7d').window, normalize(s, '7d').cost, normalize(s, '7d').inputTokens]).toEqual(['7d', 4, 40]);
    });

    it('has no headline when there is no limit', () => {
        const n = normalize(quota([]));
        expect([n.window, n.unit, n.remaining, n.limit]).toEqual([null, null, null, null]);
    });
});

describe('windowsOfPeriod()', () => {
    it('keeps the limits of that length, or all of them when none has it', () => {
        const windows = [window('5h', 1, 18000), window('7d', 2, 604800), window('7d Opus', 3, 604800)];
        expect(windowsOfPeriod(windows, '7d').map(w => w.label)).toEqual(['7d', '7d Opus']);
        expect(windowsOfPeriod(windows, 'month').length).toBe(3);
        expect(windowsOfPeriod(windows, null).length).toBe(3);
    });
});
