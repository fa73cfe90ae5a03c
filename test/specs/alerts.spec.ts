import {AlertTracker} from '../../src/core/alerts.js';
import {emptySnapshot} from '../../src/core/contract.js';
import type {UsageSnapshot} from '../../src/core/contract.js';
import {alertText} from '../../src/core/format.js';

const thresholds = {warning: 70, critical: 90};
const RESET = Date.UTC(2026, 10, 23, 17);

function at(used: number, resetsAt = RESET, extra: Partial<UsageSnapshot> = {}): UsageSnapshot {
    return {...emptySnapshot('claude', 'acct', 'alice@example.com'), updatedAt: 1, ...extra,
        windows: [{id: 'five_hour', label: '5h', usedPercent: used, resetsAt, windowSeconds: 18000}]};
}

describe('AlertTracker', () => {
    it('alerts once when a limit reaches the warning level, and again at the critical level', () => {
        const tracker = new AlertTracker();
        expect(tracker.update([at(50)], thresholds)).toEqual([]);
        expect(tracker.update([at(72)], thresholds).map(a => a.level)).toEqual(['warning']);
        expect(tracker.update([at(80)], thresholds)).toEqual([]);
        expect(tracker.update([at(91)], thresholds).map(a => a.level)).toEqual(['critical']);
        expect(tracker.update([at(99)], thresholds)).toEqual([]);
    });

    it('alerts at once when the first fresh data is already high', () => {
        expect(new AlertTracker().update([at(95)], thresholds).map(a => a.level)).toEqual(['critical']);
    });

    it('starts over when the window resets', () => {
        const tracker = new AlertTracker();
        tracker.update([at(75)], thresholds);
        expect(tracker.update([at(75, RESET + 5 * 3_600_000)], thresholds).map(a => a.level)).toEqual(['warning']);
    });

    it('re-arms after usage drops back below the warning level', () => {
        const tracker = new AlertTracker();
        tracker.update([at(75)], thresholds);
        tracker.update([at(10)], thresholds);
        expect(tracker.update([at(75)], thresholds).length).toBe(1);
    });

    it('never alerts from stale data (the cache at login, a failed refresh)', () => {
        const tracker = new AlertTracker();
        expect(tracker.update([at(95, RESET, {stale: true})], thresholds)).toEqual([]);
        expect(tracker.update([at(95, RESET, {updatedAt: null})], thresholds)).toEqual([]);
    });

    it('keeps accounts apart', () => {
        const tracker = new AlertTracker();
        tracker.update([at(75)], thresholds);
        expect(tracker.update([at(75), at(75, RESET, {accountId: 'other'})], thresholds).length).toBe(1);
    });
});

describe('alertText()', () => {
    it('names the provider, the window, the account and the reset', () => {
        const now = new Date(2026, 10, 23, 12, 0).getTime();
        const alert = {provider: 'claude' as const, accountLabel: 'alice@example.com', windowLabel: '5h', money: false,
            level: 'warning' as const, usedPercent: 72.4, resetsAt: now + 134 * 60_000};
        expect(alertText(alert, 'Claude', now)).toEqual({title: 'Claude 5h limit at 72%',
            body: 'alice@example.com · resets in 2 h 14 m (14:14)'});
        expect(alertText({...alert, level: 'critical', usedPercent: 93}, 'Claude', now).title)
            .toBe('Claude 5h limit almost used up: 93%');
    });

    it('words a budget as money to spend', () => {
        const now = Date.UTC(2026, 10, 23, 12);
        const budget = {provider: 'openai' as const, accountLabel: 'OpenAI API', windowLabel: 'Monthly budget', money: true,
            level: 'warning' as const, usedPercent: 78.3, resetsAt: Date.UTC(2026, 11, 1)};
        expect(alertText(budget, 'OpenAI API', now).title).toBe('OpenAI API monthly budget at 78%');
        expect(alertText({...budget, level: 'critical'}, 'OpenAI API', now).title).toBe('OpenAI API monthly budget almost spent: 78%');
        expect(alertText({...budget, provider: 'claude', windowLabel: 'Extra usage'}, 'Claude', now).title)
            .toBe('Claude extra usage at 78%');
    });
});
