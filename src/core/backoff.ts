// Per-key back-off after rate limits and failures. Keys are token fingerprints, so a 429
// for one account never delays another. No pause lasts more than a day, whatever a server or
// a saved file says.

import {clampPause} from './time.js';

const MINUTE = 60_000;
/** First pause after a 429 without Retry-After; doubles on each repeat. */
const RATE_LIMIT_BASE = 5 * MINUTE;
const RATE_LIMIT_MAX = 2 * 60 * MINUTE;

export interface GateState {
    blockedUntil: number;
    strikes: number;
}

export class BackoffGate {
    private readonly _states = new Map<string, GateState>();
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
        const backoff = Math.min(RATE_LIMIT_BASE * 2 ** (state.strikes - 1), RATE_LIMIT_MAX);
        const until = retryAt !== null && retryAt > now ? retryAt : now + backoff;
        state.blockedUntil = clampPause(Math.max(state.blockedUntil, until), now);
        this._states.set(key, state);
        this._cleared.delete(key);
        return state.blockedUntil;
    }

    recordSuccess(key: string): void {
        if (this._states.delete(key))
            this._cleared.add(key);
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
        return Math.min(this._firstMs * 2 ** (this._failures - 1), this._maxMs);
    }

    succeeded(): void {
        this._failures = 0;
    }
}
