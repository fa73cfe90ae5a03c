// Codex CLI session logs (`rollout-*.jsonl`): billable `token_count` events.
//
// Codex re-emits `token_count` with unchanged cumulative totals (rate-limit refreshes), and a
// forked session replays its parent's events: an event counts only when the totals changed,
// and identical events (time, model, counts) from different files count once (the caller keeps
// the set). `input_tokens` includes the cached input; `output_tokens` includes reasoning.

import {
    decodeString, encode, readIsoTime, readNumber, scanLines, skipSpace, skipString, skipValue, stringEscaped, walkObject,
} from './byteJson.js';
import {isObject, optionalNumber, optionalObject, optionalString, parseIsoTime, saneNumber, type JsonObject} from '../json.js';

export interface CodexCounts {
    input: number;
    cached: number;
    output: number;
    reasoning: number;
    total: number;
}

export interface CodexEvent {
    /** Identity of the event across files (forks and archived copies replay the same events). */
    key: string;
    time: number;
    model: string;
    counts: CodexCounts;
}

/** What a file's earlier lines tell about its later ones. */
export interface CodexFileState {
    model: string | null;
    totals: CodexCounts | null;
    cwd: string | null;
}

/** Codex's default model, assumed when a session names none (as ccusage does). */
const CODEX_FALLBACK_MODEL = 'gpt-5';

export const newCodexFileState = (): CodexFileState => ({model: null, totals: null, cwd: null});

/** The counts from the five numbers of COUNT_NAMES (null where absent or not a number), as Codex means them. */
function countsFrom(n: (name: number) => number | null): CodexCounts {
    const count = (name: number): number => Math.max(0, n(name) ?? 0);
    const input = count(0);
    const output = count(2);
    return {input, cached: Math.min(count(1), input), output, reasoning: count(3), total: count(4) || input + output};
}

const counts = (value: unknown): CodexCounts | null =>
    isObject(value) ? countsFrom(name => optionalNumber(value, COUNT_NAMES[name] ?? '')) : null;

const same = (a: CodexCounts, b: CodexCounts): boolean =>
    a.input === b.input && a.cached === b.cached && a.output === b.output && a.reasoning === b.reasoning && a.total === b.total;

const difference = (a: CodexCounts, b: CodexCounts | null): CodexCounts => b === null ? a : {
    input: Math.max(0, a.input - b.input), cached: Math.max(0, a.cached - b.cached),
    output: Math.max(0, a.output - b.output), reasoning: Math.max(0, a.reasoning - b.reasoning),
    total: Math.max(0, a.total - b.total),
};

function eventModel(payload: JsonObject, info: JsonObject): string | null {
    return optionalString(payload, 'model') ?? optionalString(info, 'model') ??
        optionalString(optionalObject(info, 'metadata') ?? {}, 'model');
}

/** Applies one parsed line to the file's state; returns the billable event it carries, if any. */
export function readCodexLine(line: unknown, state: CodexFileState): CodexEvent | null {
    if (!isObject(line))
        return null;
    const payload = optionalObject(line, 'payload');
    if (!payload)
        return null;
    const type = optionalString(line, 'type');
    if (type === 'session_meta') {
        state.cwd = optionalString(payload, 'cwd') ?? state.cwd;
        return null;
    }
    if (type === 'turn_context') {
        state.model = optionalString(payload, 'model') ?? state.model;
        state.cwd = optionalString(payload, 'cwd') ?? state.cwd;
        return null;
    }
    if (type !== 'event_msg' || optionalString(payload, 'type') !== 'token_count')
        return null;
    const info = optionalObject(payload, 'info');
    if (!info)
        return null;
    return tokenCountEvent({time: parseIsoTime(line['timestamp']), model: eventModel(payload, info),
        total: counts(info['total_token_usage']), last: counts(info['last_token_usage'])}, state);
}

/** What a token_count line says, whether it was parsed (readCodexLine) or read from its bytes (readTokenCount). */
interface TokenCount {
    time: number | null;
    /** payload.model, else info.model, else info.metadata.model. */
    model: string | null;
    total: CodexCounts | null;
    last: CodexCounts | null;
}

function tokenCountEvent({time, model: named, total, last}: TokenCount, state: CodexFileState): CodexEvent | null {
    if (time === null)
        return null;
    let used: CodexCounts | null;
    if (total) {
        if (state.totals && same(total, state.totals))
            return null; // a re-emit: nothing new was used
        used = last ?? difference(total, state.totals);
        state.totals = total;
    } else {
        used = last;
    }
    if (!used || used.input + used.cached + used.output + used.reasoning === 0)
        return null;
    const model = named ?? state.model ?? CODEX_FALLBACK_MODEL;
    const c = used;
    return {key: `${time}|${model}|${c.input}|${c.cached}|${c.output}|${c.reasoning}|${c.total}`, time, model, counts: c};
}

const decoder = new TextDecoder();
const TYPE = 0; // then payload
const TOP_KEYS = ['type', 'payload'].map(encode);
const PAYLOAD_KEYS = ['type', 'cwd'].map(encode);
/** The line types that matter, as raw JSON strings. */
const SESSION_META = encode('"session_meta"');
const TURN_CONTEXT = encode('"turn_context"');
const EVENT_MSG = encode('"event_msg"');
const TOKEN_COUNT = encode('"token_count"');

const sameBytes = (b: Uint8Array, start: number, end: number, literal: Uint8Array): boolean =>
    end - start === literal.length && literal.every((c, k) => b[start + k] === c);

const OTHER = {kind: 'other', cwd: null} as const;
const PARSE = {kind: 'parse', cwd: null} as const;
const COUNT = {kind: 'count', cwd: null} as const;
const LINE_START = encode('{"timestamp":"');
const RESPONSE_ITEM = encode('","type":"response_item"');
const TURN_CONTEXT_LINE = encode('","type":"turn_context"');
const TOKEN_COUNT_LINE = encode('","type":"event_msg","payload":{"type":"token_count"');

/** True when `literal` is at `at` in `[.., end)`. */
function bytesAt(b: Uint8Array, at: number, end: number, literal: Uint8Array): boolean {
    if (at + literal.length > end)
        return false;
    for (let k = 0; k < literal.length; k++) {
        if (b[at + k] !== literal[k])
            return false;
    }
    return true;
}

/**
 * The kind of a line as Codex writes it, `{"timestamp":"…","type":"…"`, told from its first
 * bytes; null for any other shape (then the line is walked). Response items are nearly all the
 * bytes and lines of a session (messages, reasoning, tool calls and their output) and never
 * billable: the walk would dismiss them at the same first `type`. Token counts go straight to
 * readTokenCount, turn contexts to JSON.parse, which reads the whole line anyway.
 */
function kindFromPrefix(b: Uint8Array, start: number, end: number): typeof OTHER | typeof PARSE | typeof COUNT | null {
    const time = start + LINE_START.length;
    const after = time + 24; // 2026-11-13T23:50:41.760Z
    if (!bytesAt(b, start, end, LINE_START) || after > end)
        return null;
    for (let k = time; k < after; k++) {
        const c = b[k] ?? 0;
        if (c === 0x22 || c === 0x5c || c < 0x20)
            return null; // not a plain 24-character time
    }
    if (bytesAt(b, after, end, RESPONSE_ITEM))
        return OTHER;
    if (bytesAt(b, after, end, TOKEN_COUNT_LINE))
        return COUNT;
    return bytesAt(b, after, end, TURN_CONTEXT_LINE) ? PARSE : null;
}

/**
 * Which kind of line `[start, end)` is, from its top-level `type` and `payload.type`, without
 * reading the rest: Codex writes `type` before `payload`, so a response item (nearly all the
 * bytes) is dismissed after a few dozen bytes. The session_meta payload's `cwd` is read here:
 * that payload carries the whole system prompt (10–30 KB), which is never decoded.
 */
function classify(b: Uint8Array, start: number, end: number):
    {kind: 'other' | 'meta' | 'parse' | 'count' | 'malformed'; cwd: string | null} {
    const known = kindFromPrefix(b, start, end);
    if (known)
        return known;
    // Set from the walkers' callbacks.
    const seen = {type: new Uint8Array(0) as Uint8Array, payloadType: null as [number, number] | null, cwd: null as string | null, dismissed: false};
    const onPayload = (name: number, i: number): number => {
        const valueEnd = skipValue(b, i, end);
        if (name === TYPE)
            seen.payloadType = [i, valueEnd];
        else if (b[i] === 0x22 && valueEnd > i) {
            const cwd = decodeString(b, i, valueEnd, stringEscaped);
            if (cwd === null)
                return -1; // not JSON's escapes: the line is malformed
            seen.cwd = cwd || null;
        }
        return valueEnd;
    };
    const onTop = (name: number, i: number): number => {
        if (name === TYPE) {
            const valueEnd = skipValue(b, i, end);
            const type = b.subarray(i, valueEnd < 0 ? i : valueEnd);
            seen.type = type;
            seen.dismissed = !sameBytes(type, 0, type.length, SESSION_META) && !sameBytes(type, 0, type.length, TURN_CONTEXT) &&
                !sameBytes(type, 0, type.length, EVENT_MSG);
            return seen.dismissed ? -1 : valueEnd;
        }
        return b[i] === 0x7b ? walkObject(b, i, end, PAYLOAD_KEYS, onPayload) : skipValue(b, i, end);
    };
    const after = walkObject(b, skipSpace(b, start, end), end, TOP_KEYS, onTop);
    if (seen.dismissed)
        return {kind: 'other', cwd: null};
    if (after < 0 || skipSpace(b, after, end) !== end)
        return {kind: 'malformed', cwd: null};
    const t = seen.type;
    if (sameBytes(t, 0, t.length, SESSION_META))
        return {kind: 'meta', cwd: seen.cwd};
    const p = seen.payloadType;
    const isTokenCount = p !== null && sameBytes(b, p[0], p[1], TOKEN_COUNT);
    return {kind: sameBytes(t, 0, t.length, TURN_CONTEXT) || isTokenCount ? 'parse' : 'other', cwd: null};
}

const LINE_KEYS = ['timestamp', 'type', 'payload'].map(encode);
const TOKEN_PAYLOAD_KEYS = ['type', 'info', 'model'].map(encode);
const INFO_KEYS = ['total_token_usage', 'last_token_usage', 'model', 'metadata'].map(encode);
const METADATA_KEYS = ['model'].map(encode);
const COUNT_NAMES = ['input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_output_tokens', 'total_tokens'];
const COUNT_KEYS = COUNT_NAMES.map(encode);

/**
 * One token_count line's walk (readTokenCount): the values its keys held, the last of each
 * as for JSON.parse. `[start, end)` ranges, -1 when absent.
 */
type Range = [start: number, end: number];
const absent = (): Range => [-1, -1];
const seen = {
    b: new Uint8Array(0) as Uint8Array, end: 0,
    timestamp: absent(), type: absent(), payloadType: absent(), payloadIsObject: false, infoIsObject: false,
    payloadModel: absent(), infoModel: absent(), metadataModel: absent(),
    total: false, last: false,
};

/** Where the value at `i` ends, noted in `range` (its start and end); -1 for a string whose escapes are not JSON's. */
function note(range: Range, i: number): number {
    const end = skipValue(seen.b, i, seen.end);
    range[0] = i;
    range[1] = end;
    return end > 0 && seen.b[i] === 0x22 && stringEscaped && decodeString(seen.b, i, end, true) === null ? -1 : end;
}

/** The string value noted in `range`, or null when it is absent, not a string, or empty (as optionalString). */
function noted(range: Range): string | null {
    const [start, end] = range;
    if (start < 0 || seen.b[start] !== 0x22 || end - start <= 2)
        return null;
    skipString(seen.b, start, end); // sets stringEscaped for this string
    return decodeString(seen.b, start, end, stringEscaped); // never "": the string has 3 bytes or more
}

/** The five numbers of a counts object read on its bytes (NaN: absent or not a number), the last of each as for JSON.parse. */
const totalNumbers = new Float64Array(COUNT_NAMES.length);
const lastNumbers = new Float64Array(COUNT_NAMES.length);

/** Reads the counts object at `i` into `numbers`; returns the index after it and whether it was an object. */
function countsAt(i: number, numbers: Float64Array): {end: number; isObject: boolean} {
    const b = seen.b;
    numbers.fill(Number.NaN);
    if (b[i] !== 0x7b)
        return {end: skipValue(b, i, seen.end), isObject: false};
    const end = walkObject(b, i, seen.end, COUNT_KEYS, (name, at) => {
        const after = skipValue(b, at, seen.end);
        const c = b[at] ?? 0;
        numbers[name] = (c === 0x2d || (c >= 0x30 && c <= 0x39) ? readNumber(b, at, after) : null) ?? Number.NaN;
        return after;
    });
    return {end, isObject: true};
}

/** The counts of numbers read by countsAt, as counts() reads the parsed object. */
const countsOfNumbers = (numbers: Float64Array): CodexCounts =>
    countsFrom(name => saneNumber(numbers[name] ?? Number.NaN));

function onMetadata(_name: number, i: number): number {
    return note(seen.metadataModel, i);
}

function onInfo(name: number, i: number): number {
    if (name === 0 || name === 1) {
        const {end, isObject: read} = countsAt(i, name === 0 ? totalNumbers : lastNumbers);
        if (name === 0)
            seen.total = read;
        else
            seen.last = read;
        return end;
    }
    if (name === 2)
        return note(seen.infoModel, i);
    seen.metadataModel[0] = -1;
    return seen.b[i] === 0x7b ? walkObject(seen.b, i, seen.end, METADATA_KEYS, onMetadata) : skipValue(seen.b, i, seen.end);
}

function onTokenPayload(name: number, i: number): number {
    if (name === 0)
        return note(seen.payloadType, i);
    if (name === 2)
        return note(seen.payloadModel, i);
    seen.infoIsObject = seen.b[i] === 0x7b;
    seen.total = seen.last = false;
    seen.infoModel[0] = seen.metadataModel[0] = -1;
    return seen.infoIsObject ? walkObject(seen.b, i, seen.end, INFO_KEYS, onInfo) : skipValue(seen.b, i, seen.end);
}

/** A payload key again: JSON.parse keeps the last one, so nothing of an earlier one counts. */
function forgetPayload(): void {
    seen.payloadIsObject = seen.infoIsObject = false;
    seen.payloadType[0] = seen.payloadModel[0] = seen.infoModel[0] = seen.metadataModel[0] = -1;
    seen.total = seen.last = false;
}

function onLine(name: number, i: number): number {
    if (name === 0)
        return note(seen.timestamp, i);
    if (name === 1)
        return note(seen.type, i);
    forgetPayload();
    seen.payloadIsObject = seen.b[i] === 0x7b;
    return seen.payloadIsObject ? walkObject(seen.b, i, seen.end, TOKEN_PAYLOAD_KEYS, onTokenPayload) : skipValue(seen.b, i, seen.end);
}

/** The time of the string noted in `range`, read on its bytes when it has Codex's form; null as for parseIsoTime. */
function timeNoted(range: Range): number | null {
    if (range[0] < 0)
        return null;
    const fast = readIsoTime(seen.b, range[0], range[1]);
    if (!Number.isNaN(fast))
        return fast;
    const text = noted(range);
    return text === null ? null : parseIsoTime(text);
}

const isNoted = (range: Range, literal: Uint8Array): boolean => range[0] >= 0 && sameBytes(seen.b, range[0], range[1], literal);

/**
 * The token_count line `[start, end)` read from its bytes, without decoding it: what
 * readCodexLine reads from the parsed line (a spec holds the two to the same events).
 * Token counts are most of the lines that count; 'other' when the line is something else,
 * 'malformed' when its JSON is cut off or broken where it was walked.
 */
function readTokenCount(b: Uint8Array, start: number, end: number): TokenCount | 'other' | 'malformed' {
    seen.b = b;
    seen.end = end;
    seen.timestamp[0] = seen.type[0] = -1;
    forgetPayload();
    const after = walkObject(b, skipSpace(b, start, end), end, LINE_KEYS, onLine);
    if (after < 0 || skipSpace(b, after, end) !== end)
        return 'malformed';
    if (!isNoted(seen.type, EVENT_MSG) || !seen.payloadIsObject || !isNoted(seen.payloadType, TOKEN_COUNT) || !seen.infoIsObject)
        return 'other';
    return {time: timeNoted(seen.timestamp), model: noted(seen.payloadModel) ?? noted(seen.infoModel) ?? noted(seen.metadataModel),
        total: seen.total ? countsOfNumbers(totalNumbers) : null, last: seen.last ? countsOfNumbers(lastNumbers) : null};
}

/**
 * Calls `onEvent` for every billable event of `[from, end)`; returns where the next read starts
 * (see scanLines). Only turn contexts and token counts, small lines, are parsed as JSON.
 */
export const scanCodexLines = (b: Uint8Array, from: number, end: number, state: CodexFileState,
    onEvent: (event: CodexEvent) => void): number =>
    scanLines(b, from, end, (start, stop) => {
        const {kind, cwd} = classify(b, start, stop);
        if (kind === 'meta') {
            state.cwd = cwd ?? state.cwd;
            return true;
        }
        if (kind === 'count') {
            const read = readTokenCount(b, start, stop);
            if (read === 'malformed')
                return false;
            const event = read === 'other' ? null : tokenCountEvent(read, state);
            if (event)
                onEvent(event);
            return true;
        }
        if (kind !== 'parse')
            return kind === 'other' && stop < end; // an unfinished last line is read next time
        let line: unknown;
        try {
            line = JSON.parse(decoder.decode(b.subarray(start, stop)));
        } catch {
            return false;
        }
        const event = readCodexLine(line, state);
        if (event)
            onEvent(event);
        return true;
    });
