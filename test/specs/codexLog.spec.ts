import {encode} from '../../src/core/logs/byteJson.js';
import {newCodexFileState, readCodexLine, scanCodexLines, type CodexEvent} from '../../src/core/logs/codexLog.js';
import {seededRandom} from '../support/helpers.js';
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

    /**
     * Token counts Codex's way (its first bytes, then anything): duplicate and escaped keys, counts
     * of every JSON type, models in each place the reader looks, times it cannot read. Read from
     * their bytes, they must give the events the parsed lines give.
     */
    function oddTokenCounts(seed: number, count: number): string[] {
        const random = seededRandom(seed);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
        const numbers = [0, 1, 7, 1500, 123456789, -4, 1.5, 1e20, 2e15, '"12"', 'null', 'true', '{"n":1}', '[3]', '-0', '1e3'];
        const member = (key: string): string => {
            const name = random() < 0.1 ? key.replace('t', '\\u0074') : key;
            return `"${name}":${String(pick(numbers))}`;
        };
        const countsJson = (): string => {
            const keys = ['input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_output_tokens', 'total_tokens']
                .filter(() => random() < 0.85);
            if (random() < 0.2)
                keys.push(pick(keys.length > 0 ? keys : ['input_tokens'])); // a key twice: the last one counts
            return pick(['{' + keys.map(member).join(',') + '}', '{' + keys.map(member).join(', ') + '}', 'null', '[]', '"x"']);
        };
        const model = (): string => pick(['"gpt-5-codex"', '"gpt-5.2"', '""', '42', 'null', '"gpt\\u002d5"', '{"x":1}']);
        const times = ['2026-11-23T10:00:00.000Z', '2026-11-23T10:00:01.500Z', '2026-13-45T99:00:00.000Z', '1969-12-31T23:59:59.000Z'];
        return Array.from({length: count}, () => {
            const info: string[] = [];
            if (random() < 0.9)
                info.push(`"total_token_usage":${countsJson()}`);
            if (random() < 0.7)
                info.push(`"last_token_usage":${countsJson()}`);
            if (random() < 0.2)
                info.push(`"model":${model()}`);
            if (random() < 0.2)
                info.push(`"metadata":${pick([`{"model":${model()}}`, '{}', 'null', '[1]'])}`);
            if (random() < 0.1)
                info.unshift(`"total_token_usage":${countsJson()}`);
            const rest = [`"info":${random() < 0.9 ? `{${info.join(',')}}` : pick(['null', '[]', '"info"'])}`,
                '"rate_limits":{"primary":{"used_percent":26.5,"note":"a \\"quoted\\" {brace"},"list":[1,{"a":[]}]}'];
            if (random() < 0.2)
                rest.push(`"model":${model()}`);
            if (random() < 0.05)
                rest.push('"type":"agent_message"'); // the payload's type again: no longer a token count
            const tail = random() < 0.05 ? ',"type":"response_item"' : random() < 0.05 ? ',"payload":{"type":"token_count"}' : '';
            return `{"timestamp":"${pick(times)}","type":"event_msg","payload":{"type":"token_count",${rest.join(',')}}${tail}}`;
        });
    }

    it('reads token counts from their bytes exactly as from the parsed lines (2,000 odd lines, seeded)', () => {
        for (const seed of [20261201, 7, 42, 99]) {
            const lines = oddTokenCounts(seed, 500);
            const state = newCodexFileState();
            const parsed = lines.flatMap(line => {
                const event = readCodexLine(JSON.parse(line), state);
                return event ? [event] : [];
            });
            expect(events(lines)).withContext(`seed ${seed}`).toEqual(parsed);
            expect(parsed.length).withContext(`seed ${seed}: the lines are not all dismissed`).toBeGreaterThan(40);
        }
    });

    it('skips lines whose strings hold escapes JSON does not have, as JSON.parse does, and reads the lines around them', () => {
        const state = newCodexFileState();
        const good = codexTokenCount({total: [5, 0, 1], last: [5, 0, 1]});
        const b = bytes([
            '{"timestamp":"2026-11-23T10:00:00.000Z","type":"session_meta","payload":{"id":"s","cwd":"/home/u/\\xsrc"}}',
            good.replace('"token_count"', '"token_count","model":"gpt-\\u12"'),
            good.replace('"timestamp":"', '"timestamp":"\\x'),
            codexTokenCount({total: [9, 0, 2], last: [4, 0, 1]}),
        ].join('\n') + '\n');
        const found: CodexEvent[] = [];
        expect(scanCodexLines(b, 0, b.length, state, e => found.push(e))).toBe(b.length);
        expect(state.cwd).toBeNull();
        expect(found.map(e => e.counts.input)).toEqual([4]);
    });

    it('skips a broken or cut token count, as JSON.parse does, and reads the lines around it', () => {
        const good = codexTokenCount({total: [5, 0, 1], last: [5, 0, 1]});
        const found = events([good.replace('"info":{', '"info":{"total_token_usage":{"input_tokens":}}'), good.slice(0, -5),
            codexTokenCount({total: [9, 0, 2], last: [4, 0, 1]})]);
        expect(found.map(e => e.counts.input)).toEqual([4]);
    });
});
