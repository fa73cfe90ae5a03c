// Claude Code transcripts: finding the billable lines and de-duplicating them.
//
// Claude Code writes one line per content block; all lines of one API response share
// `message.id` and `requestId`, and the early ones carry partial output counts. So entries are
// de-duplicated across all files on message.id + requestId (message.id alone when there is no
// requestId), keeping the non-sidechain copy, then the largest usage.

import {isObject, optionalNumber, optionalObject, optionalString, parseIsoTime} from '../json.js';
import type {ClaudeTokens} from '../pricing.js';
import {encode, parseLineWithout, scanMarkedLines} from './jsonLines.js';

export interface ClaudeEntry {
    /** De-duplication key; null when the line has no message.id (never de-duplicated). */
    key: string | null;
    time: number;
    model: string;
    tokens: ClaudeTokens;
    /** `costUSD` written by old Claude Code versions; used instead of our price when present. */
    costUSD: number | null;
    sidechain: boolean;
}

/** Only lines containing this can be billable (compact JSON, as Claude Code writes it). */
const CLAUDE_MARKERS = [encode('"usage":{')];
const CONTENT_KEY = encode('"content":');

const count = (usage: Record<string, unknown>, key: string): number => {
    const n = optionalNumber(usage, key);
    return n !== null && n > 0 ? n : 0;
};

/** Turns a `message.usage` object into token counts; null when the required counts are missing. */
function claudeTokens(usage: unknown): ClaudeTokens | null {
    if (!isObject(usage) || optionalNumber(usage, 'input_tokens') === null || optionalNumber(usage, 'output_tokens') === null)
        return null;
    const write = count(usage, 'cache_creation_input_tokens');
    const split = optionalObject(usage, 'cache_creation');
    // Without the TTL split every cache write is priced as a 5-minute write.
    const write1h = split ? Math.min(write, count(split, 'ephemeral_1h_input_tokens')) : 0;
    return {
        input: count(usage, 'input_tokens'),
        output: count(usage, 'output_tokens'),
        cacheWrite5m: write - write1h,
        cacheWrite1h: write1h,
        cacheRead: count(usage, 'cache_read_input_tokens'),
        fast: optionalString(usage, 'speed') === 'fast',
    };
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

/**
 * Reads the billable entry of the line `[start, end)`; null when the line has none or is
 * malformed. The message's content, nearly all of the line, is skipped without being decoded.
 */
export function parseClaudeLine(b: Uint8Array, start: number, end: number): ClaudeEntry | null {
    const line = parseLineWithout(b, start, end, CONTENT_KEY);
    const message = isObject(line) ? optionalObject(line, 'message') : null;
    if (!isObject(line) || !message)
        return null;
    const tokens = claudeTokens(message['usage']);
    const time = parseIsoTime(line['timestamp']);
    if (!tokens || time === null)
        return null;
    const messageId = optionalString(message, 'id');
    const requestId = optionalString(line, 'requestId');
    const cost = optionalNumber(line, 'costUSD');
    return {
        key: messageId === null ? null : requestId === null ? messageId : `${messageId}\u0000${requestId}`,
        time,
        model: intern(optionalString(message, 'model') ?? 'unknown'),
        tokens,
        costUSD: cost !== null && cost >= 0 ? cost : null,
        sidechain: line['isSidechain'] === true,
    };
}

/**
 * Calls `onEntry` for every billable line of `[from, end)`; returns where the next read starts
 * (see scanMarkedLines).
 */
export const scanClaudeLines = (b: Uint8Array, from: number, end: number, onEntry: (entry: ClaudeEntry) => void): number =>
    scanMarkedLines(b, from, end, CLAUDE_MARKERS, (start, stop) => {
        const entry = parseClaudeLine(b, start, stop);
        if (entry)
            onEntry(entry);
        return entry !== null;
    });

/** All tokens of a response, the measure of which streamed copy is the final one. */
export const claudeSize = (t: ClaudeTokens): number => t.input + t.output + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;

/** True when `candidate` should replace `kept` as the copy of one response that counts. */
export function preferEntry(candidate: {sidechain: boolean; size: number}, kept: {sidechain: boolean; size: number}): boolean {
    if (candidate.sidechain !== kept.sidechain)
        return !candidate.sidechain;
    return candidate.size > kept.size;
}
