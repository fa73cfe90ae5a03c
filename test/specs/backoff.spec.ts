import {BackoffGate, MANUAL_RETRY_GAP_MS, RestartBackoff, mergePauses, parseRetryAfter} from '../../src/core/backoff.js';
import {ProviderError} from '../../src/core/errors.js';

const MINUTE = 60_000;

describe('parseRetryAfter()', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    it('reads a delay in seconds', () => {
        expect(parseRetryAfter('120', now)).toBe(now + 120_000);
        expect(parseRetryAfter(' 0 ', now)).toBe(now);
    });

    it('reads an HTTP date', () => {
        expect(parseRetryAfter('Mon, 23 Nov 2026 12:30:00 GMT', now)).toBe(now + 30 * MINUTE);
    });

    it('ignores what it cannot read', () => {
        expect(parseRetryAfter(null, now)).toBeNull();
        expect(parseRetryAfter('soon', now)).toBeNull();
        expect(parseRetryAfter('-5', now)).toBeNull();
    });
});

describe('BackoffGate', () => {
    const now = 1_000_000;

    it('honours a Retry-After in the future', () => {
        const gate = new BackoffGate();
        expect(gate.recordRateLimit('t', now, now + 42_000)).toBe(now + 42_000);
        expect(gate.blockedUntil('t', now)).toBe(now + 42_000);
        expect(gate.blockedUntil('t', now + 42_000)).toBeNull();
    });

    it('doubles from 5 minutes and stops at 2 hours without Retry-After', () => {
        const gate = new BackoffGate();
        const pauses: number[] = [];
        let time = now;
        for (let i = 0; i < 8; i++) {
            const until = gate.recordRateLimit('t', time, null);
            pauses.push((until - time) / MINUTE);
            time = until;
        }
        expect(pauses).toEqual([5, 10, 20, 40, 80, 120, 120, 120]);
    });

    it('ignores a Retry-After in the past and never shortens a pause', () => {
        const gate = new BackoffGate();
        gate.recordRateLimit('t', now, now + 60 * MINUTE);
        expect(gate.recordRateLimit('t', now, now + MINUTE)).toBe(now + 60 * MINUTE);
        expect(new BackoffGate().recordRateLimit('u', now, now - 1)).toBe(now + 5 * MINUTE);
    });

    it('keeps keys apart and forgets a key after a success', () => {
        const gate = new BackoffGate();
        gate.recordRateLimit('a', now, null);
        expect(gate.blockedUntil('b', now)).toBeNull();
        gate.recordSuccess('a');
        expect(gate.blockedUntil('a', now)).toBeNull();
        expect(gate.recordRateLimit('a', now, null)).toBe(now + 5 * MINUTE);
    });
});

describe('BackoffGate after failed requests', () => {
    const now = 1_000_000;
    const error = new ProviderError('server', 'The server had a problem (503).', 'Try later.');

    it('backs an endpoint off for 2 minutes, doubling on each failed round up to 30, and remembers the error', () => {
        const gate = new BackoffGate();
        const pauses: number[] = [];
        let time = now;
        for (let i = 0; i < 7; i++) {
            const until = gate.recordFailure('k /usage', time, time, error);
            pauses.push((until - time) / MINUTE);
            expect(gate.backingOff('k /usage', until - 1, false)?.error).toBe(error);
            time = until;
            expect(gate.backingOff('k /usage', time, false)).toBeNull();
        }
        expect(pauses).toEqual([2, 4, 8, 16, 30, 30, 30]);
        expect(gate.backingOff('k /other', now, false)).toBeNull();
        expect(gate.blockedUntil('k', now)).withContext('a failure is no rate limit').toBeNull();
        expect(gate.shared(now).rateLimits).toEqual({});
    });

    it('counts the requests of one round once: reports read side by side that fail together', () => {
        const gate = new BackoffGate();
        gate.recordFailure('k /costs', now, now + 100, error);
        expect(gate.recordFailure('k /costs', now, now + 200, error)).toBe(now + 100 + 2 * MINUTE);
        expect(gate.recordFailure('k /costs', now + 3 * MINUTE, now + 3 * MINUTE, error)).toBe(now + 3 * MINUTE + 4 * MINUTE);
    });

    it('lets a manual refresh through once the last failed request is a few seconds old, and a success ends it all', () => {
        const gate = new BackoffGate();
        gate.recordFailure('k /usage', now, now, error);
        expect(gate.backingOff('k /usage', now + MANUAL_RETRY_GAP_MS - 1, true)).not.toBeNull();
        expect(gate.backingOff('k /usage', now + MANUAL_RETRY_GAP_MS, true)).toBeNull();
        gate.recordFailure('k /usage', now + MANUAL_RETRY_GAP_MS, now + MANUAL_RETRY_GAP_MS, error);
        expect(gate.backingOff('k /usage', now + MANUAL_RETRY_GAP_MS + 1000, true)).withContext('again a second later').not.toBeNull();
        gate.recordSuccess('k', 'k /usage', now + MANUAL_RETRY_GAP_MS + 2000);
        expect(gate.backingOff('k /usage', now + MANUAL_RETRY_GAP_MS + 2000, false)).toBeNull();
        expect(gate.recordFailure('k /usage', now + MINUTE, now + MINUTE, error)).withContext('starts over').toBe(now + 3 * MINUTE);
    });

    it('keeps a 429 pause through the success of a request sent before it, and doubles a repeated 429 whatever Retry-After says', () => {
        const gate = new BackoffGate();
        gate.recordRateLimit('k', now, now + 120_000);
        gate.recordSuccess('k', 'k /claude_code', now);
        expect(gate.blockedUntil('k', now)).withContext('the same round').toBe(now + 120_000);
        const later = now + 120_000;
        expect(gate.recordRateLimit('k', later, later + 120_000)).withContext('a repeat').toBe(later + 5 * MINUTE);
        gate.recordSuccess('k', null, later + 1);
        expect(gate.blockedUntil('k', later + 1)).withContext('a request sent after it').toBeNull();
    });
    it('lets a manual refresh through a 429 pause at most once per MANUAL_RETRY_GAP_MS, counted from the last 429', () => {
        const gate = new BackoffGate();
        gate.recordRateLimit('k', now, now + 60 * MINUTE);
        expect(gate.blockedUntil('k', now + 1000, true)).withContext('a click right after the 429').toBe(now + 60 * MINUTE);
        expect(gate.blockedUntil('k', now + MANUAL_RETRY_GAP_MS, true)).withContext('a few seconds later').toBeNull();
        expect(gate.blockedUntil('k', now + MANUAL_RETRY_GAP_MS, false)).withContext('an automatic refresh').toBe(now + 60 * MINUTE);
        // The click's request was refused again: the next click waits its few seconds too.
        gate.recordRateLimit('k', now + MANUAL_RETRY_GAP_MS, now + 60 * MINUTE);
        expect(gate.blockedUntil('k', now + MANUAL_RETRY_GAP_MS + 1000, true)).not.toBeNull();
        expect(gate.blockedUntil('k', now + 2 * MANUAL_RETRY_GAP_MS, true)).toBeNull();
    });
});

describe('BackoffGate across restarts', () => {
    const now = 1_000_000;

    it('keeps the pauses still running, and only those', () => {
        const gate = new BackoffGate();
        gate.recordRateLimit('running', now, now + 60_000);
        gate.recordRateLimit('over', now - 10 * MINUTE, now - 1);
        const restored = new BackoffGate();
        restored.restore(JSON.parse(JSON.stringify(gate.shared(now))), now);
        expect(restored.blockedUntil('running', now)).toBe(now + 60_000);
        expect(restored.blockedUntil('over', now)).toBeNull();
        // The strike count survives too: the next 429 doubles from where it was.
        expect(restored.recordRateLimit('running', now + 60_000, null)).toBe(now + 60_000 + 10 * MINUTE);
    });

    it('keeps a failure back-off across processes: a restarted one backs off as the one that failed, and doubles on', () => {
        const error = new ProviderError('server', 'The server had a problem (503).', 'Try later.');
        const gate = new BackoffGate();
        gate.recordFailure('k /usage', now, now, error);
        const until = gate.recordFailure('k /usage', now + 2 * MINUTE, now + 2 * MINUTE, error);
        const restored = new BackoffGate();
        restored.restore(JSON.parse(JSON.stringify(gate.shared(now + 3 * MINUTE))), now + 3 * MINUTE);
        const backingOff = restored.backingOff('k /usage', now + 3 * MINUTE, false);
        expect(backingOff?.until).toBe(until);
        expect([backingOff?.error.kind, backingOff?.error.message, backingOff?.error.hint]).toEqual(['server', error.message, error.hint]);
        expect(restored.backingOff('k /usage', now + 3 * MINUTE, true)).withContext('the last request is a minute old').toBeNull();
        expect(restored.recordFailure('k /usage', until, until, error)).withContext('the third failed round').toBe(until + 8 * MINUTE);
        expect(restored.blockedUntil('k', now)).withContext('a failure is no rate limit').toBeNull();
    });

    it('merges back-offs: the later failure wins, one a success here ended goes, one recorded after that success stays', () => {
        const error = {kind: 'server' as const, message: 'The server had a problem (503).', hint: 'Try later.'};
        const failure = (failedAt: number): {until: number; strikes: number; failedAt: number; attemptedAt: number; error: typeof error} =>
            ({until: failedAt + 2 * MINUTE, strikes: 1, failedAt, attemptedAt: failedAt, error});
        const inFile = {version: 2, rateLimits: {}, failures: {'k /a': failure(now - 10), 'k /b': failure(now - 10), 'k /c': failure(now - 10),
            'k /old': failure(now - 2 * 86_400_000), 'k /broken': {...failure(now), error: {kind: 'nonsense'}}}};
        const own = {version: 2 as const, rateLimits: {}, failures: {'k /a': failure(now)}};
        const merged = mergePauses(inFile, own, {rateLimits: {}, failures: {'k /b': now - 5, 'k /c': now - 20}}, now);
        expect(merged.failures).toEqual({'k /a': failure(now), 'k /c': failure(now - 10)});
    });

    it('ignores anything malformed', () => {
        const gate = new BackoffGate();
        gate.restore({a: {blockedUntil: 'soon', strikes: 1}, b: null, c: 7}, now);
        gate.restore('garbage', now);
        expect(gate.shared(now)).toEqual({version: 2, rateLimits: {}, failures: {}});
    });
});

describe('pauses within bounds', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    const DAY = 86_400_000;

    it('cuts an absurd Retry-After to a day, in seconds or as a date', () => {
        expect(parseRetryAfter('100000000000000', now)).toBe(now + DAY);
        expect(parseRetryAfter('9'.repeat(400), now)).toBe(now + DAY);
        expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(now + DAY);
        expect(new BackoffGate().recordRateLimit('k', now, now + 1e17)).toBe(now + DAY);
    });

    it('merges a shared pause file: other processes\' pauses stay, ended ones go, the later end wins', () => {
        // A file of an older version: pauses only, at its top level, without when their 429 came.
        const inFile = {a: {blockedUntil: now + 1000, strikes: 1}, b: {blockedUntil: now + 5000, strikes: 2}, old: {blockedUntil: now - 1, strikes: 1}};
        const own = {version: 2 as const, rateLimits: {a: {blockedUntil: now + 9000, strikes: 2, limitedAt: now}}, failures: {}};
        expect(mergePauses(inFile, own, {rateLimits: {b: now - 1}, failures: {}}, now))
            .toEqual({version: 2, rateLimits: {a: {blockedUntil: now + 9000, strikes: 2, limitedAt: now}}, failures: {}});
        const none = {version: 2 as const, rateLimits: {}, failures: {}};
        expect(mergePauses('garbage', none, {rateLimits: {}, failures: {}}, now)).toEqual(none);
    });
});

describe('RestartBackoff', () => {
    it('waits 1 s, then twice as long after each failure, up to its maximum, and starts over after a success', () => {
        const backoff = new RestartBackoff(1000, 5000);
        expect([backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed()]).toEqual([1000, 2000, 4000, 5000]);
        backoff.succeeded();
        expect(backoff.failed()).toBe(1000);
    });
});
