// Per-key back-off after rate limits and failures, one doubling rule for all of them. Keys are
// token fingerprints, so a 429 for one account never delays another. No pause lasts more than a
// day, whatever a server or a saved file says.
//
// Two kinds of pause: a rate limit (429) pauses the whole token and is shared with other
// processes through the pause file; a failed request (5xx, timeout, no network, a web page, a
// refused token…) backs off that account's endpoint only, in memory: 2 minutes, doubling up to
// 30, so an outage costs a few requests an hour instead of one per refresh. A success ends either.
// A refresh the user asks for goes through a failure's back-off, at most once per
// MANUAL_RETRY_GAP_MS.

import type {ProviderError} from './errors.js';
import {clampPause} from './time.js';

const MINUTE = 60_000;
/** First pause after a 429 without Retry-After; doubles on each repeat. */
const RATE_LIMIT_BASE = 5 * MINUTE;
const RATE_LIMIT_MAX = 2 * 60 * MINUTE;
/**
 * First pause after a failed request. Two minutes: a blip is over by the next five-minute
 * refresh, and the shortest refresh interval (30 s) still skips three refreshes.
 */
export const FAILURE_BASE_MS = 2 * MINUTE;
/** The longest back-off after failures: an outage that ends is noticed within half an hour (or at Refresh). */
export const FAILURE_MAX_MS = 30 * MINUTE;
/** A refresh the user asks for passes a failure's back-off at most this often per endpoint. */
export const MANUAL_RETRY_GAP_MS = 10_000;

/** `base`, doubled for each strike after the first, at most `max`: the one back-off rule. */
export function doubling(base: number, strikes: number, max: number): number {
    return Math.min(base * 2 ** Math.max(0, Math.min(strikes, 32) - 1), max);
}

/** An endpoint backing off after failures: until when, how many rounds failed, and what the last said. */
interface FailureState {
    until: number;
    strikes: number;
    /** When the last failed round was recorded; a failure of a request sent before it is the same round. */
    failedAt: number;
    /** When the last failed request went out: a manual refresh passes the back-off once this is long enough ago. */
    attemptedAt: number;
    error: ProviderError;
}

export interface GateState {
    blockedUntil: number;
    strikes: number;
}

export class BackoffGate {
    private readonly _states = new Map<string, GateState>();
    /** Endpoints backing off after failures; in memory only (a new process may try at once). */
    private readonly _failures = new Map<string, FailureState>();
    /** When each pause recorded here began (pauses restored from the file have none). */
    private readonly _limitedAt = new Map<string, number>();
    /** Keys whose pause ended in a success here, so that a shared pause file forgets them too. */
    private readonly _cleared = new Set<string>();

    /** Epoch ms before which automatic requests for `key` must not be sent, or null. */
    blockedUntil(key: string, now: number): number | null {
        const state = this._states.get(key);
        return state && state.blockedUntil > now ? state.blockedUntil : null;
    }

    /**
     * Records a 429. `retryAt` (from Retry-After) is honoured when it lies in the future, up to
     * a day; otherwise the pause doubles from 5 minutes up to 2 hours. A pause is never shortened.
     */
    recordRateLimit(key: string, now: number, retryAt: number | null): number {
        const state = this._states.get(key) ?? {blockedUntil: 0, strikes: 0};
        state.strikes = Math.min(state.strikes + 1, 32);
        // A server that keeps answering 429 is asked less and less often, whatever Retry-After says:
        // the first one is honoured as sent, a repeat waits at least the doubled pause of the strike before.
        const backoff = doubling(RATE_LIMIT_BASE, state.strikes, RATE_LIMIT_MAX);
        const repeated = doubling(RATE_LIMIT_BASE, state.strikes - 1, RATE_LIMIT_MAX);
        const until = retryAt !== null && retryAt > now
            ? (state.strikes > 1 ? Math.max(retryAt, now + repeated) : retryAt) : now + backoff;
        state.blockedUntil = clampPause(Math.max(state.blockedUntil, until), now);
        this._states.set(key, state);
        this._limitedAt.set(key, now);
        this._cleared.delete(key);
        return state.blockedUntil;
    }

    /**
     * A 2xx for `key` (the token) at `endpoint`, of a request sent at `sentAt`: ends the endpoint's
     * back-off, and the token's rate-limit pause unless that 429 came in after the request went
     * out (another report of the same round, read side by side, says nothing about the limit).
     */
    recordSuccess(key: string, endpoint: string | null = null, sentAt = Infinity): void {
        if (sentAt > (this._limitedAt.get(key) ?? -Infinity) && this._states.delete(key)) {
            this._limitedAt.delete(key);
            this._cleared.add(key);
        }
        if (endpoint !== null)
            this._failures.delete(endpoint);
    }

    /**
     * Records a failed request to `endpoint`, sent at `sentAt`; returns when automatic requests
     * may try it again. Requests of one round (sent before its first failure was recorded: reports
     * read side by side) count once.
     */
    recordFailure(endpoint: string, sentAt: number, now: number, error: ProviderError): number {
        const known = this._failures.get(endpoint);
        const sameRound = known !== undefined && known.failedAt >= sentAt;
        const strikes = sameRound ? known.strikes : Math.min((known?.strikes ?? 0) + 1, 32);
        const until = sameRound ? known.until : clampPause(now + doubling(FAILURE_BASE_MS, strikes, FAILURE_MAX_MS), now);
        this._failures.set(endpoint, {until, strikes, failedAt: sameRound ? known.failedAt : now,
            attemptedAt: Math.max(known?.attemptedAt ?? sentAt, sentAt), error});
        return until;
    }

    /**
     * While `endpoint` backs off: the error its last request ended with and when the back-off
     * ends. Null when a request may go: the back-off is over, or the user asked (`manual`) and the
     * last failed request went out at least MANUAL_RETRY_GAP_MS ago.
     */
    backingOff(endpoint: string, now: number, manual: boolean): {error: ProviderError; until: number} | null {
        const state = this._failures.get(endpoint);
        if (state === undefined || state.until <= now || (manual && now - state.attemptedAt >= MANUAL_RETRY_GAP_MS))
            return null;
        return {error: state.error, until: state.until};
    }

    /** Keys whose pause a success ended since the gate was made (for mergePauses()). */
    cleared(): string[] {
        return [...this._cleared];
    }

    /** The pauses still running, to keep across restarts (keys are token fingerprints, not tokens). */
    pauses(now: number): Record<string, GateState> {
        return Object.fromEntries([...this._states].filter(([, state]) => state.blockedUntil > now));
    }

    /**
     * Takes back pauses saved by pauses() (by this process or another one); anything malformed
     * or over is ignored, a pause longer than a day is cut to a day, a longer pause known here wins.
     */
    restore(saved: unknown, now: number): void {
        for (const [key, state] of Object.entries(validPauses(saved, now))) {
            const known = this._states.get(key);
            if (known === undefined || known.blockedUntil < state.blockedUntil)
                this._states.set(key, state);
        }
    }
}

/** The running, well-formed pauses of saved JSON, each at most a day long from `now`. */
export function validPauses(saved: unknown, now: number): Record<string, GateState> {
    const valid: Record<string, GateState> = {};
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved))
        return valid;
    for (const [key, value] of Object.entries(saved)) {
        const {blockedUntil, strikes} = (typeof value === 'object' && value !== null ? value : {}) as Partial<GateState>;
        if (typeof blockedUntil === 'number' && typeof strikes === 'number' && Number.isFinite(strikes) &&
            blockedUntil > now)
            valid[key] = {blockedUntil: clampPause(blockedUntil, now), strikes: Math.max(1, Math.min(32, Math.round(strikes)))};
    }
    return valid;
}

/**
 * What a pause file shared by several processes (the Shell and the CLI) holds after one of them
 * saves: the file's pauses, minus those this process saw end in a success, plus its own (the
 * later end wins).
 */
export function mergePauses(inFile: unknown, own: Record<string, GateState>, cleared: readonly string[],
    now: number): Record<string, GateState> {
    const merged = new Map(Object.entries(validPauses(inFile, now)).filter(([key]) => !cleared.includes(key)));
    for (const [key, state] of Object.entries(validPauses(own, now))) {
        const known = merged.get(key);
        if (known === undefined || known.blockedUntil < state.blockedUntil)
            merged.set(key, state);
    }
    return Object.fromEntries(merged);
}

/**
 * Parses a Retry-After header: delay in seconds or an HTTP date. Returns epoch ms (at most a
 * day ahead: a server asking for longer is treated as asking for a day) or null.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
    if (value === null)
        return null;
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed))
        return clampPause(now + Number(trimmed) * 1000, now);
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? null : clampPause(date, now);
}

/**
 * Delays between restarts of something that keeps failing (the log scanner worker): 1 s, then
 * doubling up to `maxMs`; a success resets it.
 */
export class RestartBackoff {
    private _failures = 0;

    constructor(private readonly _firstMs = 1000, private readonly _maxMs = 5 * MINUTE) {}

    /** Records a failure; returns how long to wait before the next attempt. */
    failed(): number {
        this._failures = Math.min(this._failures + 1, 32);
        return doubling(this._firstMs, this._failures, this._maxMs);
    }

    succeeded(): void {
        this._failures = 0;
    }
}
