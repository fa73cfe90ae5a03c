// Our own daily totals, kept in the user data folder, so that history survives Claude Code
// deleting transcripts older than `cleanupPeriodDays` (30 by default).
//
// A day's totals never shrink: when the logs now hold less for a day than we kept (files were
// deleted), the kept totals stand; otherwise the logs win.

import {isObject, parseJson} from '../json.js';
import {totalTokens, type DayTotals, type LogSource} from './localUsage.js';

const VERSION = 1;
const KEEP_DAYS = 400;

export type History = Record<LogSource, Record<string, DayTotals>>;

export const emptyHistory = (): History => ({claude: {}, codex: {}});

const isDay = (value: unknown): value is DayTotals =>
    isObject(value) && typeof value['date'] === 'string' && typeof value['cost'] === 'number' &&
    typeof value['input'] === 'number' && typeof value['output'] === 'number' &&
    typeof value['cacheWrite'] === 'number' && typeof value['cacheRead'] === 'number' &&
    typeof value['unpricedTokens'] === 'number' && typeof value['entries'] === 'number' &&
    Array.isArray(value['models']);

/** Reads the history file; anything unreadable starts a new history rather than failing the scan. */
export function parseHistory(text: string | null): History {
    const history = emptyHistory();
    const json = text === null ? undefined : parseJson(text);
    if (!isObject(json) || json['version'] !== VERSION)
        return history;
    for (const source of ['claude', 'codex'] as const) {
        const days = json[source];
        if (!isObject(days))
            continue;
        for (const [date, day] of Object.entries(days)) {
            if (isDay(day))
                history[source][date] = day;
        }
    }
    return history;
}

export function serializeHistory(history: History): string {
    return JSON.stringify({version: VERSION, ...history});
}

/**
 * Merges the days computed from the logs into the history (in place) and returns whether
 * anything changed. Days older than about 13 months are dropped.
 */
export function mergeDays(history: History, source: LogSource, live: ReadonlyMap<string, DayTotals>, today: string): boolean {
    const kept = history[source];
    let changed = false;
    for (const [date, day] of live) {
        const old = kept[date];
        if (!old || totalTokens(day) >= totalTokens(old)) {
            changed ||= JSON.stringify(old) !== JSON.stringify(day);
            kept[date] = day;
        }
    }
    const oldest = new Date(`${today}T00:00:00`);
    oldest.setDate(oldest.getDate() - KEEP_DAYS);
    const expired = Object.keys(kept).filter(date => new Date(`${date}T00:00:00`) < oldest);
    if (expired.length > 0)
        history[source] = Object.fromEntries(Object.entries(kept).filter(([date]) => !expired.includes(date)));
    return changed || expired.length > 0;
}
