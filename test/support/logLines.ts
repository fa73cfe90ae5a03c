// Claude Code and Codex log lines for fixtures, in the compact key order the tools write, and the
// file helpers the log specs share.

import Gio from 'gi://Gio';

export interface AssistantOptions {
    id?: string;
    requestId?: string;
    model?: string;
    input?: number;
    output?: number;
    write5m?: number;
    write1h?: number;
    read?: number;
    time?: number;
    costUSD?: number;
    sidechain?: boolean;
    fast?: boolean;
    text?: string;
    sessionId?: string;
}

export function assistantLine(o: AssistantOptions): string {
    const write5m = o.write5m ?? 0;
    const write1h = o.write1h ?? 0;
    const usage: Record<string, unknown> = {input_tokens: o.input ?? 3, cache_creation_input_tokens: write5m + write1h,
        cache_read_input_tokens: o.read ?? 0,
        cache_creation: {ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h},
        output_tokens: o.output ?? 10, service_tier: 'standard'};
    if (o.fast)
        usage['speed'] = 'fast';
    const message: Record<string, unknown> = {model: o.model ?? 'claude-opus-4-6'};
    if (o.id !== undefined)
        message['id'] = o.id;
    Object.assign(message, {type: 'message', role: 'assistant',
        content: [{type: 'thinking', thinking: o.text ?? 'Let me think → about {it}.', signature: 'EqQBCkYIBx'},
            {type: 'tool_use', id: 'toolu_01', name: 'Bash', input: {command: 'echo "}]"'}}],
        stop_reason: 'end_turn', stop_sequence: null, usage});
    const line: Record<string, unknown> = {parentUuid: 'p', isSidechain: o.sidechain ?? false, userType: 'external',
        cwd: '/home/u/src/app', sessionId: o.sessionId ?? 's1', version: '2.1.63', gitBranch: 'main', message};
    if (o.requestId !== undefined)
        line['requestId'] = o.requestId;
    Object.assign(line, {type: 'assistant', uuid: 'a', timestamp: new Date(o.time ?? Date.UTC(2026, 10, 23, 10)).toISOString()});
    if (o.costUSD !== undefined)
        line['costUSD'] = o.costUSD;
    return JSON.stringify(line);
}

export function userLine(text: string, toolUseResult?: Record<string, unknown>, time = Date.UTC(2026, 10, 23, 10)): string {
    return JSON.stringify({parentUuid: 'p', isSidechain: false, userType: 'external', cwd: '/home/u/src/app', sessionId: 's1',
        type: 'user', message: {role: 'user', content: text}, ...toolUseResult ? {toolUseResult} : {},
        uuid: 'u', timestamp: new Date(time).toISOString()});
}

export function codexTurn(model: string, time = Date.UTC(2026, 10, 23, 10)): string {
    return JSON.stringify({timestamp: new Date(time).toISOString(), type: 'turn_context',
        payload: {cwd: '/home/u/src/app', model, effort: 'medium'}});
}

type Counts = [input: number, cached: number, output: number];
const usage = ([input, cached, output]: Counts): Record<string, number> =>
    ({input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output});

export function codexTokenCount(o: {total?: Counts; last?: Counts; time?: number}): string {
    const info: Record<string, unknown> = {model_context_window: 272000};
    if (o.total)
        info['total_token_usage'] = usage(o.total);
    if (o.last)
        info['last_token_usage'] = usage(o.last);
    return JSON.stringify({timestamp: new Date(o.time ?? Date.UTC(2026, 10, 23, 10, 5)).toISOString(), type: 'event_msg',
        payload: {type: 'token_count', info, rate_limits: {primary: {used_percent: 26.5, window_minutes: 300}}}});
}

/** Deletes a folder a spec made, with everything in it (the one helper every spec uses). */
export {removeTree} from './helpers.js';

/** Appends in place, as a logging program does (writeFile replaces the file: a new inode). */
export function appendFile(path: string, text: string): void {
    const stream = Gio.File.new_for_path(path).append_to(Gio.FileCreateFlags.NONE, null);
    stream.write_all(new TextEncoder().encode(text), null);
    stream.close(null);
}
