// Codex CLI session logs (`rollout-*.jsonl`): billable `token_count` events.
//
// Codex re-emits `token_count` with unchanged cumulative totals (rate-limit refreshes), and a
// forked session replays its parent's events: an event counts only when the totals changed,
// and identical events (time, model, counts) from different files count once (the caller keeps
// the set). `input_tokens` includes the cached input; `output_tokens` includes reasoning.

import {encode, parseLineWithout, scanMarkedLines} from './jsonLines.js';
import {isObject, optionalNumber, optionalObject, optionalString, parseIsoTime, type JsonObject} from '../json.js';

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

function counts(value: unknown): CodexCounts | null {
    if (!isObject(value))
        return null;
    const n = (key: string): number => Math.max(0, optionalNumber(value, key) ?? 0);
    const input = n('input_tokens');
    const output = n('output_tokens');
    return {input, cached: Math.min(n('cached_input_tokens'), input), output,
        reasoning: n('reasoning_output_tokens'), total: n('total_tokens') || input + output};
}

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
    const time = parseIsoTime(line['timestamp']);
    if (!info || time === null)
        return null;
    const total = counts(info['total_token_usage']);
    const last = counts(info['last_token_usage']);
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
    const model = eventModel(payload, info) ?? state.model ?? CODEX_FALLBACK_MODEL;
    const c = used;
    return {key: `${time}|${model}|${c.input}|${c.cached}|${c.output}|${c.reasoning}|${c.total}`, time, model, counts: c};
}

const CODEX_MARKERS = ['"token_count"', '"turn_context"', '"session_meta"'].map(encode);
// session_meta carries the whole system prompt (10–30 KB) that we never need.
const INSTRUCTIONS_KEY = encode('"base_instructions":');

/** Calls `onEvent` for every billable event of `[from, end)`; returns where the next read starts. */
export const scanCodexLines = (b: Uint8Array, from: number, end: number, state: CodexFileState,
    onEvent: (event: CodexEvent) => void): number =>
    scanMarkedLines(b, from, end, CODEX_MARKERS, (start, stop) => {
        const line = parseLineWithout(b, start, stop, INSTRUCTIONS_KEY);
        const event = readCodexLine(line, state);
        if (event)
            onEvent(event);
        return isObject(line);
    });
