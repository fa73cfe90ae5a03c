// Seeded mutations of every provider fixture (fields dropped, renamed or retyped; huge, negative
// and NaN-like numbers; deep nesting; invalid UTF-8; cut text) through every provider parser and
// the JSONL log readers, then through the publish guard and the text the views show. No exception
// but a ProviderError may escape, and no impossible value may reach a view. FUZZ_CASES sets the
// cases per parser (a few hundred by default; `FUZZ_CASES=10000 bash test/unit.sh
// build/test/specs/fuzz.spec.js` for the long run); a failure prints FUZZ_REPLAY=<seed> to rerun
// that one case.

import GLib from 'gi://GLib';
import System from 'system';

import {quotaSnapshot, type QuotaWindow, type UsageSnapshot} from '../../src/core/contract.js';
import {ProviderError} from '../../src/core/errors.js';
import {formatPace, formatResets, formatRunway, formatUpdated, panelText} from '../../src/core/format.js';
import {MAX_PERCENT, isObject, parseJson, type JsonObject} from '../../src/core/json.js';
import {newClaudeLine, readClaudeLine, scanClaudeLines} from '../../src/core/logs/claudeLog.js';
import {newCodexFileState, readCodexLine, scanCodexLines, type CodexEvent} from '../../src/core/logs/codexLog.js';
import {parseAnthropicCosts, parseAnthropicUsage, parseClaudeCodeAnalytics} from '../../src/core/providers/anthropicAdmin.js';
import {parseQuotaSummary, parseUserStatus} from '../../src/core/providers/antigravity.js';
import {parseClaudeCredentials, parseClaudeUsage} from '../../src/core/providers/claude.js';
import {compactStatusline, parseStatusline, statuslineWindow} from '../../src/core/providers/claudeStatusline.js';
import {parseCodexCredentials, parseCodexUsage, parseRolloutRateLimits} from '../../src/core/providers/codex.js';
import {parseCopilotUsage} from '../../src/core/providers/copilot.js';
import {parseCopilotReport} from '../../src/core/providers/copilotOrg.js';
import {parseGeminiCredentials, parseGeminiQuota, parseLoadCodeAssist} from '../../src/core/providers/gemini.js';
import {parseOpenAICosts, parseOpenAIUsage} from '../../src/core/providers/openaiAdmin.js';
import {redactJson} from '../../src/core/redact.js';
import {spendParts, spendSummary, type DailySpend} from '../../src/core/spend.js';
import {RESET_HORIZON_MS, isRepresentable} from '../../src/core/time.js';
import {saneSnapshot} from '../../src/core/usageService.js';
import {fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {assistantLine, userLine} from '../support/logLines.js';
import {seededRandom} from '../support/helpers.js';

const CASES = Number(GLib.getenv('FUZZ_CASES') ?? '300');
const BASE_SEED = Number(GLib.getenv('FUZZ_SEED') ?? '20261123');
const REPLAY = GLib.getenv('FUZZ_REPLAY');
const NOW = Date.UTC(2026, 10, 23, 12);


type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

const ODD_VALUES: unknown[] = [null, true, false, 0, -1, -5, 150, 1e6, 1e15, 1e20, -1e20, 1.7976931348623157e308,
    -1.7976931348623157e308, 8.64e15, 8.64e18, 253402300800, -62135596800, '', 'NaN', 'Infinity', '-Infinity', '1e999',
    '-5', '150', '12abc', '2026-13-45T99:99:99Z', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:59Z', '1969-12-31T23:59:59Z',
    [], {}, [1, 2], {a: 1}, 'x'.repeat(1000)];

/**
 * One of ODD_VALUES, as a copy of its own: a case may mutate what it was given (an odd `{a: 1}`
 * nested deeper, say), and a shared one would carry that into every later case, which would then
 * no longer replay from its seed alone.
 */
const oddValue = (rng: Rng): unknown => JSON.parse(JSON.stringify(pick(rng, ODD_VALUES))) as unknown;

/** Every container (object or array) of a JSON tree, to at most a small depth (the mutations may nest deep). */
function containers(value: unknown, depth = 0, out: (JsonObject | unknown[])[] = []): (JsonObject | unknown[])[] {
    if (depth > 12 || typeof value !== 'object' || value === null)
        return out;
    out.push(value as JsonObject | unknown[]);
    for (const inner of Object.values(value))
        containers(inner, depth + 1, out);
    return out;
}

/** One structural mutation at a random place: drop, rename, retype, an odd value, deep nesting. */
function mutateTree(root: unknown, rng: Rng): unknown {
    const all = containers(root);
    if (all.length === 0)
        return oddValue(rng);
    const target = pick(rng, all);
    const keys = Object.keys(target);
    if (keys.length === 0)
        return root;
    const key = pick(rng, keys);
    const record = target as Record<string, unknown>;
    const old = record[key];
    switch (Math.floor(rng() * 7)) {
    case 0:
        if (Array.isArray(target))
            target.splice(Number(key), 1);
        else
            Reflect.deleteProperty(record, key);
        break;
    case 1:
        if (!Array.isArray(target)) {
            Reflect.deleteProperty(record, key);
            record[`${key}${pick(rng, ['_v2', 'X', ''])}${Math.floor(rng() * 3)}`] = old;
        }
        break;
    case 2: // retype
        record[key] = typeof old === 'number' ? String(old) : typeof old === 'string' ? Number(old) || old.length
            : Array.isArray(old) ? Object.fromEntries(old.entries()) : isObject(old) ? Object.values(old) : String(old);
        break;
    case 3:
        record[key] = typeof old === 'number' ? pick(rng, [old * -1, old * 1e12, old + 0.5, -old - 100, 1e308])
            : oddValue(rng);
        break;
    case 4: { // deep nesting
        let deep: unknown = old;
        const depth = pick(rng, [10, 100, 3000]);
        for (let i = 0; i < depth; i++)
            deep = rng() < 0.5 ? [deep] : {[key]: deep};
        record[key] = deep;
        break;
    }
    case 5:
        record[key] = oddValue(rng);
        break;
    default: // a copy of a sibling's value
        record[key] = record[pick(rng, keys)];
    }
    return root;
}

/** Bytes level: invalid UTF-8 inserted, or the text cut short, then decoded as the HTTP client does. */
function mutateText(text: string, rng: Rng): string {
    const bytes = new TextEncoder().encode(text);
    const at = Math.floor(rng() * (bytes.length + 1));
    if (rng() < 0.5)
        return new TextDecoder().decode(bytes.subarray(0, at));
    // Invalid UTF-8, a NUL, and escapes JSON does not have (`\\x`, a short `\\u`).
    const garbage = pick(rng, [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe0, 0xa4], [0xf4, 0x90, 0x80, 0x80], [0x00],
        [0x5c, 0x78], [0x5c, 0x75, 0x31, 0x32]]);
    return new TextDecoder().decode(new Uint8Array([...bytes.subarray(0, at), ...garbage, ...bytes.subarray(at)]));
}

/** A fixture mutated one to three times, as the parsed JSON a parser would receive. */
function mutateJson(fixture: unknown, rng: Rng): unknown {
    let value: unknown = JSON.parse(JSON.stringify(fixture)) as unknown;
    for (let i = 0, n = 1 + Math.floor(rng() * 3); i < n; i++) {
        if (rng() < 0.15) {
            value = parseJson(mutateText(jsonText(value), rng));
        } else {
            value = mutateTree(value, rng);
        }
    }
    return value;
}

/** A JSON Lines text with one line mutated. */
function mutateLines(text: string, rng: Rng): string {
    const lines = text.split('\n');
    const index = Math.floor(rng() * lines.length);
    const parsed = parseJson(lines[index] ?? '');
    lines[index] = rng() < 0.3 || parsed === undefined ? mutateText(lines[index] ?? '', rng) : jsonText(mutateJson(parsed, rng));
    return lines.join('\n');
}

/** JSON text of a value; empty when there is none (an undefined root) or it nests past what JSON.stringify recurses. */
function jsonText(value: unknown): string {
    try {
        const text: unknown = JSON.stringify(value);
        return typeof text === 'string' ? text : '';
    } catch {
        return '';
    }
}

/** Impossible values in a published snapshot: the fuzz's definition of a value that must never reach a view. */
function impossibleValues(snapshot: UsageSnapshot): string[] {
    const problems: string[] = [];
    for (const w of snapshot.windows) {
        if (!Number.isFinite(w.usedPercent) || w.usedPercent < 0 || w.usedPercent > MAX_PERCENT)
            problems.push(`window ${w.id}: percent ${w.usedPercent}`);
        if (w.resetsAt !== null && (!isRepresentable(w.resetsAt) || w.resetsAt > NOW + RESET_HORIZON_MS))
            problems.push(`window ${w.id}: reset ${w.resetsAt}`);
        if (w.windowSeconds !== null && !(w.windowSeconds > 0 && Number.isFinite(w.windowSeconds)))
            problems.push(`window ${w.id}: length ${w.windowSeconds}`);
    }
    walkNumbers(snapshot, '', problems);
    return problems;
}

function walkNumbers(value: unknown, path: string, problems: string[], depth = 0): void {
    if (typeof value === 'number' && !Number.isFinite(value))
        problems.push(`${path}: ${value}`);
    if (depth < 40 && typeof value === 'object' && value !== null)
        for (const [key, inner] of Object.entries(value))
            walkNumbers(inner, `${path}.${key}`, problems, depth + 1);
}

/**
 * Checks what a parser returned (percentages and times it must have rejected itself), publishes
 * the windows the way a provider does, then renders everything a view renders of them.
 */
function viewQuota(windows: QuotaWindow[]): string[] {
    const parsed = windows.flatMap(w => [
        ...Number.isFinite(w.usedPercent) && w.usedPercent >= 0 && w.usedPercent <= MAX_PERCENT ? [] : [`parsed ${w.id}: percent ${w.usedPercent}`],
        ...w.resetsAt === null || isRepresentable(w.resetsAt) ? [] : [`parsed ${w.id}: reset ${w.resetsAt}`],
    ]);
    const snapshot = saneSnapshot({...quotaSnapshot('claude', 'a', 'fuzz', windows), updatedAt: NOW,
        raw: redactJson(windows)}, NOW);
    for (const w of snapshot.windows) {
        if (w.resetsAt !== null)
            formatResets(w.resetsAt, NOW);
        formatPace(w, NOW);
    }
    panelText([snapshot], id => id);
    formatUpdated(snapshot, NOW);
    JSON.stringify(snapshot);
    return [...parsed, ...impossibleValues(snapshot)];
}

/** Sums days the way a billing provider does, with a large balance (centuries of runway), and renders it. */
function viewSpend(days: DailySpend[], parts: Map<string, number>): string[] {
    const problems: string[] = [];
    for (const d of days) {
        if (!isRepresentable(d.start))
            problems.push(`day ${d.start}`);
    }
    const spend = spendSummary(days, spendParts(parts, new Map()), {budget: 100, burnDays: 7,
        balance: {amount: 1e12, setAt: NOW - 86_400_000}}, NOW);
    if (spend.runway !== null)
        formatRunway(spend.runway, 'USD');
    walkNumbers(spend, 'spend', problems);
    return problems;
}

interface Target {
    name: string;
    /** Runs one mutated case; returns the impossible values it let through. */
    run(rng: Rng): string[];
}

const jsonTarget = (name: string, fixtures: string[], parse: (json: unknown) => string[]): Target => ({
    name, run: rng => parse(mutateJson(fixtureJson(pick(rng, fixtures)), rng)),
});
const dataOf = (json: unknown): JsonObject[] =>
    isObject(json) && Array.isArray(json['data']) ? json['data'].filter(isObject) : [];
const anthropicSince = NOW - 29 * 86_400_000;

const TARGETS: Target[] = [
    jsonTarget('parseClaudeUsage', ['claude/usage-max.json'], json => viewQuota(parseClaudeUsage(json))),
    jsonTarget('parseStatusline', ['claude/real-world/statusline-full.json', 'claude/real-world/statusline-five-hour-only.json',
        'claude/real-world/statusline-over-100.json'], json => {
        const recorded = [...parseStatusline(json)].map(([id, reading]) => ({id, ...reading, recordedAt: NOW}));
        compactStatusline(recorded);
        return viewQuota(recorded.map(r => statuslineWindow(r, NOW)));
    }),
    jsonTarget('parseQuotaSummary (Antigravity)', ['antigravity/real-world/quota-summary-flat.json',
        'antigravity/real-world/quota-summary-object.json', 'antigravity/real-world/quota-summary-oneof.json',
        'antigravity/real-world/quota-summary-exhausted-and-unknown.json'], json => viewQuota(parseQuotaSummary(json).windows)),
    jsonTarget('parseUserStatus (Antigravity)', ['antigravity/real-world/get-user-status.json'],
        json => viewQuota(parseUserStatus(json).windows)),
    jsonTarget('parseClaudeCredentials', ['claude/credentials.json', 'claude/credentials-work.json'], json => {
        parseClaudeCredentials(json, 'fuzz');
        return [];
    }),
    jsonTarget('parseCodexUsage', ['codex/usage-plus.json', 'codex/usage-weekly-only.json'], json => viewQuota(parseCodexUsage(json).windows)),
    jsonTarget('parseCodexCredentials', ['codex/auth.json', 'codex/auth-expired.json', 'codex/auth-api-key.json'], json => {
        parseCodexCredentials(json, 'fuzz', null);
        return [];
    }),
    {name: 'parseRolloutRateLimits', run: rng => viewQuota(parseRolloutRateLimits(mutateLines(fixtureText('codex/rollout.jsonl'), rng))?.windows ?? [])},
    jsonTarget('parseGeminiQuota', ['gemini/quota.json'], json => viewQuota(parseGeminiQuota(json))),
    jsonTarget('parseLoadCodeAssist', ['gemini/load-code-assist.json', 'gemini/ineligible.json'], json => {
        parseLoadCodeAssist(json, null);
        return [];
    }),
    jsonTarget('parseGeminiCredentials', ['gemini/oauth_creds.json', 'gemini/oauth_creds-expired.json'], json => {
        parseGeminiCredentials(json, 'fuzz');
        return [];
    }),
    jsonTarget('parseCopilotUsage', ['copilot/user-free.json', 'copilot/user-individual.json'], json => viewQuota(parseCopilotUsage(json).windows)),
    jsonTarget('parseOpenAICosts', ['spend/openai-costs-1.json', 'spend/openai-costs-2.json'], json => {
        const costs = parseOpenAICosts(dataOf(json), anthropicSince);
        return viewSpend(costs.days, costs.parts);
    }),
    jsonTarget('parseOpenAIUsage', ['spend/openai-completions.json'], json => viewSpend(parseOpenAIUsage(dataOf(json), anthropicSince).days, new Map())),
    jsonTarget('parseAnthropicCosts', ['spend/anthropic-cost-1.json', 'spend/anthropic-cost-2.json'], json => {
        const costs = parseAnthropicCosts(dataOf(json), anthropicSince);
        return viewSpend(costs.days, costs.parts);
    }),
    jsonTarget('parseAnthropicUsage', ['spend/anthropic-messages.json'], json => viewSpend(parseAnthropicUsage(dataOf(json), anthropicSince).days, new Map())),
    jsonTarget('parseClaudeCodeAnalytics', ['spend/anthropic-claude-code.json'], json => {
        const problems: string[] = [];
        walkNumbers(parseClaudeCodeAnalytics(dataOf(json)), 'totals', problems);
        return problems;
    }),
    {name: 'parseCopilotReport', run: rng => {
        const metrics = parseCopilotReport([mutateLines(fixtureText('spend/copilot-org-report-1.ndjson'), rng),
            fixtureText('spend/copilot-org-report-2.ndjson')]);
        const problems: string[] = [];
        walkNumbers(Object.fromEntries(metrics.sums), 'sums', problems);
        return problems;
    }},
    {name: 'readClaudeLine (JSONL reader)', run: rng => {
        const bytes = new TextEncoder().encode(mutateLines(assistantLine({id: 'm1', requestId: 'r1', input: 10, output: 20}), rng));
        const line = newClaudeLine();
        const problems: string[] = [];
        if (readClaudeLine(bytes, 0, bytes.length, line))
            walkNumbers({...line, key: null}, 'entry', problems);
        return problems;
    }},
    {name: 'scanClaudeLines (JSONL reader, each line found by its walk)', run: rng => {
        const text = mutateLines([userLine('a prompt'), assistantLine({id: 'm1', requestId: 'r1', input: 10, output: 20}),
            assistantLine({id: 'm2', output: 7, write1h: 5})].join('\n'), rng);
        const bytes = new TextEncoder().encode(`${text}\n`);
        const found: unknown[] = [];
        scanClaudeLines(bytes, 0, bytes.length, line => found.push({...line, key: line.key && [...line.key]}));
        const problems: string[] = [];
        found.forEach(entry => walkNumbers({...entry as object, key: null}, 'entry', problems));
        // What the walk over the whole buffer gives is what each line read alone gives.
        const alone: unknown[] = [];
        const line = newClaudeLine();
        for (let start = 0, newline = bytes.indexOf(0x0a); newline >= 0; start = newline + 1, newline = bytes.indexOf(0x0a, start)) {
            if (readClaudeLine(bytes, start, newline, line))
                alone.push({...line, key: line.key && [...line.key]});
        }
        if (JSON.stringify(alone) !== JSON.stringify(found))
            problems.push(`entries differ from the lines read alone: ${JSON.stringify(found)} vs ${JSON.stringify(alone)}`);
        return problems;
    }},
    {name: 'readCodexLine (JSONL reader)', run: rng => {
        const state = newCodexFileState();
        const problems: string[] = [];
        for (const line of mutateLines(fixtureText('codex/rollout.jsonl'), rng).split('\n'))
            walkNumbers(readCodexLine(parseJson(line), state), 'event', problems);
        return problems;
    }},
    {name: 'scanCodexLines (JSONL reader, from the bytes)', run: rng => {
        const text = mutateLines(fixtureText('codex/rollout.jsonl'), rng);
        const found: CodexEvent[] = [];
        const bytes = new TextEncoder().encode(`${text}\n`);
        scanCodexLines(bytes, 0, bytes.length, newCodexFileState(), event => found.push(event));
        const problems: string[] = [];
        found.forEach(event => walkNumbers(event, 'event', problems));
        // Where every line is JSON, what the bytes give is what the parsed lines give.
        const lines = text.split('\n').filter(line => line.trim() !== '');
        if (lines.every(line => parseJson(line) !== undefined)) {
            const state = newCodexFileState();
            const parsed = lines.map(line => readCodexLine(parseJson(line), state)).filter(e => e !== null);
            if (JSON.stringify(parsed) !== JSON.stringify(found))
                problems.push(`events differ from the parsed lines': ${JSON.stringify(found)} vs ${JSON.stringify(parsed)}`);
        }
        return problems;
    }},
];

/** The impossible values one case lets through, or the exception it throws (a ProviderError is fine). */
function runCase(target: Target, seed: number): string[] {
    try {
        return target.run(seededRandom(seed));
    } catch (error) {
        return error instanceof ProviderError ? [] : [String(error)];
    }
}

describe('fuzzing the parsers', () => {
    for (const [index, target] of TARGETS.entries()) {
        it(`${target.name}: ${REPLAY ?? CASES} cases, no exception but ProviderError, no impossible value`, () => {
            const seeds = REPLAY !== null ? [Number(REPLAY)]
                : Array.from({length: CASES}, (_v, i) => (BASE_SEED + index * 1_000_003 + i * 7919) >>> 0);
            const failures: string[] = [];
            const odd = JSON.stringify(ODD_VALUES);
            for (const seed of seeds) {
                const problems = runCase(target, seed);
                if (problems.length > 0) {
                    // Run again on its own: what it shows must be what FUZZ_REPLAY will show.
                    const again = runCase(target, seed).join('; ') === problems.join('; ') ? '' : ' (not the same when run again: state leaked between cases)';
                    failures.push(`FUZZ_REPLAY=${seed}: ${problems.slice(0, 3).join('; ')}${again}`);
                }
                if (failures.length >= 5)
                    break;
            }
            expect(JSON.stringify(ODD_VALUES)).withContext('the odd values the cases share').toBe(odd);
            expect(failures).withContext(`replay one with FUZZ_REPLAY=<seed> --filter="${target.name}"`).toEqual([]);
            print(`    fuzz: ${target.name}: ${seeds.length} cases, ${failures.length} failed (FUZZ_SEED=${BASE_SEED})`);
            // The cases leave much garbage, and GJS 1.74 blocks (and so loses) a main-loop callback that
            // comes while an incremental collection of it is still sweeping: Jasmine's next timer was
            // lost that way and the run stalled. A full collection now ends any such collection first.
            System.gc();
        });
    }
});
