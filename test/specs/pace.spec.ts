import type {QuotaWindow} from '../../src/core/contract.js';
import {formatPace} from '../../src/core/format.js';
import {paceFor} from '../../src/core/pace.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 23, 12, 0, 0);

/** A 5-hour window `elapsedHours` in, at `used` percent. */
function fiveHour(used: number, elapsedHours: number): QuotaWindow {
    return {id: 'five_hour', label: '5h', usedPercent: used, windowSeconds: 5 * 3600,
        resetsAt: now + (5 - elapsedHours) * HOUR};
}

describe('paceFor()', () => {
    it('projects the average rate so far to the reset', () => {
        const pace = paceFor(fiveHour(20, 2), now);
        expect(pace?.projectedPercent).toBeCloseTo(50, 6);
        expect(pace?.runsOutIn).toBeNull();
    });

    it('says when the limit runs out before the reset', () => {
        // 60% in 2 h is 30%/h: the remaining 40% lasts 1 h 20 m.
        const pace = paceFor(fiveHour(60, 2), now);
        expect(pace?.runsOutIn).toBeCloseTo(80 * 60_000, 0);
        expect(pace?.projectedPercent).toBeCloseTo(150, 6);
    });

    it('reports a limit already reached', () => {
        expect(paceFor(fiveHour(100, 3), now)?.runsOutIn).toBe(0);
    });

    it('says nothing too early in a window, after the reset, or without a window length', () => {
        expect(paceFor(fiveHour(10, 0.1), now)).toBeNull();
        expect(paceFor({...fiveHour(10, 2), resetsAt: now - 1}, now)).toBeNull();
        expect(paceFor({...fiveHour(10, 2), windowSeconds: null}, now)).toBeNull();
        expect(paceFor({...fiveHour(10, 2), resetsAt: null}, now)).toBeNull();
    });

    it('treats an unused window as on track', () => {
        expect(paceFor(fiveHour(0, 2), now)).toEqual({projectedPercent: 0, runsOutIn: null});
    });
});

describe('formatPace()', () => {
    it('words the three cases', () => {
        expect(formatPace(fiveHour(60, 2), now)).toEqual({text: 'at this pace, runs out in 1 h 20 m', runsOut: true});
        expect(formatPace(fiveHour(20, 2), now)).toEqual({text: 'on pace for 50% at reset', runsOut: false});
        expect(formatPace(fiveHour(100, 3), now)).toEqual({text: 'limit reached', runsOut: true});
    });
});
