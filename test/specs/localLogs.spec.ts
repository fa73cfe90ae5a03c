import {claudeSize, parseClaudeLine, preferEntry, scanClaudeLines, type ClaudeEntry} from '../../src/core/logs/claudeLog.js';
import {newCodexFileState, readCodexLine, scanCodexLines, type CodexEvent} from '../../src/core/logs/codexLog.js';
import {parseShare, readShare, serializeShare, splitShares} from '../../src/core/logs/claudeShare.js';
import {emptyHistory, mergeDays, parseHistory, serializeHistory} from '../../src/core/logs/history.js';
import {skipValue} from '../../src/core/logs/jsonLines.js';
import {currentBlock, dayKey, dayTotals, recentCost, type UsageEntry} from '../../src/core/logs/localUsage.js';
import {makeTempDir, writeFile} from '../support/helpers.js';
import {assistantLine, codexTokenCount, codexTurn, userLine} from '../support/logLines.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function entries(text: string): {found: ClaudeEntry[]; next: number} {
    const found: ClaudeEntry[] = [];
    const b = bytes(text);
    const next = scanClaudeLines(b, 0, b.length, e => found.push(e));
    return {found, next};
}

describe('Claude Code lines', () => {
    it('reads model, ids, time, every token kind and the 1-hour cache split', () => {
        const [e] = entries(`${assistantLine({id: 'msg_1', requestId: 'req_1', output: 527, write5m: 100, write1h: 2849, read: 9493})}\n`).found;
        expect(e).toEqual({key: 'msg_1\u0000req_1', time: Date.UTC(2026, 10, 23, 10), model: 'claude-opus-4-6',
            tokens: {input: 3, output: 527, cacheWrite5m: 100, cacheWrite1h: 2849, cacheRead: 9493, fast: false},
            costUSD: null, sidechain: false});
    });

    it('skips lines without message.usage, including a Task result that carries a usage of its own', () => {
        const text = [userLine('a prompt'), userLine('tool output', {usage: {input_tokens: 1000, output_tokens: 2000}}),
            '{"type":"summary","summary":"x","leafUuid":"u"}'].join('\n');
        expect(entries(`${text}\n`).found).toEqual([]);
    });

    it('is not fooled by "usage":{ inside content text', () => {
        const line = assistantLine({id: 'msg_1', requestId: 'req_1', text: 'print(\'"usage":{"input_tokens":999}\')'});
        expect(entries(`${line}\n`).found.map(e => e.tokens.input)).toEqual([3]);
    });

    it('skips malformed lines and keeps reading', () => {
        const text = ['{"type":"assistant","message":{"model":"claude-opus-4-6","usage":{"input_tokens":5,',
            assistantLine({id: 'msg_2', requestId: 'req_2'}), 'not json "usage":{ at all'].join('\n');
        expect(entries(`${text}\n`).found.map(e => e.key)).toEqual(['msg_2\u0000req_2']);
    });

    it('leaves an unfinished last line for the next read, and takes a complete one without its newline', () => {
        const whole = assistantLine({id: 'msg_1', requestId: 'req_1'});
        const first = `${userLine('hi')}\n`;
        const cut = entries(first + whole.slice(0, 200));
        expect(cut.found).toEqual([]);
        expect(cut.next).toBe(bytes(first).length);
        const complete = entries(first + whole);
        expect(complete.found.length).toBe(1);
        expect(complete.next).toBe(bytes(first + whole).length);
    });

    it('uses costUSD when an old version wrote it, and reads sidechain and fast mode', () => {
        const [e] = entries(`${assistantLine({id: 'm', requestId: 'r', costUSD: 0.5, sidechain: true, fast: true})}\n`).found;
        expect(e?.costUSD).toBe(0.5);
        expect(e?.sidechain).toBeTrue();
        expect(e?.tokens.fast).toBeTrue();
    });

    it('keys lines without requestId on message.id alone, and never de-duplicates lines without an id', () => {
        expect(entries(`${assistantLine({id: 'msg_9'})}\n`).found[0]?.key).toBe('msg_9');
        expect(entries(`${assistantLine({})}\n`).found[0]?.key).toBeNull();
    });

    it('prefers the main copy, then the copy with the most tokens (the final streamed chunk)', () => {
        const main = {sidechain: false, size: 10};
        expect(preferEntry({sidechain: false, size: 11}, main)).toBeTrue();
        expect(preferEntry({sidechain: false, size: 10}, main)).toBeFalse();
        expect(preferEntry({sidechain: true, size: 1000}, main)).toBeFalse();
        expect(preferEntry(main, {sidechain: true, size: 1000})).toBeTrue();
    });

    it('finds the end of JSON values with escapes, nesting and strings holding brackets', () => {
        const text = '{"a":"x\\\\\\"}]","b":[1,{"c":"]"}]} tail';
        expect(skipValue(bytes(text), 0, bytes(text).length)).toBe(text.indexOf(' tail'));
        expect(skipValue(bytes('{"a":"unterminated}'), 0, 19)).toBe(-1);
        expect(parseClaudeLine(bytes('{"message":{"usage":{"input_tokens":1}}}'), 0, 40)).toBeNull(); // no output_tokens
    });
});

describe('Codex events', () => {
    function events(lines: string[]): CodexEvent[] {
        const found: CodexEvent[] = [];
        const b = bytes(`${lines.join('\n')}\n`);
        scanCodexLines(b, 0, b.length, newCodexFileState(), e => found.push(e));
        return found;
    }

    it('counts each change of the totals once, skipping re-emits, with the model of the latest turn', () => {
        const found = events([
            '{"timestamp":"2026-11-23T10:00:00.000Z","type":"session_meta","payload":{"id":"s","cwd":"/home/u/app","base_instructions":{"text":"long"}}}',
            codexTurn('gpt-5-codex'),
            codexTokenCount({total: [100, 20, 10], last: [100, 20, 10]}),
            codexTokenCount({total: [100, 20, 10], last: [100, 20, 10]}), // re-emit
            codexTurn('gpt-5.2-codex'),
            codexTokenCount({total: [250, 50, 30], last: [150, 30, 20]}),
        ]);
        expect(found.map(e => [e.model, e.counts.input, e.counts.cached, e.counts.output])).toEqual([
            ['gpt-5-codex', 100, 20, 10], ['gpt-5.2-codex', 150, 30, 20]]);
    });

    it('uses the difference of the totals when there is no last usage, and skips empty events', () => {
        const found = events([
            codexTokenCount({total: [100, 0, 10]}),
            codexTokenCount({total: [160, 0, 15]}),
            codexTokenCount({total: [0, 0, 0], last: [0, 0, 0]}),
            '{"timestamp":"2026-11-23T10:00:00.000Z","type":"event_msg","payload":{"type":"token_count","info":null}}',
        ]);
        expect(found.map(e => [e.model, e.counts.input, e.counts.output])).toEqual([['gpt-5', 100, 10], ['gpt-5', 60, 5]]);
    });

    it('gives identical events the same key, so a forked session does not count twice', () => {
        const line = codexTokenCount({total: [100, 20, 10], last: [100, 20, 10]});
        const a = readCodexLine(JSON.parse(line), newCodexFileState());
        const b = readCodexLine(JSON.parse(line), newCodexFileState());
        expect(a?.key).toBe(b?.key ?? 'different');
    });
});

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

function entry(time: number, cost: number | null = 1, tokens = 100): UsageEntry {
    return {source: 'claude', time, day: dayKey(time), model: cost === null ? 'mystery' : 'claude-opus-4-6', project: 'p',
        session: 's', input: tokens, output: 0, cacheWrite: 0, cacheRead: 0, cost, sidechain: false};
}

describe('5-hour blocks', () => {
    it('starts at the first entry floored to the hour and reports burn rate and projection', () => {
        const block = currentBlock([entry(T0 + 15 * 60_000, 1), entry(T0 + 75 * 60_000, 2)], T0 + 2 * HOUR);
        expect(block?.start).toBe(T0);
        expect(block?.end).toBe(T0 + 5 * HOUR);
        expect(block?.cost).toBe(3);
        expect(block?.costPerHour).toBeCloseTo(3, 9); // $3 over the hour between first and last entry
        expect(block?.projectedCost).toBeCloseTo(3 + 3 * 3, 9); // three hours left
        expect(block?.tokensPerMinute).toBeCloseTo(200 / 60, 9);
    });

    it('starts a new block more than 5 hours after the block start, even without a gap', () => {
        const times = [0, 2, 4, 5.25].map(h => T0 + 10 * 60_000 + h * HOUR);
        const block = currentBlock(times.map(t => entry(t)), T0 + 6 * HOUR);
        expect(block?.start).toBe(T0 + 5 * HOUR);
        expect(block?.cost).toBe(1);
    });

    it('starts a new block after a gap of more than 5 hours, and has none once the block ended', () => {
        const block = currentBlock([entry(T0), entry(T0 + 6 * HOUR + 30 * 60_000)], T0 + 7 * HOUR);
        expect(block?.start).toBe(T0 + 6 * HOUR);
        expect(currentBlock([entry(T0)], T0 + 5 * HOUR)).toBeNull();
        expect(currentBlock([], T0)).toBeNull();
    });
});

describe('daily totals and kept history', () => {
    it('sums days by model and keeps unpriced tokens apart from cost', () => {
        const days = dayTotals([entry(T0, 2), entry(T0 + HOUR, null, 50), entry(T0 + 24 * HOUR, 1)]);
        const today = days.get('2026-11-23');
        expect(today?.cost).toBe(2);
        expect(today?.unpricedTokens).toBe(50);
        expect(today?.models.map(m => [m.model, m.priced])).toEqual([['claude-opus-4-6', true], ['mystery', false]]);
        expect(days.get('2026-11-24')?.entries).toBe(1);
    });

    it('never shrinks a kept day when transcripts were deleted, and drops days older than 400', () => {
        const history = emptyHistory();
        const full = dayTotals([entry(T0, 2), entry(T0 + HOUR, 3)]);
        expect(mergeDays(history, 'claude', full, '2026-11-23')).toBeTrue();
        const pruned = dayTotals([entry(T0, 2)]);
        expect(mergeDays(history, 'claude', pruned, '2026-11-23')).toBeFalse();
        expect(history.claude['2026-11-23']?.cost).toBe(5);
        const again = parseHistory(serializeHistory(history));
        expect(again.claude['2026-11-23']?.cost).toBe(5);
        const old = dayTotals([entry(Date.UTC(2025, 0, 1), 1)]);
        mergeDays(again, 'claude', old, '2026-11-23');
        expect(again.claude['2025-01-01']).toBeUndefined();
        expect(parseHistory('{"version":99}').claude).toEqual({});
        expect(parseHistory('garbage').codex).toEqual({});
    });
});

describe('recent cost', () => {
    it('sums the last days of the kept history, today included', () => {
        const days = [...dayTotals([entry(T0 - 8 * 24 * HOUR, 5), entry(T0 - 6 * 24 * HOUR, 2), entry(T0, 1)]).values()];
        expect(recentCost(days, '2026-11-23', 7)).toBe(3);
        expect(recentCost(days, '2026-11-23', 1)).toBe(1);
    });
});

describe('shares of a scan on several cores', () => {
    it('splits files into shares of about equal size', () => {
        const shares = splitShares([{bytes: 10}, {bytes: 7}, {bytes: 5}, {bytes: 4}, {bytes: 3}], 2);
        expect(shares.map(s => s.reduce((n, f) => n + f.bytes, 0))).toEqual([14, 15]);
    });

    it('reads a share with de-duplication and survives a JSON round trip', () => {
        const dir = makeTempDir();
        const path = `${dir}/s.jsonl`;
        writeFile(path, [assistantLine({id: 'm1', requestId: 'r1', output: 2}), assistantLine({id: 'm1', requestId: 'r1', output: 90}),
            assistantLine({output: 7})].join('\n') + '\n');
        let collected = 0;
        const result = readShare([{path, offset: 0}, {path: `${dir}/missing.jsonl`, offset: 0}], () => collected++, 1);
        expect(result.entries.map(e => e.entry.tokens.output)).toEqual([90, 7]);
        expect(collected).toBe(1);
        const back = parseShare(serializeShare(result));
        expect(back).toEqual(result);
        expect(claudeSize(back?.entries[0]?.entry.tokens ?? {input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, fast: false})).toBe(93);
        expect(parseShare('nonsense')).toBeNull();
    });
});
