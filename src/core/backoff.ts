// Per-key back-off after rate limits and failures. Keys are token fingerprints, so a 429
// for one account never delays another.

const MINUTE = 60_000;
/** First pause after a 429 without Retry-After; doubles on each repeat. */
const RATE_LIMIT_BASE = 5 * MINUTE;
const RATE_LIMIT_MAX = 2 * 60 * MINUTE;

interface GateState {
    blockedUntil: number;
    strikes: number;
}

export class BackoffGate {
    private readonly _states = new Map<string, GateState>();

    /** Epoch ms before which automatic requests for `key` must not be sent, or null. */
    blockedUntil(key: string, now: number): number | null {
        const state = this._states.get(key);
        return state && state.blockedUntil > now ? state.blockedUntil : null;
    }

    /**
     * Records a 429. `retryAt` (from Retry-After) is honoured when it lies in the future;
     * otherwise the pause doubles from 5 minutes up to 2 hours. A pause is never shortened.
     */
    recordRateLimit(key: string, now: number, retryAt: number | null): number {
        const state = this._states.get(key) ?? {blockedUntil: 0, strikes: 0};
        state.strikes += 1;
        const backoff = Math.min(RATE_LIMIT_BASE * 2 ** (state.strikes - 1), RATE_LIMIT_MAX);
        const until = retryAt !== null && retryAt > now ? retryAt : now + backoff;
        state.blockedUntil = Math.max(state.blockedUntil, until);
        this._states.set(key, state);
        return state.blockedUntil;
    }

    recordSuccess(key: string): void {
        this._states.delete(key);
    }

    /** The pauses still running, to keep across restarts (keys are token fingerprints, not tokens). */
    pauses(now: number): Record<string, GateState> {
        return Object.fromEntries([...this._states].filter(([, state]) => state.blockedUntil > now));
    }

    /** Takes back pauses saved by pauses(); anything malformed or over is ignored. */
    restore(saved: unknown, now: number): void {
        if (typeof saved !== 'object' || saved === null)
            return;
        for (const [key, value] of Object.entries(saved)) {
            const {blockedUntil, strikes} = (value ?? {}) as Partial<GateState>;
            if (typeof blockedUntil === 'number' && typeof strikes === 'number' && blockedUntil > now &&
                !this._states.has(key))
                this._states.set(key, {blockedUntil, strikes});
        }
    }
}

/** Parses a Retry-After header: delay in seconds or an HTTP date. Returns epoch ms or null. */
export function parseRetryAfter(value: string | null, now: number): number | null {
    if (value === null)
        return null;
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed))
        return now + Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? null : date;
}
