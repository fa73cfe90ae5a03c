// Deterministic synthetic Claude Code log corpus for the benchmark, with the exact totals it
// contains. Realistic on purpose: compact JSON in Claude Code's key order, one line per content
// block with partial output counts first (streaming), large tool results with non-ASCII text,
// thinking signatures, subagent transcripts (sidechains), resumed sessions that copy earlier
// lines, progress lines nesting subagent responses, responses without requestId, old lines with
// costUSD, a few malformed lines and truncated last lines.
//
// The expected cost is computed here, independently of src/core/pricing, from the public
// per-million prices below; the benchmark checks that our scanner reaches the same numbers.
import {createWriteStream, mkdirSync, rmSync} from 'node:fs';
import {join} from 'node:path';

/** $ per million tokens: input, output, 5m cache write, cache read; `above` = beyond 200k per kind. */
const PRICES = {
    'claude-opus-4-6': {input: 5, output: 25, write: 6.25, read: 0.5, fast: 6},
    'claude-sonnet-4-5-20250929': {input: 3, output: 15, write: 3.75, read: 0.3,
        above: {input: 6, output: 22.5, write: 7.5, read: 0.6}},
    'claude-haiku-4-5-20251001': {input: 1, output: 5, write: 1.25, read: 0.1},
    'claude-sonnet-4-20250514': {input: 3, output: 15, write: 3.75, read: 0.3,
        above: {input: 6, output: 22.5, write: 7.5, read: 0.6}},
};
const MODELS = [['claude-opus-4-6', 0.6], ['claude-sonnet-4-5-20250929', 0.25],
    ['claude-haiku-4-5-20251001', 0.1], ['claude-sonnet-4-20250514', 0.05]];
const T = 200_000;

function tiered(count, base, above) {
    return (above !== undefined && count > T ? T * base + (count - T) * above : count * base) / 1e6;
}

/** The cost of one response by the documented rules (per-kind 200k tier, 1h writes at 2× input). */
export function responseCost(model, u) {
    if (u.costUSD !== undefined)
        return u.costUSD;
    const p = PRICES[model];
    const a = p.above;
    const cost = tiered(u.input, p.input, a?.input) + tiered(u.output, p.output, a?.output) +
        tiered(u.write5m, p.write, a?.write) + tiered(u.write1h, 2 * p.input, a ? 2 * a.input : undefined) +
        tiered(u.read, p.read, a?.read);
    return u.fast ? cost * p.fast : cost;
}

/** Mulberry32: small, fast and the same on every machine. */
function random(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const WORDS = ('the function returns a value when state changes update render test build error file path ' +
    'config server request token cache module import export async await promise handler ' +
    'événement données résumé naïve → ✓ — “quoted”').split(' ');

export class CorpusWriter {
    constructor(seed) {
        this.rand = random(seed);
        this.counter = 0;
        this.totals = {input: 0, output: 0, cacheWrite: 0, cacheRead: 0, cost: 0, responses: 0};
        this.byModel = {};
    }

    int(min, max) {
        return min + Math.floor(this.rand() * (max - min + 1));
    }

    pick(weighted) {
        let r = this.rand();
        for (const [value, weight] of weighted) {
            r -= weight;
            if (r < 0)
                return value;
        }
        return weighted[weighted.length - 1][0];
    }

    text(bytes) {
        const parts = [];
        let length = 0;
        while (length < bytes) {
            const word = WORDS[this.int(0, WORDS.length - 1)];
            parts.push(word);
            length += word.length + 1;
        }
        return parts.join(' ');
    }

    base64(bytes) {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        let out = '';
        for (let i = 0; i < bytes; i++)
            out += alphabet[this.int(0, 63)];
        return out;
    }

    id(prefix) {
        this.counter++;
        return `${prefix}${this.counter.toString(36).padStart(10, '0')}${this.base64(12).replace(/[+/]/g, 'x')}`;
    }

    /** A new response: its usage (final counts) and the lines it is written as. */
    response(ctx, time) {
        const model = this.pick(MODELS);
        const longContext = model === 'claude-sonnet-4-20250514' || model === 'claude-sonnet-4-5-20250929' ? this.rand() < 0.2 : false;
        const write = this.rand() < 0.7 ? this.int(0, 8000) : 0;
        const oneHour = this.rand() < 0.5;
        const usage = {
            input: this.int(1, 30),
            output: this.int(20, 3000),
            read: longContext ? this.int(200_001, 400_000) : this.int(0, 150_000),
            write5m: oneHour ? 0 : write,
            write1h: oneHour ? write : 0,
            fast: model === 'claude-opus-4-6' && this.rand() < 0.01,
        };
        if (this.rand() < 0.005)
            usage.costUSD = Math.round(this.rand() * 1e6) / 1e6;
        const withRequestId = this.rand() >= 0.02;
        const blocks = this.pick([[1, 0.3], [2, 0.35], [3, 0.25], [4, 0.1]]);
        const messageId = this.id('msg_01');
        const requestId = withRequestId ? this.id('req_011C') : null;
        const lines = [];
        for (let b = 0; b < blocks; b++) {
            const last = b === blocks - 1;
            const output = last ? usage.output : this.int(1, 12);
            lines.push(this.assistantLine(ctx, time + b * 40, model, messageId, requestId, usage, output, last, b));
        }
        return {model, usage, messageId, requestId, lines, time};
    }

    count(model, usage) {
        const t = this.totals;
        t.input += usage.input;
        t.output += usage.output;
        t.cacheWrite += usage.write5m + usage.write1h;
        t.cacheRead += usage.read;
        const cost = responseCost(model, usage);
        t.cost += cost;
        t.responses++;
        const m = (this.byModel[model] ??= {input: 0, output: 0, cacheWrite: 0, cacheRead: 0, cost: 0});
        m.input += usage.input;
        m.output += usage.output;
        m.cacheWrite += usage.write5m + usage.write1h;
        m.cacheRead += usage.read;
        m.cost += cost;
    }

    assistantLine(ctx, time, model, messageId, requestId, usage, output, last, block) {
        let content;
        if (block === 0 && this.rand() < 0.5) {
            content = [{type: 'thinking', thinking: this.text(this.int(100, 1500)), signature: this.base64(this.int(300, 1400))}];
        } else if (this.rand() < 0.5) {
            content = [{type: 'text', text: this.text(this.int(50, 2500))}];
        } else {
            content = [{type: 'tool_use', id: this.id('toolu_01'), name: 'Bash',
                input: {command: `npm test -- ${this.text(40)}`, description: this.text(30)}}];
        }
        const u = {input_tokens: usage.input, cache_creation_input_tokens: usage.write5m + usage.write1h,
            cache_read_input_tokens: usage.read,
            cache_creation: {ephemeral_5m_input_tokens: usage.write5m, ephemeral_1h_input_tokens: usage.write1h},
            output_tokens: output, service_tier: 'standard'};
        if (usage.fast)
            u.speed = 'fast';
        const entry = {parentUuid: this.id('u'), isSidechain: ctx.sidechain, userType: 'external', cwd: ctx.cwd,
            sessionId: ctx.sessionId, version: '2.1.63', gitBranch: 'main'};
        if (ctx.agentId)
            entry.agentId = ctx.agentId;
        entry.message = {model, id: messageId, type: 'message', role: 'assistant', content,
            stop_reason: last ? 'end_turn' : null, stop_sequence: null, usage: u};
        if (requestId)
            entry.requestId = requestId;
        entry.type = 'assistant';
        entry.uuid = this.id('a');
        entry.timestamp = new Date(time).toISOString();
        if (usage.costUSD !== undefined && last)
            entry.costUSD = usage.costUSD;
        return JSON.stringify(entry);
    }

    userLine(ctx, time) {
        const big = this.rand() < 0.6;
        const body = big ? this.text(this.pick([[600, 0.3], [4000, 0.5], [20000, 0.15], [64000, 0.05]])) : this.text(this.int(20, 300));
        const entry = {parentUuid: this.id('u'), isSidechain: ctx.sidechain, userType: 'external', cwd: ctx.cwd,
            sessionId: ctx.sessionId, version: '2.1.63', gitBranch: 'main', type: 'user'};
        if (big) {
            const id = this.id('toolu_01');
            entry.message = {role: 'user', content: [{tool_use_id: id, type: 'tool_result', content: body}]};
            entry.toolUseResult = {stdout: body, stderr: '', interrupted: false};
            if (this.rand() < 0.05) // a Task result: a "usage":{ that is not a billable response
                entry.toolUseResult.usage = {input_tokens: 1000, output_tokens: 2000};
        } else {
            entry.message = {role: 'user', content: body};
        }
        entry.uuid = this.id('u');
        entry.timestamp = new Date(time).toISOString();
        return JSON.stringify(entry);
    }
}

/**
 * Writes about `targetBytes` of logs under `root/projects`. Returns the expected totals of
 * correctly de-duplicated responses (largest usage per message.id + requestId, or message.id).
 */
export async function writeCorpus(root, targetBytes, seed = 20261123) {
    rmSync(root, {recursive: true, force: true});
    const w = new CorpusWriter(seed);
    const projects = Array.from({length: 24}, (_, i) => `-home-alex-src-project-${i}`);
    const start = Date.UTC(2026, 8, 25);
    let written = 0;
    let files = 0;
    let previous = null;
    const write = (path, lines, tail = '') => new Promise((resolve, reject) => {
        const text = lines.join('\n') + '\n' + tail;
        written += Buffer.byteLength(text);
        files++;
        const stream = createWriteStream(path);
        stream.on('error', reject);
        stream.end(text, resolve);
    });
    let session = 0;
    while (written < targetBytes) {
        session++;
        const project = projects[w.int(0, projects.length - 1)];
        const dir = join(root, 'projects', project);
        mkdirSync(dir, {recursive: true});
        const sessionId = `${session.toString(16).padStart(8, '0')}-5c1d-4e2a-9b7f-${w.base64(12).replace(/[+/]/g, 'a')}`;
        const ctx = {cwd: `/home/alex/src/${project.slice(-9)}`, sessionId, sidechain: false};
        let time = start + w.int(0, 58 * 24) * 3600_000 + w.int(0, 3599_000);
        const lines = [];
        // A resumed session starts with a copy of earlier lines (same ids): counted once.
        if (previous !== null && w.rand() < 0.1)
            lines.push(...previous.slice(0, w.int(2, Math.min(40, previous.length))));
        const turns = w.int(8, 40);
        const subagent = w.rand() < 0.2 ? {lines: [], ctx: {...ctx, sidechain: true, agentId: w.id('')}} : null;
        for (let turn = 0; turn < turns; turn++) {
            lines.push(w.userLine(ctx, time));
            time += w.int(2000, 120_000);
            const response = w.response(ctx, time);
            w.count(response.model, response.usage);
            lines.push(...response.lines);
            time += 5000;
            if (subagent && w.rand() < 0.3) {
                const sub = w.response(subagent.ctx, time);
                w.count(sub.model, sub.usage);
                subagent.lines.push(...sub.lines);
                // The parent file nests a copy of the subagent's final line in a progress line.
                lines.push(`{"type":"progress","sessionId":"${sessionId}","data":{"message":${sub.lines[sub.lines.length - 1]}},"timestamp":"${new Date(time).toISOString()}"}`);
            }
            if (w.rand() < 0.002)
                lines.push('{"type":"assistant","message":{"model":"claude-opus-4-6","usage":{"input_tokens":5,'); // damaged
        }
        const tail = w.rand() < 0.03 ? '{"parentUuid":"x","type":"assistant","message":{"usage":{"input_tokens":9' : '';
        await write(join(dir, `${sessionId}.jsonl`), lines, tail);
        if (subagent && subagent.lines.length > 0) {
            mkdirSync(join(dir, sessionId, 'subagents'), {recursive: true});
            await write(join(dir, sessionId, 'subagents', `agent-${subagent.ctx.agentId}.jsonl`), subagent.lines);
        }
        previous = lines;
    }
    return {bytes: written, files, totals: w.totals, byModel: w.byModel};
}

/** Lines for one more session of `bytes`, appended to an existing file by the refresh benchmark. */
export function appendix(bytes, seed, count) {
    const w = new CorpusWriter(seed);
    const ctx = {cwd: '/home/alex/src/appended', sessionId: 'appended-session', sidechain: false};
    const lines = [];
    let size = 0;
    let time = Date.UTC(2026, 10, 22, 9);
    while (size < bytes) {
        for (const line of [w.userLine(ctx, time), ...(() => {
            const r = w.response(ctx, time + 3000);
            w.count(r.model, r.usage);
            return r.lines;
        })()]) {
            lines.push(line);
            size += Buffer.byteLength(line) + 1;
        }
        time += 60_000;
    }
    count(w.totals);
    return lines.join('\n') + '\n';
}

/** $ per million tokens, as the price table and ccusage have them: uncached input, cached input, output. */
const CODEX_PRICES = {
    'gpt-5-codex': {input: 1.25, cached: 0.125, output: 10},
    'gpt-5': {input: 1.25, cached: 0.125, output: 10},
    'gpt-5.1-codex-mini': {input: 0.25, cached: 0.025, output: 2},
};
const CODEX_MODELS = [['gpt-5-codex', 0.6], ['gpt-5', 0.2], ['gpt-5.1-codex-mini', 0.2]];

const pad2 = n => String(n).padStart(2, '0');

/**
 * Writes about `targetBytes` of Codex CLI session logs under `home/sessions` (and a few under
 * `archived_sessions`), as Codex writes them: a session_meta line carrying the whole system
 * prompt, turn contexts, response items (reasoning with encrypted content, tool calls and
 * their output), and token_count events with cumulative and per-call usage. Codex re-emits
 * unchanged totals (about a third of the events) and a forked session replays its parent's
 * events; both count once. Returns the expected totals of the billable events.
 */
export async function writeCodexCorpus(home, targetBytes, seed = 20261201) {
    rmSync(home, {recursive: true, force: true});
    const w = new CorpusWriter(seed);
    const totals = {input: 0, output: 0, cacheRead: 0, cost: 0, events: 0};
    const start = Date.UTC(2026, 8, 25);
    let written = 0;
    let files = 0;
    let parent = null;
    const stamp = time => new Date(time).toISOString();
    const usage = u => ({input_tokens: u.input, cached_input_tokens: u.cached, output_tokens: u.output,
        reasoning_output_tokens: u.reasoning, total_tokens: u.input + u.output});
    const rateLimits = () => ({primary: {used_percent: w.int(0, 99), window_minutes: 300, resets_in_seconds: w.int(1, 18000)},
        secondary: {used_percent: w.int(0, 99), window_minutes: 10080, resets_in_seconds: w.int(1, 604800)}});
    for (let session = 0; written < targetBytes; session++) {
        let time = start + w.int(0, 58 * 24) * 3600_000 + w.int(0, 3599_000);
        const d = new Date(time);
        const archived = w.rand() < 0.05;
        const dir = join(home, archived ? 'archived_sessions' : 'sessions', String(d.getUTCFullYear()), pad2(d.getUTCMonth() + 1), pad2(d.getUTCDate()));
        mkdirSync(dir, {recursive: true});
        const id = `0199${w.base64(4).replace(/[+/]/g, 'a')}-${session.toString(16).padStart(4, '0')}-7000-8000-${w.base64(12).replace(/[+/]/g, 'b')}`;
        const name = `rollout-${d.toISOString().slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`;
        const cwd = `/home/alex/src/service-${w.int(0, 11)}`;
        const lines = [JSON.stringify({timestamp: stamp(time), type: 'session_meta', payload: {id, timestamp: stamp(time), cwd,
            originator: 'codex_cli_rs', cli_version: '0.46.0', instructions: null,
            base_instructions: {text: w.text(w.int(10_000, 30_000))}, git: {commit_hash: w.base64(40), branch: 'main'}}})];
        const sum = {input: 0, cached: 0, output: 0, reasoning: 0};
        // A fork starts with a copy of its parent's lines (same times, same events): counted once.
        const sumAt = [];
        if (parent && w.rand() < 0.06) {
            const copied = w.int(2, parent.lines.length);
            for (let i = 1; i < copied; i++) {
                lines.push(parent.lines[i]);
                sumAt[i] = parent.sumAt[i];
            }
            Object.assign(sum, parent.sumAt[copied - 1] ?? sum);
            time = parent.endTime + 1000;
        }
        let model = w.pick(CODEX_MODELS);
        const record = line => {
            lines.push(line);
            sumAt[lines.length - 1] = {...sum};
        };
        record(JSON.stringify({timestamp: stamp(time), type: 'event_msg', payload: {type: 'token_count', info: null, rate_limits: rateLimits()}}));
        const turns = w.int(5, 30);
        for (let turn = 0; turn < turns; turn++) {
            if (turn === 0 || w.rand() < 0.1)
                model = w.pick(CODEX_MODELS);
            time += w.int(2000, 60_000);
            record(JSON.stringify({timestamp: stamp(time), type: 'turn_context', payload: {cwd, approval_policy: 'on-request',
                sandbox_policy: {mode: 'workspace-write', network_access: false}, model, effort: 'medium', summary: 'auto'}}));
            record(JSON.stringify({timestamp: stamp(time), type: 'response_item', payload: {type: 'message', role: 'user',
                content: [{type: 'input_text', text: w.text(w.int(50, 1500))}]}}));
            for (let call = w.int(1, 4); call > 0; call--) {
                time += w.int(500, 20_000);
                record(JSON.stringify({timestamp: stamp(time), type: 'response_item', payload: {type: 'reasoning',
                    summary: [{type: 'summary_text', text: w.text(w.int(50, 400))}], content: null,
                    encrypted_content: `gAAAAA${w.base64(w.int(800, 5000))}`}}));
                const callId = w.id('call_');
                record(JSON.stringify({timestamp: stamp(time), type: 'response_item', payload: {type: 'function_call', name: 'shell',
                    arguments: JSON.stringify({command: ['bash', '-lc', `npm test -- ${w.text(30)}`], timeout_ms: 120000}), call_id: callId}}));
                record(JSON.stringify({timestamp: stamp(time + 700), type: 'response_item', payload: {type: 'function_call_output',
                    call_id: callId, output: JSON.stringify({output: w.text(w.pick([[300, 0.4], [3000, 0.4], [15000, 0.2]])),
                        metadata: {exit_code: 0, duration_seconds: 0.7}})}}));
                // One model call: its usage, then the cumulative totals.
                const input = w.int(3000, 120_000);
                const call_ = {input, cached: Math.floor(input * (0.5 + 0.45 * w.rand())), output: w.int(20, 3000), reasoning: 0};
                call_.reasoning = Math.floor(call_.output * w.rand() * 0.8);
                for (const k of Object.keys(sum))
                    sum[k] += call_[k];
                time += w.int(100, 5000);
                const event = {timestamp: stamp(time), type: 'event_msg', payload: {type: 'token_count',
                    info: {total_token_usage: usage(sum), last_token_usage: usage(call_), model_context_window: 272000},
                    rate_limits: rateLimits()}};
                record(JSON.stringify(event));
                const p = CODEX_PRICES[model];
                totals.input += call_.input - call_.cached;
                totals.cacheRead += call_.cached;
                totals.output += call_.output;
                totals.cost += ((call_.input - call_.cached) * p.input + call_.cached * p.cached + call_.output * p.output) / 1e6;
                totals.events++;
                // Re-emits: the same totals again a moment later (a rate-limit refresh).
                while (w.rand() < 0.35) {
                    time += w.int(5, 3000);
                    record(JSON.stringify({...event, timestamp: stamp(time), payload: {...event.payload, rate_limits: rateLimits()}}));
                }
            }
            record(JSON.stringify({timestamp: stamp(time), type: 'event_msg', payload: {type: 'agent_message', message: w.text(w.int(30, 800))}}));
        }
        const text = lines.join('\n') + '\n';
        written += Buffer.byteLength(text);
        files++;
        await new Promise((resolve, reject) => {
            const stream = createWriteStream(join(dir, name));
            stream.on('error', reject);
            stream.end(text, resolve);
        });
        parent = {lines, sumAt, endTime: time};
    }
    return {bytes: written, files, totals};
}
