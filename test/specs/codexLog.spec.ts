import {encode} from '../../src/core/logs/byteJson.js';
import {newCodexFileState, readCodexLine, scanCodexLines, type CodexEvent} from '../../src/core/logs/codexLog.js';
import {codexTokenCount, codexTurn} from '../support/logLines.js';

const bytes = encode;

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

    it('reads the cwd of the session without decoding its instructions, and skips other lines unparsed', () => {
        const state = newCodexFileState();
        const b = bytes([
            '{"timestamp":"2026-11-23T10:00:00.000Z","type":"session_meta","payload":{"id":"s","base_instructions":{"text":"\\"cwd\\": no"},"cwd":"/home/u/src/api"}}',
            '{"timestamp":"2026-11-23T10:00:01.000Z","type":"response_item","payload":{"type":"message","content":"\\"token_count\\" {not json"}}',
            codexTokenCount({total: [5, 0, 1], last: [5, 0, 1]}),
        ].join('\n') + '\n');
        const found: CodexEvent[] = [];
        expect(scanCodexLines(b, 0, b.length, state, e => found.push(e))).toBe(b.length);
        expect(state.cwd).toBe('/home/u/src/api');
        expect(found.length).toBe(1);
    });

    it('reads lines told from their first bytes as it reads the same lines in any other key order or spacing', () => {
        const turn = codexTurn('gpt-5-codex');
        const count = codexTokenCount({total: [100, 20, 10], last: [100, 20, 10]});
        const reshaped = (line: string): string => {
            const {timestamp, ...rest} = JSON.parse(line) as Record<string, unknown>;
            return JSON.stringify({...rest, timestamp}, null, 1).replace(/\n/g, ' ');
        };
        const item = '{"timestamp":"2026-11-23T10:00:01.000Z","type":"response_item","payload":{"type":"token_count","info":{}}}';
        const asWritten = events([turn, item, count]);
        expect(asWritten.map(e => [e.model, e.counts.input])).toEqual([['gpt-5-codex', 100]]);
        expect(events([reshaped(turn), reshaped(item), reshaped(count)])).toEqual(asWritten);
    });

    it('leaves an unfinished last line of any kind for the next read', () => {
        const turn = codexTurn('gpt-5-codex');
        const b = bytes(`${turn}\n{"timestamp":"2026-11-23T10:00:01.000Z","type":"response_item","payload":{"ty`);
        expect(scanCodexLines(b, 0, b.length, newCodexFileState(), () => undefined)).toBe(bytes(turn).length + 1);
    });
});
