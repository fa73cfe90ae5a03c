// Times that cannot fail: the bounds every time read from the network or a file is held to, and
// local date formatting that returns null instead of throwing (GLib.DateTime.new_from_unix_local
// returns null past year 9999, and a JS Date throws on toISOString() past ±8.64e15 ms).

import GLib from 'gi://GLib';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Near the last moment GLib.DateTime can represent (end of 9999), a day short so every time zone fits. */
const LATEST_MS = Date.UTC(9999, 11, 30);

/** A rate-limit pause never lasts longer than this, whatever Retry-After says. */
export const MAX_PAUSE_MS = 24 * HOUR_MS;
/** Reset times further ahead than this are unknown: no provider has a limit that long. */
export const RESET_HORIZON_MS = 400 * DAY_MS;

/** Epoch ms that every date function accepts: from 1970 to (a day before) the end of year 9999. */
export function isRepresentable(ms: number): boolean {
    return Number.isFinite(ms) && ms >= 0 && ms <= LATEST_MS;
}

/** `seconds` after epoch ms `base` (a reset given as a delay); null when that lies outside what a calendar can show. */
export function secondsAfter(base: number, seconds: number): number | null {
    const ms = base + seconds * 1000;
    return isRepresentable(ms) ? ms : null;
}

/** A reset time within the horizon, or null (unknown) when it is absurd. Past resets stay: they say "resets now". */
export function saneResetTime(ms: number | null, now: number): number | null {
    return ms !== null && isRepresentable(ms) && ms <= now + RESET_HORIZON_MS ? ms : null;
}

/** When a pause ends: never before now, never more than MAX_PAUSE_MS ahead (NaN and Infinity included). */
export function clampPause(until: number, now: number): number {
    if (Number.isNaN(until))
        return now + MAX_PAUSE_MS;
    return Math.min(Math.max(until, now), now + MAX_PAUSE_MS);
}

/** The local date-time of epoch ms; null when GLib cannot represent it. */
export function localDateTime(ms: number): GLib.DateTime | null {
    if (!isRepresentable(ms))
        return null;
    return GLib.DateTime.new_from_unix_local(Math.floor(ms / 1000));
}

/** strftime-style local text of epoch ms (trimmed), or null when the time cannot be represented. */
export function formatLocal(ms: number, pattern: string): string | null {
    const text = localDateTime(ms)?.format(pattern) ?? null;
    return text === null ? null : text.trim();
}
