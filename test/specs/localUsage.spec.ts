import {currentBlock, dayKey, emptyTotals, recentCost, type DayTotals, type UsageEntry} from '../../src/core/logs/localUsage.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

function entry(time: number, cost: number | null = 1, tokens = 100): UsageEntry {
    return {source: 'claude', time, day: dayKey(time), model: cost === null ? 'mystery' : 'claude-opus-4-6', project: 'p',
        session: 's', input: tokens, output: 0, cacheWrite: 0, cacheRead: 0, cost, sidechain: false};
}

describe('5-hour blocks', () => {
    it('starts at the first entry floored to the hour and reports burn rate and projection', () => {
        const block = currentBlock([entry(T0 + 15 * 60_000, 1), entry(T0 + 75 * 60_000, 2)], T0 + 2 * HOUR);
        expect(block?.start).toBe(T0);
        expect(block?.end).toBe(T0 + 5 * HOUR);
        expect(block?.cost).toBe(3);
        expect(block?.costPerHour).toBeCloseTo(3, 9); // $3 over the hour between first and last entry
        expect(block?.projectedCost).toBeCloseTo(3 + 3 * 3, 9); // three hours left
        expect(block?.tokensPerMinute).toBeCloseTo(200 / 60, 9);
    });

    it('starts a new block more than 5 hours after the block start, even without a gap', () => {
        const times = [0, 2, 4, 5.25].map(h => T0 + 10 * 60_000 + h * HOUR);
        const block = currentBlock(times.map(t => entry(t)), T0 + 6 * HOUR);
        expect(block?.start).toBe(T0 + 5 * HOUR);
        expect(block?.cost).toBe(1);
    });

    it('starts a new block after a gap of more than 5 hours, and has none once the block ended', () => {
        const block = currentBlock([entry(T0), entry(T0 + 6 * HOUR + 30 * 60_000)], T0 + 7 * HOUR);
        expect(block?.start).toBe(T0 + 6 * HOUR);
        expect(currentBlock([entry(T0)], T0 + 5 * HOUR)).toBeNull();
        expect(currentBlock([], T0)).toBeNull();
    });
});


const day = (date: string, cost: number): DayTotals => ({date, ...emptyTotals(), cost, entries: 1, models: []});

describe('recent cost', () => {
    it('sums the last days of the kept history, today included', () => {
        const days = [day('2026-11-15', 5), day('2026-11-17', 2), day('2026-11-23', 1)];
        expect(recentCost(days, '2026-11-23', 7)).toBe(3);
        expect(recentCost(days, '2026-11-23', 1)).toBe(1);
    });
});

describe('local days', () => {
    it('names the local calendar day of a time', () => {
        expect(dayKey(Date.UTC(2026, 10, 23, 23, 59))).toBe('2026-11-23'); // the specs run in UTC
        expect(dayKey(Date.UTC(2026, 10, 24, 0, 0))).toBe('2026-11-24');
    });
});
