// Byte-level reading of JSONL logs, without decoding: finding lines, walking a line's JSON
// structure and reading the few values the scanner needs. Decoding a whole line and
// JSON.parse-ing it costs several times more than reading the file, and almost every byte of
// a log line is content the scanner never looks at.
//
// Functions return the index after what they read, or -1 when the JSON is malformed or cut off.
// No value read here spans a raw newline (JSON lines cannot hold one): a reader can walk a line
// bounded by the buffer's end, and the walk itself finds where the line ends.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;

const LOW_BYTES = 0x01010101;
const HIGH_BITS = 0x80808080 | 0;
const NEWLINES = 0x0a0a0a0a;
const QUOTES = 0x22222222;
const SPACES = 0x20202020;

const decoder = new TextDecoder();
export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export function skipSpace(b: Uint8Array, i: number, end: number): number {
    while (i < end && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0d))
        i++;
    return i;
}

/**
 * From the opening quote at `i`, the index after the closing quote. Sets `stringEscaped`
 * when the string may hold an escape (its raw bytes are then not its value): exactly for
 * short strings (keys, ids, times, model names — the strings that are read), and always for
 * long ones, which are skipped and whose value is then decoded by JSON.parse if anyone asks.
 */
export let stringEscaped = false;
const EXACT_PREFIX = 64;
export function skipString(b: Uint8Array, i: number, end: number): number {
    stringEscaped = false;
    const exactEnd = Math.min(end, i + 1 + EXACT_PREFIX);
    for (let j = i + 1; j < exactEnd; j++) {
        const c = b[j] ?? 0;
        if (c === QUOTE)
            return j + 1;
        if (c === BACKSLASH) {
            stringEscaped = true;
            j++;
            if ((b[j] ?? 0) < 0x20)
                return -1; // an escaped control character (a newline, say) is no escape
        } else if (c < 0x20) {
            return -1; // a raw control character: not JSON
        }
    }
    if (exactEnd === end)
        return -1;
    stringEscaped = true;
    // The prefix may end inside an escape (`\` then `"`): continue from where it stopped
    // being sure, and let the backslash count before each quote decide.
    return skipLongString(b, i, exactEnd - 1, end);
}

/**
 * The end of a long string, from `from` (inside it, after `open`, the opening quote). Only
 * quotes and control characters are looked for, four bytes at a time: a quote closes the
 * string when an even number of backslashes precede it (each pair is an escaped backslash).
 */
function skipLongString(b: Uint8Array, open: number, from: number, end: number): number {
    const words = wordsOf(b);
    let j = from;
    for (;;) {
        if (words) {
            for (const aligned = Math.min(end, (j + 3) & ~3); j < aligned; j++) {
                const c = b[j] ?? 0;
                if (c === QUOTE || c < 0x20)
                    break;
            }
            if ((j & 3) === 0) {
                const last = end >>> 2;
                let w = j >>> 2;
                for (; w < last; w++) {
                    const x = words[w] ?? 0;
                    const q = x ^ QUOTES;
                    if ((((q - LOW_BYTES) & ~q) | ((x - SPACES) & ~x)) & HIGH_BITS)
                        break;
                }
                j = w * 4;
            }
        }
        for (; j < end; j++) {
            const c = b[j] ?? 0;
            if (c === QUOTE || c < 0x20)
                break;
        }
        if (j >= end || b[j] !== QUOTE)
            return -1; // cut off, or a raw control character: not JSON
        let k = j - 1;
        while (k > open && b[k] === BACKSLASH)
            k--;
        if ((j - 1 - k) % 2 === 0)
            return j + 1;
        j++; // an escaped quote
    }
}

/** The index after the JSON value starting at `i` (after spaces). */
export function skipValue(b: Uint8Array, i: number, end: number): number {
    i = skipSpace(b, i, end);
    const c = b[i];
    if (c === QUOTE)
        return skipString(b, i, end);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        let depth = 0;
        for (let j = i; j < end; j++) {
            const d = b[j];
            if (d === QUOTE) {
                j = skipString(b, j, end) - 1;
                if (j < 0)
                    return -1;
            } else if (d === OPEN_BRACE || d === OPEN_BRACKET) {
                depth++;
            } else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
                if (--depth === 0)
                    return j + 1;
            } else if (d === NEWLINE) {
                return -1; // no JSON line spans a newline: a reader may walk past a line's end
            }
        }
        return -1;
    }
    let j = i;
    while (j < end && b[j] !== COMMA && b[j] !== CLOSE_BRACE && b[j] !== CLOSE_BRACKET && (b[j] ?? 0) > 0x20)
        j++;
    return j > i ? j : -1;
}

/**
 * The value of the JSON string `[start, end)` (quotes included); null when an escape in it is
 * not JSON's (`\\x`, a short `\\u`): JSON.parse refuses such a line, and so do the readers.
 */
export function decodeString(b: Uint8Array, start: number, end: number, escaped: boolean): string | null {
    const text = decoder.decode(b.subarray(escaped ? start : start + 1, escaped ? end : end - 1));
    if (!escaped)
        return text;
    try {
        return JSON.parse(text) as string;
    } catch {
        return null;
    }
}

/** The value of the number `[start, end)`; null when it is not a finite JSON number. */
export function readNumber(b: Uint8Array, start: number, end: number): number | null {
    let i = start;
    let n = 0;
    const negative = b[i] === 0x2d;
    if (negative)
        i++;
    const first = i;
    while (i < end && i - first < 15) {
        const d = (b[i] ?? 0) - 0x30;
        if (d < 0 || d > 9)
            break;
        n = n * 10 + d;
        i++;
    }
    if (i === end && i > first && (b[first] !== 0x30 || i === first + 1))
        return negative ? -n : n;
    const text = decoder.decode(b.subarray(start, end));
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text))
        return null;
    const value = Number(text);
    return Number.isFinite(value) ? value : null;
}

const digitAt = (b: Uint8Array, at: number): number => {
    const d = (b[at] ?? 0) - 0x30;
    return d >= 0 && d <= 9 ? d : -100;
};
const twoDigits = (b: Uint8Array, at: number): number => digitAt(b, at) * 10 + digitAt(b, at + 1);

/**
 * The time of the JSON string `[start, end)` (quotes included) when it is written
 * `YYYY-MM-DDTHH:MM:SS.mmmZ`, as the logs write it, in ms as Date.parse reads it; NaN for any
 * other form (and for days past the 28th), which the caller decodes for Date.parse. Every byte
 * is checked, so an escape never passes.
 */
export function readIsoTime(b: Uint8Array, start: number, end: number): number {
    const s = start + 1;
    if (end - start !== 26 || b[start] !== QUOTE || b[end - 1] !== QUOTE || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d ||
        b[s + 10] !== 0x54 || b[s + 13] !== COLON || b[s + 16] !== COLON || b[s + 19] !== 0x2e || b[s + 23] !== 0x5a)
        return Number.NaN;
    const year = twoDigits(b, s) * 100 + twoDigits(b, s + 2);
    const month = twoDigits(b, s + 5);
    const day = twoDigits(b, s + 8);
    const hour = twoDigits(b, s + 11);
    const minute = twoDigits(b, s + 14);
    const second = twoDigits(b, s + 17);
    const ms = twoDigits(b, s + 20) * 10 + digitAt(b, s + 22);
    return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour >= 0 && hour <= 23 &&
        minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && ms >= 0
        ? Date.UTC(year, month - 1, day, hour, minute, second, ms) : Number.NaN;
}

/**
 * Decodes JSON strings, giving the previous call's string again when the raw bytes are the
 * same: a log names the same model on nearly every line.
 */
export class LastString {
    private _raw: Uint8Array = new Uint8Array(0);
    private _value = '';

    decode(b: Uint8Array, start: number, end: number, escaped: boolean): string | null {
        let same = end - start === this._raw.length;
        for (let k = 0; same && k < this._raw.length; k++)
            same = b[start + k] === this._raw[k];
        if (!same) {
            const value = decodeString(b, start, end, escaped);
            if (value === null)
                return null;
            this._raw = b.slice(start, end);
            this._value = value;
        }
        return this._value;
    }
}

/** The index in `names` of the raw key `[start, end)` (quotes included, no escapes); -1 for none. */
function keyIndex(b: Uint8Array, start: number, end: number, names: readonly Uint8Array[]): number {
    const length = end - start - 2;
    for (let n = 0; n < names.length; n++) {
        const name = names[n];
        if (name?.length !== length)
            continue;
        let k = 0;
        while (k < length && b[start + 1 + k] === name[k])
            k++;
        if (k === length)
            return n;
    }
    return -1;
}

/**
 * Walks the members of the object whose `{` is at `i`. For a key among `names`, calls
 * `onMember(index in names, valueStart)`, which returns the index after the value it read
 * (-1: malformed); other values are skipped. A key with escapes is decoded first, so that
 * `"\u0069d"` is `"id"`, as for JSON.parse. Returns the index after the `}`.
 */
export function walkObject(b: Uint8Array, i: number, end: number, names: readonly Uint8Array[],
    onMember: (name: number, valueStart: number) => number): number {
    if (b[i] !== OPEN_BRACE)
        return -1;
    i = skipSpace(b, i + 1, end);
    if (b[i] === CLOSE_BRACE)
        return i + 1;
    for (;;) {
        if (b[i] !== QUOTE)
            return -1;
        const keyEnd = skipString(b, i, end);
        if (keyEnd < 0)
            return -1;
        const escapedKey = stringEscaped ? decodeString(b, i, keyEnd, true) : null;
        if (stringEscaped && escapedKey === null)
            return -1;
        const name = escapedKey !== null ? escapedKeyIndex(escapedKey, names) : keyIndex(b, i, keyEnd, names);
        const colon = skipSpace(b, keyEnd, end);
        if (b[colon] !== COLON)
            return -1;
        const value = skipSpace(b, colon + 1, end);
        i = name < 0 ? skipValue(b, value, end) : onMember(name, value);
        if (i < 0)
            return -1;
        i = skipSpace(b, i, end);
        if (b[i] === CLOSE_BRACE)
            return i + 1;
        if (b[i] !== COMMA)
            return -1;
        i = skipSpace(b, i + 1, end);
    }
}

const escapedKeyIndex = (key: string, names: readonly Uint8Array[]): number =>
    names.findIndex(name => decoder.decode(name) === key);

/** The index of the first newline in `[i, end)`, or `end`. */
export function findNewline(b: Uint8Array, i: number, end: number): number {
    const words = wordsOf(b);
    if (words) {
        for (const aligned = Math.min(end, (i + 3) & ~3); i < aligned; i++) {
            if (b[i] === NEWLINE)
                return i;
        }
        const last = end >>> 2;
        let w = i >>> 2;
        for (; w < last; w++) {
            const x = (words[w] ?? 0) ^ NEWLINES;
            if (((x - LOW_BYTES) & ~x) & HIGH_BITS)
                break;
        }
        i = Math.max(i, w * 4);
    }
    for (; i < end; i++) {
        if (b[i] === NEWLINE)
            return i;
    }
    return end;
}

/**
 * Calls `onLine(start, end)` for each complete line of `[from, end)`, finding the newlines four
 * bytes at a time (SWAR on 32-bit words).
 *
 * A last line without its newline is offered too: when `onLine` accepts it (returns true) it
 * counts as read, otherwise it is left for the next read (the writer is probably in the middle
 * of it). Returns where the next read starts.
 */
export function scanLines(b: Uint8Array, from: number, end: number, onLine: (start: number, end: number) => boolean): number {
    let lineStart = from;
    for (let newline = findNewline(b, from, end); newline < end; newline = findNewline(b, lineStart, end)) {
        onLine(lineStart, newline);
        lineStart = newline + 1;
    }
    return lineStart < end && onLine(lineStart, end) ? end : lineStart;
}

let viewedBytes: Uint8Array | null = null;
let viewedWords: Int32Array | null = null;

/** The buffer as 32-bit words (one view per buffer, made once); null when it is not aligned. */
function wordsOf(b: Uint8Array): Int32Array | null {
    if (b !== viewedBytes) {
        viewedBytes = b;
        viewedWords = b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >>> 2) : null;
    }
    return viewedWords;
}
