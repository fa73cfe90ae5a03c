import {emptyHistory, mergeDays, parseHistory, serializeHistory} from '../../src/core/logs/history.js';
import {emptyTotals, type DayTotals} from '../../src/core/logs/localUsage.js';

const day = (date: string, cost: number, input: number): DayTotals => ({date, ...emptyTotals(), cost, input, entries: 1, models: []});

describe('kept history', () => {
    it('never shrinks a kept day when transcripts were deleted, and drops days older than 400', () => {
        const history = emptyHistory();
        expect(mergeDays(history, 'claude', new Map([['2026-11-23', day('2026-11-23', 5, 200)]]), '2026-11-23')).toBeTrue();
        expect(mergeDays(history, 'claude', new Map([['2026-11-23', day('2026-11-23', 2, 100)]]), '2026-11-23')).toBeFalse();
        expect(history.claude['2026-11-23']?.cost).toBe(5);
        const again = parseHistory(serializeHistory(history));
        expect(again.claude['2026-11-23']?.cost).toBe(5);
        mergeDays(again, 'claude', new Map([['2025-01-01', day('2025-01-01', 1, 1)]]), '2026-11-23');
        expect(again.claude['2025-01-01']).toBeUndefined();
        expect(parseHistory('{"version":99}').claude).toEqual({});
        expect(parseHistory('garbage').codex).toEqual({});
    });
});
