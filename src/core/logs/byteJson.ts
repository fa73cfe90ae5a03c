// Byte-level reading of JSONL logs, without decoding: finding lines, walking a line's JSON
// structure and reading the few values the scanner needs. Decoding a whole line and
// JSON.parse-ing it costs several times more than reading the file, and almost every byte of
// a log line is content the scanner never looks at.
//
// Functions return the index after what they read, or -1 when the JSON is malformed or cut off.

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
const BRACES = 0x7b7b7b7b;
const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;
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
 * when the string holds an escape (its raw bytes are then not its value).
 */
export let stringEscaped = false;
export function skipString(b: Uint8Array, i: number, end: number): number {
    stringEscaped = false;
    let j = i + 1;
    // Long strings (thinking text, signatures, tool output) are skipped four bytes at a time:
    // only words holding a quote, a backslash or a control character are looked at closely.
    const words = end - j > 16 ? wordsOf(b) : null;
    if (words) {
        let w = (j + 3) >>> 2;
        for (; j < w * 4; j++) {
            const c = b[j] ?? 0;
            if (c === QUOTE || c === BACKSLASH || c < 0x20)
                break;
        }
        if (j === w * 4) {
            const last = end >>> 2;
            for (; w < last; w++) {
                const x = words[w] ?? 0;
                const q = x ^ QUOTES;
                const s = x ^ BACKSLASHES;
                if ((((q - LOW_BYTES) & ~q) | ((s - LOW_BYTES) & ~s) | ((x - SPACES) & ~x)) & HIGH_BITS)
                    break;
            }
            j = w * 4;
        }
    }
    for (; j < end; j++) {
        const c = b[j] ?? 0;
        if (c === QUOTE)
            return j + 1;
        if (c === BACKSLASH) {
            stringEscaped = true;
            j++;
        } else if (c < 0x20) {
            return -1; // a raw control character: not JSON
        }
    }
    return -1;
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
            }
        }
        return -1;
    }
    let j = i;
    while (j < end && b[j] !== COMMA && b[j] !== CLOSE_BRACE && b[j] !== CLOSE_BRACKET && (b[j] ?? 0) > 0x20)
        j++;
    return j > i ? j : -1;
}

/** The value of the JSON string `[start, end)` (quotes included). */
export function decodeString(b: Uint8Array, start: number, end: number, escaped: boolean): string {
    const text = decoder.decode(b.subarray(escaped ? start : start + 1, escaped ? end : end - 1));
    return escaped ? JSON.parse(text) as string : text;
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
        const name = stringEscaped ? escapedKeyIndex(decodeString(b, i, keyEnd, true), names) : keyIndex(b, i, keyEnd, names);
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

const MARKER = encode('"usage":{');

/** True when `b[at]` (a `{`) ends the bytes `"usage":{`. */
function endsMarker(b: Uint8Array, at: number): boolean {
    if (at < MARKER.length - 1)
        return false;
    for (let k = 1; k < MARKER.length; k++) {
        if (b[at - k] !== MARKER[MARKER.length - 1 - k])
            return false;
    }
    return true;
}

/**
 * Calls `onLine(start, end)` for each complete line of `[from, end)`, or with `usageOnly`
 * only for lines containing the bytes `"usage":{` (Claude Code's billable lines; in compact
 * JSON they can only be a key). Lines are found eight bytes at a time (SWAR on 32-bit words):
 * only words holding a newline or a `{` are looked at byte by byte.
 *
 * A last line without its newline is offered too: when `onLine` accepts it (returns true) it
 * counts as read, otherwise it is left for the next read (the writer is probably in the middle
 * of it). Returns where the next read starts.
 */
export function scanLines(b: Uint8Array, from: number, end: number, usageOnly: boolean,
    onLine: (start: number, end: number) => boolean): number {
    let lineStart = from;
    let marked = !usageOnly;
    const words = wordsOf(b);
    const lastWord = words ? Math.floor(end / 4) : 0;
    // Byte by byte up to the first whole word, then two words at a time; byte by byte only
    // where a pair holds a newline or a brace, and after the last whole pair.
    let w = Math.ceil(from / 4);
    let p = from;
    let stop = words && w < lastWord ? w * 4 : end;
    for (;;) {
        for (; p < stop; p++) {
            const c = b[p];
            if (c === NEWLINE) {
                if (marked)
                    onLine(lineStart, p);
                lineStart = p + 1;
                marked = !usageOnly;
            } else if (c === OPEN_BRACE && !marked && endsMarker(b, p)) {
                marked = true;
            }
        }
        if (!words || p >= end)
            break;
        w = p >>> 2;
        for (; w + 1 < lastWord; w += 2) {
            const x = words[w] ?? 0;
            const y = words[w + 1] ?? 0;
            const xn = x ^ NEWLINES;
            const yn = y ^ NEWLINES;
            const xb = x ^ BRACES;
            const yb = y ^ BRACES;
            if ((((xn - LOW_BYTES) & ~xn) | ((yn - LOW_BYTES) & ~yn) | ((xb - LOW_BYTES) & ~xb) | ((yb - LOW_BYTES) & ~yb)) & HIGH_BITS)
                break;
        }
        p = w * 4;
        stop = w + 1 < lastWord ? p + 8 : end;
    }
    if (lineStart < end && marked && onLine(lineStart, end))
        return end;
    return lineStart;
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
