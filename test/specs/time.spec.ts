import {clampPause, formatLocal, saneResetTime} from '../../src/core/time.js';

describe('time that cannot fail', () => {
    const now = Date.UTC(2026, 10, 23, 12);

    it('formats no time past year 9999, nor one that is not a time, and never throws', () => {
        for (const time of [8.64e15, 1e14 * 1000 + now, 253402300800000, Infinity, NaN, -1])
            expect(formatLocal(time, '%H:%M')).toBeNull();
        expect(formatLocal(Date.UTC(2026, 10, 23, 12, 5), '%Y-%m-%d %H:%M')).toBe('2026-11-23 12:05');
    });

    it('keeps reset times within the horizon and pauses within a day', () => {
        expect(saneResetTime(now + 86_400_000, now)).toBe(now + 86_400_000);
        expect(saneResetTime(now - 1000, now)).toBe(now - 1000);
        for (const absurd of [now + 401 * 86_400_000, -5, 8.64e15, NaN])
            expect(saneResetTime(absurd, now)).toBeNull();
        expect(clampPause(now + 1e17, now)).toBe(now + 86_400_000);
        expect(clampPause(NaN, now)).toBe(now + 86_400_000);
        expect(clampPause(now - 5, now)).toBe(now);
    });
});
