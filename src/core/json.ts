// Type guards for JSON that arrives from the network or from other programs' files.
// Everything parsed is `unknown` until one of these accepts it, and the numbers they accept are
// sane: finite, not absurdly large, percentages and times within what can be true.

import {isRepresentable} from './time.js';

export type JsonObject = Record<string, unknown>;

/**
 * No count, amount or timestamp we read comes near this; beyond it a number is garbage, and
 * summing garbage overflows to Infinity.
 */
const MAX_MAGNITUDE = 1e15;
/**
 * A used percentage above this is impossible rather than over-use (limits that let usage run
 * over do so by a few percent, not tenfold).
 */
export const MAX_PERCENT = 1000;

export function isObject(value: unknown): value is JsonObject {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The number, or null when it is not finite or beyond what any count or amount can be. */
export const saneNumber = (value: number): number | null => Number.isFinite(value) && Math.abs(value) <= MAX_MAGNITUDE ? value : null;

export function optionalNumber(obj: JsonObject, key: string): number | null {
    const value = obj[key];
    return typeof value === 'number' ? saneNumber(value) : null;
}

/** A number, also when given as a numeric string ("125.5"), as billing APIs often do. */
export function optionalNumeric(obj: JsonObject, key: string): number | null {
    const value = obj[key];
    if (typeof value === 'string' && value.trim() !== '')
        return saneNumber(Number(value));
    return optionalNumber(obj, key);
}

/**
 * A used percentage as a limit can be: a negative one is a rounding artefact and reads as 0;
 * above MAX_PERCENT it is impossible, and null (the window is not shown). Between 100 and
 * MAX_PERCENT it is over-use, kept (shown as critical).
 */
export function sanePercent(value: number | null): number | null {
    if (value === null || !Number.isFinite(value) || value > MAX_PERCENT)
        return null;
    return Math.max(0, value);
}

/** A used percentage sent as a JSON number (see sanePercent()). */
export function optionalPercent(obj: JsonObject, key: string): number | null {
    return sanePercent(optionalNumber(obj, key));
}

/** A fraction of a whole (0–1), e.g. what is left of a quota; null outside that range. */
export function optionalFraction(obj: JsonObject, key: string): number | null {
    const value = optionalNumber(obj, key);
    return value !== null && value >= 0 && value <= 1 ? value : null;
}

/** Unix seconds as epoch ms; null when absent or outside what a calendar can show (before 1970, after 9999). */
export function optionalEpochSeconds(obj: JsonObject, key: string): number | null {
    const seconds = optionalNumeric(obj, key);
    return seconds !== null && isRepresentable(seconds * 1000) ? seconds * 1000 : null;
}

export function optionalString(obj: JsonObject, key: string): string | null {
    const value = obj[key];
    return typeof value === 'string' && value.length > 0 ? value : null;
}

export function optionalBoolean(obj: JsonObject, key: string): boolean | null {
    const value = obj[key];
    return typeof value === 'boolean' ? value : null;
}

export function optionalObject(obj: JsonObject, key: string): JsonObject | null {
    const value = obj[key];
    return isObject(value) ? value : null;
}

export function optionalStringArray(obj: JsonObject, key: string): string[] | null {
    const value = obj[key];
    if (!Array.isArray(value))
        return null;
    return value.filter((item): item is string => typeof item === 'string');
}

/**
 * Parses an ISO-8601 timestamp (with or without fractional seconds or offset) to epoch ms; null
 * when it is not one or lies outside what a calendar can show (before 1970, after 9999).
 */
export function parseIsoTime(value: unknown): number | null {
    if (typeof value !== 'string')
        return null;
    const ms = Date.parse(value);
    return isRepresentable(ms) ? ms : null;
}

/** Parses JSON text; returns `undefined` when the text is not JSON (or nests too deep to parse). */
export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}
