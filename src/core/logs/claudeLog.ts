// Claude Code transcripts: reading the billable lines, byte by byte.
//
// Claude Code writes one line per content block; all lines of one API response share
// `message.id` and `requestId`, and the early ones carry partial output counts. So entries are
// de-duplicated across all files on message.id + requestId (message.id alone when there is no
// requestId), keeping the non-sidechain copy, then the largest usage (see usageStore).
//
// A line is read as JSON.parse would read it (the last of duplicate keys wins, escapes are
// decoded) but without decoding it: the walker visits the top-level members, `message`,
// `message.usage` and `usage.cache_creation`, and skips every other value — the message
// content is nearly all of the line. Results go into one reused record: no object per line.
// Every line is walked, bounded only by the buffer's end: the walk finds where the line ends
// (a JSON line holds no raw newline), so its bytes are read once, with no newline search first.

import type {ClaudeTokens} from '../pricing.js';
import {
    LastString, decodeString, encode, findNewline, readIsoTime, readNumber, skipString, skipValue, skipSpace, stringEscaped, walkObject,
} from './byteJson.js';

/** What a billable line holds; `key` and the numbers are valid until the next line is read. */
export interface ClaudeLine extends ClaudeTokens {
    /** De-duplication key bytes (message.id, then NUL and requestId when present); null without message.id. */
    key: Uint8Array | null;
    time: number;
    model: string;
    /** `costUSD` written by old Claude Code versions; used instead of our price when present. */
    costUSD: number | null;
    sidechain: boolean;
}

export const newClaudeLine = (): ClaudeLine => ({key: null, time: 0, model: '', input: 0, output: 0, cacheWrite5m: 0,
    cacheWrite1h: 0, cacheRead: 0, fast: false, costUSD: null, sidechain: false});

const names = (...keys: string[]): Uint8Array[] => keys.map(encode);
const [MESSAGE, TIMESTAMP, REQUEST_ID, IS_SIDECHAIN] = [0, 1, 2, 3]; // then costUSD
const TOP_KEYS = names('message', 'timestamp', 'requestId', 'isSidechain', 'costUSD');
const [MODEL, ID] = [0, 1]; // then usage
const MESSAGE_KEYS = names('model', 'id', 'usage');
const [INPUT, OUTPUT, CACHE_WRITE, CACHE_READ, SPEED, CACHE_SPLIT] = [0, 1, 2, 3, 4, 5];
const USAGE_KEYS = names('input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens',
    'speed', 'cache_creation');
const SPLIT_KEYS = names('ephemeral_1h_input_tokens');
const TRUE = encode('true');
const FAST = encode('"fast"');

/** A string value's raw range in the line; start < 0 when the member is absent or not a string. */
class StringRange {
    start = -1;
    end = -1;
    escaped = false;

    clear(): void {
        this.start = -1;
    }

    /**
     * Reads the value at `i` as a string (anything else clears it); returns the index after it,
     * or -1 when it is malformed or its escapes are not JSON's (then so is the line).
     */
    read(b: Uint8Array, i: number, end: number): number {
        if (b[i] !== 0x22) {
            this.start = -1;
            return skipValue(b, i, end);
        }
        this.end = skipString(b, i, end);
        this.start = i;
        this.escaped = stringEscaped;
        return this.end > 0 && this.escaped && decodeString(b, i, this.end, true) === null ? -1 : this.end;
    }

    /** Present and not "" (as optionalString). */
    get nonEmpty(): boolean {
        return this.start >= 0 && this.end - this.start > 2;
    }

    /** The value's UTF-8 bytes (decoded when escaped). */
    bytes(b: Uint8Array): Uint8Array {
        return this.escaped ? encode(decodeString(b, this.start, this.end, true) ?? '') : b.subarray(this.start + 1, this.end - 1);
    }
}

// The line being read. Module state rather than closures: the walkers run for every line.
let bytes: Uint8Array = new Uint8Array(0);
let lineEnd = 0;
/** What the walkers found; an object, as the walkers set it from callbacks. */
const found = {messageIsObject: false, usageIsObject: false, splitIsObject: false, sidechain: false, costUSD: null as number | null};
function resetFound(): void {
    found.messageIsObject = found.usageIsObject = found.sidechain = false;
    found.costUSD = null;
}
const counts = new Float64Array(4);
/** 1 where the count was a number. */
const countSet = new Uint8Array(4);
let fast = false;
let write1h: number | null = null;
const timestamp = new StringRange();
const requestId = new StringRange();
const messageId = new StringRange();
const model = new StringRange();
/** Whether the line readLine read last had a billable entry. */
let lineBillable = false;

/** A number member: its value, or null when it is not a finite number. */
function numberAt(i: number): {end: number; value: number | null} {
    const end = skipValue(bytes, i, lineEnd);
    const c = bytes[i] ?? 0;
    numberResult.end = end;
    numberResult.value = end < 0 || !(c === 0x2d || (c >= 0x30 && c <= 0x39)) ? null : readNumber(bytes, i, end);
    return numberResult;
}
const numberResult: {end: number; value: number | null} = {end: 0, value: null};

/** True when `[start, end)` holds exactly `literal`. */
function isLiteral(start: number, end: number, literal: Uint8Array): boolean {
    if (end - start !== literal.length)
        return false;
    for (let k = 0; k < literal.length; k++) {
        if (bytes[start + k] !== literal[k])
            return false;
    }
    return true;
}

function onSplit(_name: number, i: number): number {
    const n = numberAt(i);
    write1h = n.value;
    return n.end;
}

function onUsage(name: number, i: number): number {
    if (name === SPEED) {
        const end = skipValue(bytes, i, lineEnd);
        const decoded = end > 0 && bytes[i] === 0x22 && stringEscaped ? decodeString(bytes, i, end, true) : undefined;
        if (decoded === null)
            return -1; // not JSON's escapes: the line is malformed
        fast = end > 0 && bytes[i] === 0x22 && (isLiteral(i, end, FAST) || decoded === 'fast');
        return end;
    }
    if (name === CACHE_SPLIT) {
        write1h = null;
        found.splitIsObject = bytes[i] === 0x7b;
        return found.splitIsObject ? walkObject(bytes, i, lineEnd, SPLIT_KEYS, onSplit) : skipValue(bytes, i, lineEnd);
    }
    const n = numberAt(i);
    counts[name] = n.value ?? 0;
    countSet[name] = n.value === null ? 0 : 1;
    return n.end;
}

function onMessage(name: number, i: number): number {
    if (name === MODEL)
        return model.read(bytes, i, lineEnd);
    if (name === ID)
        return messageId.read(bytes, i, lineEnd);
    found.usageIsObject = bytes[i] === 0x7b;
    counts.fill(0);
    countSet.fill(0);
    fast = false;
    found.splitIsObject = false;
    write1h = null;
    return found.usageIsObject ? walkObject(bytes, i, lineEnd, USAGE_KEYS, onUsage) : skipValue(bytes, i, lineEnd);
}

function onTop(name: number, i: number): number {
    switch (name) {
    case MESSAGE:
        found.messageIsObject = bytes[i] === 0x7b;
        found.usageIsObject = false;
        model.clear();
        messageId.clear();
        return found.messageIsObject ? walkObject(bytes, i, lineEnd, MESSAGE_KEYS, onMessage) : skipValue(bytes, i, lineEnd);
    case TIMESTAMP:
        return timestamp.read(bytes, i, lineEnd);
    case REQUEST_ID:
        return requestId.read(bytes, i, lineEnd);
    case IS_SIDECHAIN: {
        const end = skipValue(bytes, i, lineEnd);
        found.sidechain = isLiteral(i, end, TRUE);
        return end;
    }
    default: {
        const n = numberAt(i);
        found.costUSD = n.value;
        return n.end;
    }
    }
}

/** The time of the timestamp string, as Date.parse reads it; fast for Claude Code's `…T…:…:….mmmZ`. */
function timeOf(t: StringRange): number | null {
    if (t.start < 0)
        return null;
    const fast = readIsoTime(bytes, t.start, t.end);
    if (!Number.isNaN(fast))
        return fast;
    const ms = Date.parse(decodeString(bytes, t.start, t.end, t.escaped) ?? '');
    return Number.isNaN(ms) ? null : ms;
}

const models = new Map<string, string>();
/** One string per model name, shared by every entry. */
const intern = (name: string): string => {
    const known = models.get(name);
    if (known !== undefined)
        return known;
    models.set(name, name);
    return name;
};
const modelNames = new LastString();
let lastModel = '';

/** The model name; the previous line's string again when the bytes are the same (nearly always). */
function modelName(): string {
    if (!model.nonEmpty)
        return 'unknown';
    const name = modelNames.decode(bytes, model.start, model.end, model.escaped) ?? 'unknown'; // read() checked it
    if (name !== lastModel)
        lastModel = intern(name);
    return lastModel;
}

let keyScratch = new Uint8Array(256);

function keyBytes(): Uint8Array | null {
    if (!messageId.nonEmpty)
        return null;
    const id = messageId.bytes(bytes);
    const request = requestId.nonEmpty ? requestId.bytes(bytes) : null;
    const length = id.length + (request ? request.length + 1 : 0);
    if (keyScratch.length < length)
        keyScratch = new Uint8Array(length * 2);
    keyScratch.set(id);
    if (request) {
        keyScratch[id.length] = 0;
        keyScratch.set(request, id.length + 1);
    }
    return keyScratch.subarray(0, length);
}

/**
 * Reads the line starting at `start`, walking at most to `limit`, and returns where it ends:
 * its newline, or `limit`. Its billable entry goes into `out`, and `lineBillable` says whether
 * it had one (`message.usage` with input and output counts, a parseable timestamp, and nothing
 * but the JSON object on the line). The walk finds the line's end itself: the bytes of a line
 * are read once, with no separate search for its newline.
 */
function readLine(b: Uint8Array, start: number, limit: number, out: ClaudeLine): number {
    bytes = b;
    lineEnd = limit;
    lineBillable = false;
    resetFound();
    timestamp.clear();
    requestId.clear();
    const after = walkObject(b, skipSpace(b, start, limit), limit, TOP_KEYS, onTop);
    if (after < 0)
        return findNewline(b, start, limit);
    const stop = skipSpace(b, after, limit);
    if (stop < limit && b[stop] !== 0x0a)
        return findNewline(b, stop, limit); // more than one JSON value: not JSON
    if (!found.messageIsObject || !found.usageIsObject || countSet[INPUT] !== 1 || countSet[OUTPUT] !== 1)
        return stop;
    const time = timeOf(timestamp);
    if (time === null)
        return stop;
    const positive = (n: number): number => n > 0 ? n : 0;
    const write = positive(counts[CACHE_WRITE] ?? 0);
    // Without the TTL split every cache write is priced as a 5-minute write.
    const oneHour = found.splitIsObject ? Math.min(write, positive(write1h ?? 0)) : 0;
    out.key = keyBytes();
    out.time = time;
    out.model = modelName();
    out.input = positive(counts[INPUT] ?? 0);
    out.output = positive(counts[OUTPUT] ?? 0);
    out.cacheWrite5m = write - oneHour;
    out.cacheWrite1h = oneHour;
    out.cacheRead = positive(counts[CACHE_READ] ?? 0);
    out.fast = fast;
    out.costUSD = found.costUSD !== null && found.costUSD >= 0 ? found.costUSD : null;
    out.sidechain = found.sidechain;
    lineBillable = true;
    return stop;
}

/**
 * Reads the billable entry of the line `[start, end)` into `out`; false when the line has none
 * (no `message.usage` with input and output counts, no parseable timestamp) or is malformed.
 */
export function readClaudeLine(b: Uint8Array, start: number, end: number, out: ClaudeLine): boolean {
    return readLine(b, start, end, out) === end && lineBillable;
}

/**
 * Calls `onLine` for every billable line of `[from, end)` (the record is reused); returns
 * where the next read starts. A last line without its newline counts as read when it is a
 * billable entry; otherwise it is left for the next read (the writer may be in the middle of it).
 */
export function scanClaudeLines(b: Uint8Array, from: number, end: number, onLine: (line: ClaudeLine) => void): number {
    const line = newClaudeLine();
    for (let start = from; start < end;) {
        const stop = readLine(b, start, end, line);
        if (stop >= end && !lineBillable)
            return start;
        if (lineBillable)
            onLine(line);
        start = stop + 1;
    }
    return end;
}

/** All tokens of a response, the measure of which streamed copy is the final one. */
export const claudeSize = (t: {input: number; output: number; cacheWrite5m: number; cacheWrite1h: number; cacheRead: number}): number =>
    t.input + t.output + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;
