// Per-key back-off after rate limits and failures, one doubling rule for all of them. Keys are
// token fingerprints, so a 429 for one account never delays another. No pause lasts more than a
// day, whatever a server or a saved file says.
//
// Two kinds of pause: a rate limit (429) pauses the whole token; a failed request (5xx, timeout,
// no network, a web page, a refused token…) backs off that account's endpoint only: 2 minutes,
// doubling up to 30, so an outage costs a few requests an hour instead of one per refresh. A
// success ends either. Both are shared with our other processes through the pause file: a status
// bar running the CLI every minute, the Shell and a restarted Shell all leave alone an endpoint
// that any of them was told to leave alone. A refresh the user asks for goes through either, at
// most once per MANUAL_RETRY_GAP_MS, counted from the last request that was refused or failed
// (automatic or not): clicking Refresh again and again never turns into a burst.

import {isErrorKind, ProviderError, type ErrorKind} from './errors.js';
import {isObject} from './json.js';
import {DAY_MS, clampPause} from './time.js';

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
/** A refresh the user asks for passes a pause or a back-off at most this often per token or endpoint. */
export const MANUAL_RETRY_GAP_MS = 10_000;
/** A failure recorded longer ago than this says nothing about the endpoint now: other processes forget it. */
const FAILURE_MEMORY_MS = DAY_MS;
/** Longest error text taken back from the pause file (ours are a sentence or two). */
const MAX_SAVED_TEXT = 2000;

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

/** A token paused after a 429. */
export interface GateState {
    blockedUntil: number;
    strikes: number;
    /**
     * When the last 429 came: a success of a request sent before it does not end the pause, and
     * a manual refresh passes once it is MANUAL_RETRY_GAP_MS old. 0 when unknown (an older file).
     */
    limitedAt: number;
}

/** An endpoint's back-off as the pause file holds it: the error as plain text. */
export interface SavedFailure extends Omit<FailureState, 'error'> {
    error: {kind: ErrorKind; message: string; hint: string};
}

/** What the pause file holds: the tokens paused after a 429, and the endpoints backing off after failures. */
export interface SharedPauses {
    version: 2;
    rateLimits: Record<string, GateState>;
    failures: Record<string, SavedFailure>;
}

/**
 * Tokens and endpoints a success here ended, each with when that request was sent: a pause or
 * back-off another process recorded before then is over; one recorded after it is not.
 */
export interface Cleared {
    rateLimits: Record<string, number>;
    failures: Record<string, number>;
}

export class BackoffGate {
    private readonly _states = new Map<string, GateState>();
    private readonly _failures = new Map<string, FailureState>();
    private readonly _cleared: Cleared = {rateLimits: {}, failures: {}};

    /**
     * Epoch ms before which requests for `key` must not be sent, or null. A request the user
     * asked for (`manual`) may go once the last 429 is MANUAL_RETRY_GAP_MS old.
     */
    blockedUntil(key: string, now: number, manual = false): number | null {
        const state = this._states.get(key);
        if (state === undefined || state.blockedUntil <= now || (manual && now - state.limitedAt >= MANUAL_RETRY_GAP_MS))
            return null;
        return state.blockedUntil;
    }

    /**
     * Records a 429. `retryAt` (from Retry-After) is honoured when it lies in the future, up to
     * a day; otherwise the pause doubles from 5 minutes up to 2 hours. A pause is never shortened.
     */
    recordRateLimit(key: string, now: number, retryAt: number | null): number {
        const state = this._states.get(key) ?? {blockedUntil: 0, strikes: 0, limitedAt: 0};
        state.strikes = Math.min(state.strikes + 1, 32);
        // A server that keeps answering 429 is asked less and less often, whatever Retry-After says:
        // the first one is honoured as sent, a repeat waits at least the doubled pause of the strike before.
        const backoff = doubling(RATE_LIMIT_BASE, state.strikes, RATE_LIMIT_MAX);
        const repeated = doubling(RATE_LIMIT_BASE, state.strikes - 1, RATE_LIMIT_MAX);
        const until = retryAt !== null && retryAt > now
            ? (state.strikes > 1 ? Math.max(retryAt, now + repeated) : retryAt) : now + backoff;
        state.blockedUntil = clampPause(Math.max(state.blockedUntil, until), now);
        state.limitedAt = now;
        this._states.set(key, state);
        return state.blockedUntil;
    }

    /**
     * A 2xx for `key` (the token) at `endpoint`, of a request sent at `sentAt`, whose answer was
     * accepted: ends the endpoint's back-off, and the token's rate-limit pause unless that 429
     * came in after the request went out (another report of the same round, read side by side,
     * says nothing about the limit).
     */
    recordSuccess(key: string, endpoint: string | null = null, sentAt = Infinity): void {
        const state = this._states.get(key);
        if (state === undefined || sentAt > state.limitedAt) {
            this._states.delete(key);
            this._cleared.rateLimits[key] = Math.max(this._cleared.rateLimits[key] ?? -Infinity, sentAt);
        }
        if (endpoint !== null) {
            this._failures.delete(endpoint);
            this._cleared.failures[endpoint] = Math.max(this._cleared.failures[endpoint] ?? -Infinity, sentAt);
        }
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

    /** What successes here ended since the gate was made (for mergePauses()). */
    cleared(): Cleared {
        return {rateLimits: {...this._cleared.rateLimits}, failures: {...this._cleared.failures}};
    }

    /**
     * The pauses and back-offs to share with other processes and keep across restarts (keys are
     * token fingerprints, not tokens). Back-offs that are over stay a while: their strikes make
     * the next failure's back-off longer in whichever process sees it.
     */
    shared(now: number): SharedPauses {
        return {
            version: 2,
            rateLimits: Object.fromEntries([...this._states].filter(([, state]) => state.blockedUntil > now)
                .map(([key, state]) => [key, {...state}])),
            failures: Object.fromEntries([...this._failures].filter(([, state]) => state.failedAt > now - FAILURE_MEMORY_MS)
                .map(([endpoint, {error, ...state}]) => [endpoint, {...state, error: {kind: error.kind, message: error.message, hint: error.hint}}])),
        };
    }

    /**
     * Takes back what shared() saved (in this process or another one): anything malformed or
     * over is ignored, a pause longer than a day is cut to a day, a longer pause or a later
     * failure known here wins, and what a success here ended since is not taken back.
     */
    restore(saved: unknown, now: number): void {
        const {rateLimits, failures} = validPauses(saved, now);
        for (const [key, state] of Object.entries(rateLimits)) {
            const known = this._states.get(key);
            if ((this._cleared.rateLimits[key] ?? -Infinity) <= state.limitedAt &&
                (known === undefined || known.blockedUntil < state.blockedUntil))
                this._states.set(key, {...state, limitedAt: Math.max(state.limitedAt, known?.limitedAt ?? 0)});
        }
        for (const [endpoint, {error, ...state}] of Object.entries(failures)) {
            const known = this._failures.get(endpoint);
            if ((this._cleared.failures[endpoint] ?? -Infinity) <= state.failedAt &&
                (known === undefined || known.failedAt < state.failedAt)) {
                this._failures.set(endpoint, {...state, attemptedAt: Math.max(state.attemptedAt, known?.attemptedAt ?? -Infinity),
                    error: new ProviderError(error.kind, error.message, error.hint)});
            }
        }
    }
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const strikesOf = (strikes: number): number => Math.max(1, Math.min(32, Math.round(strikes)));

/** A saved rate-limit pause still running, at most a day long from `now`; null when malformed or over. */
function validRateLimit(value: unknown, now: number): GateState | null {
    if (!isObject(value))
        return null;
    const {blockedUntil, strikes, limitedAt} = value;
    if (typeof blockedUntil !== 'number' || !isFiniteNumber(strikes) || !(blockedUntil > now))
        return null;
    return {blockedUntil: clampPause(blockedUntil, now), strikes: strikesOf(strikes),
        limitedAt: isFiniteNumber(limitedAt) ? Math.max(0, Math.min(limitedAt, now)) : 0};
}

/** A saved back-off recorded within FAILURE_MEMORY_MS, its times no later than `now` allows; null when malformed. */
function validFailure(value: unknown, now: number): SavedFailure | null {
    const error = isObject(value) ? value['error'] : null;
    if (!isObject(value) || !isObject(error))
        return null;
    const {until, strikes, failedAt, attemptedAt} = value;
    const {kind, message, hint} = error;
    if (!isFiniteNumber(until) || !isFiniteNumber(strikes) || !isFiniteNumber(failedAt) || !isFiniteNumber(attemptedAt) ||
        !isErrorKind(kind) || typeof message !== 'string' || typeof hint !== 'string' || failedAt <= now - FAILURE_MEMORY_MS)
        return null;
    return {until: clampPause(until, now), strikes: strikesOf(strikes), failedAt: Math.min(failedAt, now),
        attemptedAt: Math.min(attemptedAt, now),
        error: {kind, message: message.slice(0, MAX_SAVED_TEXT), hint: hint.slice(0, MAX_SAVED_TEXT)}};
}

/**
 * The well-formed pauses and back-offs of a saved pause file (an older file holds only
 * rate-limit pauses, keyed at its top level).
 */
export function validPauses(saved: unknown, now: number): SharedPauses {
    const valid: SharedPauses = {version: 2, rateLimits: {}, failures: {}};
    if (!isObject(saved))
        return valid;
    const current = saved['version'] === 2;
    const rateLimits = current ? saved['rateLimits'] : saved;
    for (const [key, value] of Object.entries(isObject(rateLimits) ? rateLimits : {})) {
        const state = validRateLimit(value, now);
        if (state !== null)
            valid.rateLimits[key] = state;
    }
    const failures = current ? saved['failures'] : null;
    for (const [endpoint, value] of Object.entries(isObject(failures) ? failures : {})) {
        const state = validFailure(value, now);
        if (state !== null)
            valid.failures[endpoint] = state;
    }
    return valid;
}

/**
 * What a pause file shared by several processes (the Shell and the CLI) holds after one of them
 * saves: the file's pauses and back-offs, minus those a success in this process ended, plus its
 * own (the later end of a pause wins, and the later of two failures).
 */
export function mergePauses(inFile: unknown, own: SharedPauses, cleared: Cleared, now: number): SharedPauses {
    const file = validPauses(inFile, now);
    const mine = validPauses(own, now);
    const merged: SharedPauses = {version: 2, rateLimits: {}, failures: {}};
    for (const [key, state] of Object.entries(file.rateLimits)) {
        if ((cleared.rateLimits[key] ?? -Infinity) <= state.limitedAt)
            merged.rateLimits[key] = state;
    }
    for (const [key, state] of Object.entries(mine.rateLimits)) {
        const known = merged.rateLimits[key];
        if (known === undefined || known.blockedUntil < state.blockedUntil)
            merged.rateLimits[key] = state;
    }
    for (const [endpoint, state] of Object.entries(file.failures)) {
        if ((cleared.failures[endpoint] ?? -Infinity) <= state.failedAt)
            merged.failures[endpoint] = state;
    }
    for (const [endpoint, state] of Object.entries(mine.failures)) {
        const known = merged.failures[endpoint];
        if (known === undefined || known.failedAt <= state.failedAt)
            merged.failures[endpoint] = state;
    }
    return merged;
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
