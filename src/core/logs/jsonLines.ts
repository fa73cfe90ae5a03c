// Byte-level helpers for JSONL logs with large lines. Claude Code's assistant lines are mostly content
// (thinking text, signatures, tool input); decoding and JSON.parse-ing all of it costs more
// than reading the file. These find values in the UTF-8 bytes and skip them without decoding.
// Malformed structure returns -1.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const decoder = new TextDecoder();
export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const NULL = encode('null');

function skipSpace(b: Uint8Array, i: number, end: number): number {
    while (i < end && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d))
        i++;
    return i;
}

/** From the opening quote at `i`, the index after the closing quote; -1 when unterminated. */
function skipString(b: Uint8Array, i: number, end: number): number {
    let j = i + 1;
    for (;;) {
        const q = b.indexOf(QUOTE, j);
        if (q < 0 || q >= end)
            return -1;
        let k = q - 1;
        while (b[k] === BACKSLASH)
            k--;
        if ((q - 1 - k) % 2 === 0)
            return q + 1;
        j = q + 1;
    }
}

/** The index after the JSON value starting at `i`; -1 when it is malformed or cut off. */
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

/**
 * The index of `pattern` in `[from, end)`, found by its last byte (pick patterns that end in a
 * rare byte); -1 when absent.
 */
function indexOfBytes(b: Uint8Array, pattern: Uint8Array, from: number, end: number): number {
    const last = pattern.length - 1;
    const anchor = pattern[last] ?? 0;
    for (let i = b.indexOf(anchor, from + last); i >= 0 && i < end; i = b.indexOf(anchor, i + 1)) {
        let k = 1;
        while (k <= last && b[i - k] === pattern[last - k])
            k++;
        if (k > last)
            return i - last;
    }
    return -1;
}

let scratch = new Uint8Array(1 << 16);

/**
 * Parses the JSON text `[start, end)` with the value `[cutStart, cutEnd)` replaced by null;
 * undefined when the result is not JSON. Decoding only what is kept, in one call, is what
 * makes it cheap: TextDecoder has a high cost per call and per byte in GJS.
 */
function parseWithout(b: Uint8Array, start: number, end: number, cutStart: number, cutEnd: number): unknown {
    if (cutStart >= cutEnd)
        cutStart = cutEnd = end;
    const head = cutStart - start;
    const filler = cutStart < end ? NULL : NULL.subarray(0, 0);
    const length = head + filler.length + end - cutEnd;
    if (scratch.length < length)
        scratch = new Uint8Array(length * 2);
    scratch.set(b.subarray(start, cutStart));
    scratch.set(filler, head);
    scratch.set(b.subarray(cutEnd, end), head + filler.length);
    try {
        return JSON.parse(decoder.decode(scratch.subarray(0, length))) as unknown;
    } catch {
        return undefined;
    }
}

/**
 * Parses the line `[start, end)` without decoding the value of the first `key` (given as the
 * bytes of `"name":`). In JSON text that byte sequence can only be a key, since every quote
 * inside a string is escaped; undefined when the line is not JSON.
 */
export function parseLineWithout(b: Uint8Array, start: number, end: number, key: Uint8Array): unknown {
    const at = indexOfBytes(b, key, start, end);
    const valueStart = at < 0 ? end : at + key.length;
    const valueEnd = at < 0 ? end : skipValue(b, valueStart, end);
    return valueEnd < 0 ? undefined : parseWithout(b, start, end, valueStart, valueEnd);
}

const NEWLINE = 0x0a;

/**
 * Calls `onLine(start, end)` for each complete line of `[from, end)` that contains one of the
 * markers; lines without a marker are never decoded. A last line without its newline is offered
 * too: when `onLine` accepts it (returns true) it counts as read, otherwise it is left for the
 * next read (the writer is probably in the middle of it). Returns where the next read starts.
 */
export function scanMarkedLines(b: Uint8Array, from: number, end: number, markers: readonly Uint8Array[],
    onLine: (start: number, end: number) => boolean): number {
    const lastNewline = end > from ? b.lastIndexOf(NEWLINE, end - 1) : -1;
    const complete = lastNewline >= from ? lastNewline + 1 : from;
    const found = markers.map(marker => ({marker, at: indexOfBytes(b, marker, from, complete)}));
    let i = from;
    for (;;) {
        let at = -1;
        for (const f of found) {
            if (f.at >= 0 && f.at < i)
                f.at = indexOfBytes(b, f.marker, i, complete);
            if (f.at >= 0 && (at < 0 || f.at < at))
                at = f.at;
        }
        if (at < 0)
            break;
        const lineStart = Math.max(i, b.lastIndexOf(NEWLINE, at) + 1);
        const newline = b.indexOf(NEWLINE, at);
        const lineEnd = newline < 0 || newline >= complete ? complete : newline;
        onLine(lineStart, lineEnd);
        i = lineEnd + 1;
    }
    if (complete < end && markers.some(m => indexOfBytes(b, m, complete, end) >= 0) && onLine(complete, end))
        return end;
    return complete;
}
