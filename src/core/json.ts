// Type guards for JSON that arrives from the network or from other programs' files.
// Everything parsed is `unknown` until one of these accepts it.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalNumber(obj: JsonObject, key: string): number | null {
    const value = obj[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A number, also when given as a numeric string ("125.5"), as billing APIs often do. */
export function optionalNumeric(obj: JsonObject, key: string): number | null {
    const value = obj[key];
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        return Number(value);
    return optionalNumber(obj, key);
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

/** Parses an ISO-8601 timestamp (with or without fractional seconds or offset) to epoch ms. */
export function parseIsoTime(value: unknown): number | null {
    if (typeof value !== 'string')
        return null;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
}

/** Parses JSON text; returns `undefined` when the text is not JSON. */
export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}
