import {formatRunway} from '../../src/core/format.js';
import {
    budgetWindow, burnRate, periodTotals, runway, spendWindowStart, utcDayStart, utcMonthStart,
    type DailySpend, type SpendSettings,
} from '../../src/core/spend.js';
import {NOW, must} from '../support/billing.js';

const DAY = 86_400_000;
const day = (iso: string, cost: number): DailySpend =>
    ({start: Date.parse(`${iso}T00:00:00Z`), cost, inputTokens: null, outputTokens: null, requests: null});
const settings = (s: Partial<SpendSettings> = {}): SpendSettings => ({budget: 0, burnDays: 7, balance: null, ...s});

describe('spend arithmetic', () => {
    it('counts billing days in UTC, whatever the local time zone', () => {
        // 00:30 on 1 November in Paris is still 31 October in UTC.
        const paris = Date.parse('2026-11-01T00:30:00+01:00');
        expect(utcDayStart(paris)).toBe(Date.UTC(2026, 9, 31));
        expect(utcMonthStart(paris)).toBe(Date.UTC(2026, 9, 1));
    });

    it('asks for 30 days, or back to the month start on the 31st', () => {
        expect(spendWindowStart(NOW)).toBe(Date.UTC(2026, 9, 25));
        expect(spendWindowStart(Date.UTC(2026, 11, 31, 8))).toBe(Date.UTC(2026, 11, 1));
    });

    it('sums periods and leaves tokens unknown when no day reported them', () => {
        const days = [day('2026-10-20', 100), day('2026-11-01', 5), day('2026-11-23', 2)];
        expect(periodTotals(days, utcMonthStart(NOW))).toEqual({cost: 7, inputTokens: null, outputTokens: null, requests: null});
        expect(periodTotals([], NOW).cost).toBe(0);
    });

    it('averages the burn rate over the chosen days, today included', () => {
        const days = [day('2026-11-17', 70), day('2026-11-20', 7), day('2026-11-23', 14)];
        expect(burnRate(days, 7, NOW)).toBeCloseTo((70 + 7 + 14) / 7, 9);
        expect(burnRate(days, 1, NOW)).toBe(14);
    });

    it('takes the spend since a balance was entered off it, and says how long the rest lasts', () => {
        const days = [day('2026-11-10', 50), day('2026-11-20', 10), day('2026-11-23', 4)];
        const r = runway(days, settings({balance: {amount: 100, setAt: Date.parse('2026-11-20T15:00:00Z')}, burnDays: 7}), NOW);
        expect(r?.remaining).toBe(86); // 100 − (10 + 4): the day it was entered counts
        expect(r?.burnPerDay).toBeCloseTo(2, 9);
        expect(r?.daysLeft).toBeCloseTo(43, 9);
        expect(r?.runsOutAt).toBe(NOW + 43 * DAY);
        expect(formatRunway(must(r), 'USD').pace).toBe('$2.00 a day over 7 days: lasts 43 d (until 5 Jan)');
    });

    it('says when a balance is used up, and when nothing is being spent', () => {
        const spent = runway([day('2026-11-22', 80), day('2026-11-23', 40)],
            settings({balance: {amount: 100, setAt: Date.UTC(2026, 10, 21)}}), NOW);
        expect([spent?.remaining, spent?.daysLeft]).toEqual([0, 0]);
        expect(formatRunway(must(spent), 'USD').pace).toContain('the balance is used up');
        const idle = runway([], settings({balance: {amount: 100, setAt: Date.UTC(2026, 10, 1)}}), NOW);
        expect([idle?.remaining, idle?.daysLeft, idle?.runsOutAt]).toEqual([100, null, null]);
        expect(runway([], settings(), NOW)).toBeNull();
    });

    it('turns a monthly budget into a limit that resets with the month', () => {
        const w = budgetWindow(150, settings({budget: 200}), NOW);
        expect(w?.usedPercent).toBe(75);
        expect(w?.resetsAt).toBe(Date.UTC(2026, 11, 1));
        expect(w?.windowSeconds).toBe(30 * 86_400);
        expect(budgetWindow(150, settings(), NOW)).toBeNull();
    });
});
