import {emptySnapshot} from '../../src/core/contract.js';
import type {UsageSnapshot} from '../../src/core/contract.js';
import {
    formatClock, formatDuration, formatMoney, formatResets, formatRunway, formatUpdated, levelFor, panelText,
} from '../../src/core/format.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function withWindows(...used: number[]): UsageSnapshot {
    return {
        ...emptySnapshot('claude', 'a', 'alice'),
        windows: used.map((u, i) => ({id: `w${i}`, label: ['5h', '7d', '7d Opus'][i] ?? 'x', usedPercent: u,
            resetsAt: null, windowSeconds: null})),
        updatedAt: 1,
    };
}

describe('formatDuration()', () => {
    it('reads like a countdown', () => {
        expect(formatDuration(2 * HOUR + 14 * MINUTE + 59_000)).toBe('2 h 14 m');
        expect(formatDuration(2 * HOUR)).toBe('2 h');
        expect(formatDuration(45 * MINUTE)).toBe('45 m');
        expect(formatDuration(3 * 24 * HOUR + 4 * HOUR + 30 * MINUTE)).toBe('3 d 4 h');
        expect(formatDuration(2 * 24 * HOUR)).toBe('2 d');
        expect(formatDuration(30_000)).toBe('< 1 m');
        expect(formatDuration(-5)).toBe('< 1 m');
    });
});

describe('formatResets()', () => {
    it('gives the countdown and the clock time', () => {
        const now = new Date(2026, 10, 23, 12, 0).getTime();
        expect(formatResets(now + 2 * HOUR + 14 * MINUTE, now)).toBe('resets in 2 h 14 m (14:14)');
        expect(formatResets(now - 1, now)).toBe('resets now');
    });
});

describe('formatClock()', () => {
    it('shows only the time today, the weekday within a week, the date beyond', () => {
        const now = new Date(2026, 10, 23, 12, 0).getTime(); // a Monday
        expect(formatClock(new Date(2026, 10, 23, 18, 5).getTime(), now)).toBe('18:05');
        expect(formatClock(new Date(2026, 10, 26, 9, 0).getTime(), now)).toBe('Thu 09:00');
        expect(formatClock(new Date(2026, 11, 24, 9, 0).getTime(), now)).toBe('24 Dec 09:00');
    });
});

describe('levelFor()', () => {
    const thresholds = {warning: 70, critical: 90};
    it('switches at the thresholds, inclusive', () => {
        expect(levelFor(69.9, thresholds)).toBe('normal');
        expect(levelFor(70, thresholds)).toBe('warning');
        expect(levelFor(89.9, thresholds)).toBe('warning');
        expect(levelFor(90, thresholds)).toBe('critical');
        expect(levelFor(130, thresholds)).toBe('critical');
        expect(levelFor(null, thresholds)).toBe('normal');
    });
});

describe('panelText()', () => {
    const names = (id: string): string => id === 'claude' ? 'Claude' : 'Codex';

    it('shows the first two windows of a single account', () => {
        expect(panelText([withWindows(61.4, 22.5, 90)], names)).toBe('5h 61% · 7d 23%');
    });

    it('tells two accounts of one provider apart by a short name', () => {
        const work = {...withWindows(40), accountLabel: 'Work'};
        const personal = {...withWindows(72), accountLabel: 'someone.long@example.com'};
        expect(panelText([personal, work], names)).toBe('Claude someone.lo… 72% · Claude Work 40%');
    });

    it('shows each account\'s highest window when there are several', () => {
        const codex = {...withWindows(10, 63), provider: 'codex' as const};
        expect(panelText([withWindows(72, 22), codex], names)).toBe('Claude 72% · Codex 63%');
    });

    it('names the three most used accounts in menu order and counts the others', () => {
        const at = (provider: string, percent: number): UsageSnapshot => ({...withWindows(percent), provider});
        const many = [at('claude', 41), at('codex', 63), at('gemini', 50), at('copilot', 30), at('openai', 78)];
        const name = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);
        expect(panelText(many, name)).toBe('Codex 63% · Gemini 50% · Openai 78% +2');
        expect(panelText(many.slice(0, 3), name)).toBe('Claude 41% · Codex 63% · Gemini 50%');
        expect(panelText([...many, at('anthropic', 95)], name)).toBe('Codex 63% · Openai 78% · Anthropic 95% +3');
    });

    it('says something is wrong when no account has data', () => {
        const failing = {...emptySnapshot('claude', 'a', 'alice'),
            error: {kind: 'auth' as const, message: 'm', hint: 'h', retryAt: null}};
        expect(panelText([failing], names)).toBe('AI !');
        expect(panelText([], names)).toBe('AI');
    });
});

describe('formatUpdated()', () => {
    it('says "updated" for fresh data and "as of" for stale data', () => {
        const now = new Date(2026, 10, 23, 14, 30).getTime();
        const fresh = {...withWindows(1), updatedAt: new Date(2026, 10, 23, 14, 5).getTime()};
        expect(formatUpdated(fresh, now)).toBe('updated 14:05');
        expect(formatUpdated({...fresh, stale: true}, now)).toBe('as of 14:05');
        expect(formatUpdated({...fresh, updatedAt: null}, now)).toBeNull();
    });
});

describe('formatMoney()', () => {
    it('uses the currency symbol and two decimals', () => {
        expect(formatMoney(12.345, 'USD')).toBe('$12.35');
        expect(formatMoney(3, 'EUR')).toBe('€3.00');
        expect(formatMoney(3, 'GBP')).toBe('GBP 3.00');
    });
});

describe('panelText() and providers that are not set up', () => {
    it('does not raise the alarm for a provider nobody signed in to', () => {
        const unconfigured = {...emptySnapshot('codex', 'default', 'Codex'),
            error: {kind: 'not-configured' as const, message: 'Not signed in', hint: 'codex login', retryAt: null}};
        expect(panelText([unconfigured], () => 'Codex')).toBe('AI');
        expect(panelText([unconfigured, withWindows(12, 3)], () => 'Claude')).toBe('5h 12% · 7d 3%');
    });
});

describe('formatUpdated() with a fallback source', () => {
    it('names where the numbers come from', () => {
        const now = new Date(2026, 10, 23, 14, 30).getTime();
        const fromLog = {...withWindows(1), updatedAt: new Date(2026, 10, 23, 9, 30).getTime(), stale: true,
            source: 'Codex session log'};
        expect(formatUpdated(fromLog, now)).toBe('as of 09:30, from the Codex session log');
    });
});

describe('absurd times', () => {
    const now = Date.UTC(2026, 10, 23, 12);

    it('formats a time past year 9999 (a reset in 275760, a Retry-After of 10^14 s) without throwing', () => {
        for (const time of [8.64e15, 1e14 * 1000 + now, 253402300800000, Infinity, NaN, -1])
            expect(formatClock(time, now)).toBe('?');
        expect(() => formatResets(8.64e15, now)).not.toThrow();
    });

    it('words the runway of a huge balance at a tiny spend without a date no calendar has', () => {
        const runway = {balance: 1e12, balanceSetAt: now - 86_400_000, remaining: 1e12, burnPerDay: 0.01, burnDays: 7,
            daysLeft: 1e14, runsOutAt: now + 1e14 * 86_400_000};
        expect(formatRunway(runway, 'USD').pace).toContain('lasts more than 400 days');
        expect(formatRunway({...runway, balanceSetAt: 1e20}, 'USD').left).toContain('(entered ?)');
    });
});
