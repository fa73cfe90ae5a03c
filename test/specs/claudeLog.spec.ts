import {claudeSize, newClaudeLine, readClaudeLine, scanClaudeLines, type ClaudeLine} from '../../src/core/logs/claudeLog.js';
import {encode} from '../../src/core/logs/byteJson.js';
import {assistantLine, userLine} from '../support/logLines.js';

interface Read {
    key: string | null;
    time: number;
    model: string;
    tokens: number[];
    fast: boolean;
    costUSD: number | null;
    sidechain: boolean;
}

const plain = (l: ClaudeLine): Read => ({key: l.key && new TextDecoder().decode(l.key), time: l.time, model: l.model,
    tokens: [l.input, l.output, l.cacheWrite5m, l.cacheWrite1h, l.cacheRead], fast: l.fast, costUSD: l.costUSD, sidechain: l.sidechain});

function entries(text: string): {found: Read[]; next: number} {
    const found: Read[] = [];
    const b = encode(text);
    const next = scanClaudeLines(b, 0, b.length, l => found.push(plain(l)));
    return {found, next};
}

/** What the line gives by the documented rules, from JSON.parse: the reference the byte reader must match. */
function reference(text: string): Read | null {
    let line: unknown;
    try {
        line = JSON.parse(text);
    } catch {
        return null;
    }
    const o = line as Record<string, unknown>;
    const message = o['message'] as Record<string, unknown> | undefined;
    const usage = message?.['usage'] as Record<string, unknown> | undefined;
    const num = (v: unknown): number | null => typeof v === 'number' && Number.isFinite(v) ? v : null;
    const str = (v: unknown): string | null => typeof v === 'string' && v.length > 0 ? v : null;
    if (typeof message !== 'object' || typeof usage !== 'object' || num(usage['input_tokens']) === null || num(usage['output_tokens']) === null)
        return null;
    const time = typeof o['timestamp'] === 'string' ? Date.parse(o['timestamp']) : Number.NaN;
    if (Number.isNaN(time))
        return null;
    const count = (v: unknown): number => Math.max(0, num(v) ?? 0);
    const write = count(usage['cache_creation_input_tokens']);
    const split = usage['cache_creation'];
    const oneHour = typeof split === 'object' && split !== null && !Array.isArray(split)
        ? Math.min(write, count((split as Record<string, unknown>)['ephemeral_1h_input_tokens'])) : 0;
    const id = str(message['id']);
    const request = str(o['requestId']);
    const cost = num(o['costUSD']);
    return {key: id === null ? null : request === null ? id : `${id}\u0000${request}`, time, model: str(message['model']) ?? 'unknown',
        tokens: [count(usage['input_tokens']), count(usage['output_tokens']), write - oneHour, oneHour, count(usage['cache_read_input_tokens'])],
        fast: usage['speed'] === 'fast', costUSD: cost !== null && cost >= 0 ? cost : null, sidechain: o['isSidechain'] === true};
}

describe('Claude Code lines', () => {
    it('reads model, ids, time, every token kind and the 1-hour cache split', () => {
        const [e] = entries(`${assistantLine({id: 'msg_1', requestId: 'req_1', output: 527, write5m: 100, write1h: 2849, read: 9493})}\n`).found;
        expect(e).toEqual({key: 'msg_1\u0000req_1', time: Date.UTC(2026, 10, 23, 10), model: 'claude-opus-4-6',
            tokens: [3, 527, 100, 2849, 9493], fast: false, costUSD: null, sidechain: false});
    });

    it('skips lines without message.usage, including a Task result that carries a usage of its own', () => {
        const text = [userLine('a prompt'), userLine('tool output', {usage: {input_tokens: 1000, output_tokens: 2000}}),
            '{"type":"summary","summary":"x","leafUuid":"u"}'].join('\n');
        expect(entries(`${text}\n`).found).toEqual([]);
    });

    it('is not fooled by "usage":{ inside content text or a tool input', () => {
        const inText = assistantLine({id: 'msg_1', requestId: 'req_1', text: 'print(\'"usage":{"input_tokens":999}\')'});
        const inInput = assistantLine({id: 'msg_2', requestId: 'req_2'}).replace('"command":', '"usage":{"input_tokens":7,"output_tokens":7},"command":');
        expect(entries(`${inText}\n${inInput}\n`).found.map(e => e.tokens[0])).toEqual([3, 3]);
    });

    it('skips malformed lines and keeps reading', () => {
        const text = ['{"type":"assistant","message":{"model":"claude-opus-4-6","usage":{"input_tokens":5,',
            assistantLine({id: 'msg_2', requestId: 'req_2'}), 'not json "usage":{ at all',
            `${assistantLine({id: 'msg_3'})} trailing`].join('\n');
        expect(entries(`${text}\n`).found.map(e => e.key)).toEqual(['msg_2\u0000req_2']);
    });

    it('skips a line whose strings hold escapes JSON does not have, as JSON.parse does, and reads the next', () => {
        const good = assistantLine({id: 'msg_2', requestId: 'req_2'});
        const broken = [good.replace('"msg_2"', '"msg_\\x2"'), good.replace('"req_2"', '"req_\\u12"'),
            good.replace('"claude-opus-4-6"', '"claude-\\qopus"'), good.replace('"input_tokens"', '"speed":"f\\ast","input_tokens"'),
            good.replace('"message"', '"mess\\age"')];
        for (const line of broken) {
            expect(reference(line)).withContext(line).toBeNull();
            expect(entries(`${line}\n${good}\n`).found.map(e => e.key)).withContext(line).toEqual(['msg_2\u0000req_2']);
        }
    });

    it('finds each line by walking it, and reads it as JSON.parse reads that line alone', () => {
        // Lines that end inside a value (an open array, object or string), hold two values, are
        // empty, end in CRLF or are spaced out: the walk must neither swallow the next line nor
        // miss an entry that only a spaced "usage": { holds.
        const good = assistantLine({id: 'msg_1', requestId: 'req_1', output: 40});
        // Cut right after a backslash: the escape must not take the newline, or the walk would go
        // on through the next line and read its usage under this line's id.
        const cutAtEscape = `${good.slice(0, good.indexOf('"command":"') + 11)}\\`;
        expect(entries(`${cutAtEscape}\n${good}\n`).found).toEqual([reference(good)].filter(r => r !== null));
        const spaced = JSON.stringify(JSON.parse(assistantLine({id: 'msg_2', requestId: 'req_2'})), null, 1).replace(/\n/g, ' ');
        const pieces = [good, spaced, `${good}\r`, '', '   ', userLine('hello'), `${good} {}`, good.slice(0, good.indexOf('"usage"') + 30),
            '{"message":{"content":[1,2', '{"message":{"content":"open', good.replace('"content":[', '"content":[[').replace(/}$/, ''),
            `{"a":${'['.repeat(40)}`, '"usage":{"input_tokens":1,"output_tokens":1}', '}', ']]]}',
            good.replace('"content":[', '"content":[\n'), good.replace('"thinking":"', '"thinking":"\n'), good.replace('"command":"', '"command":"\\\n'),
            cutAtEscape];
        let seed = 11;
        const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
        for (let round = 0; round < 300; round++) {
            const lines = Array.from({length: 1 + random(8)}, () => pieces[random(pieces.length)] ?? '');
            const expected = lines.join('\n').split('\n').map(reference).filter((r): r is Read => r !== null);
            const {found, next} = entries(`${lines.join('\n')}\n`);
            expect(found).withContext(JSON.stringify(lines)).toEqual(expected);
            expect(next).toBe(encode(`${lines.join('\n')}\n`).length);
        }
    });

    it('leaves an unfinished last line for the next read, and takes a complete one without its newline', () => {
        const whole = assistantLine({id: 'msg_1', requestId: 'req_1'});
        const first = `${userLine('hi')}\n`;
        const cut = entries(first + whole.slice(0, 200));
        expect(cut.found).toEqual([]);
        expect(cut.next).toBe(encode(first).length);
        const complete = entries(first + whole);
        expect(complete.found.length).toBe(1);
        expect(complete.next).toBe(encode(first + whole).length);
    });

    it('uses costUSD when an old version wrote it, and reads sidechain and fast mode', () => {
        const [e] = entries(`${assistantLine({id: 'm', requestId: 'r', costUSD: 0.5, sidechain: true, fast: true})}\n`).found;
        expect([e?.costUSD, e?.sidechain, e?.fast]).toEqual([0.5, true, true]);
    });

    it('keys lines without requestId on message.id alone, and never keys lines without an id', () => {
        expect(entries(`${assistantLine({id: 'msg_9'})}\n`).found[0]?.key).toBe('msg_9');
        expect(entries(`${assistantLine({})}\n`).found[0]?.key).toBeNull();
    });

    it('reads every line as JSON.parse does: key order, spaces, escapes, duplicates, odd values', () => {
        const base = JSON.parse(assistantLine({id: 'msg_1', requestId: 'req_1', output: 40, write5m: 5, write1h: 7, read: 9})) as Record<string, unknown>;
        const message = base['message'] as Record<string, unknown>;
        const variants = [
            JSON.stringify(base, null, 1).replace(/\n/g, ' '),
            JSON.stringify({timestamp: base['timestamp'], message: {...message, usage: {output_tokens: 2, input_tokens: 1, speed: 'fast'}}}),
            JSON.stringify({...base, message: {...message, id: 'm\u00e9\\"x', model: 'claude-\u2192'}}),
            assistantLine({id: 'msg_1'}).replace('"message":', '"message":"not an object","message":'),
            assistantLine({id: 'msg_1'}).replace('"input_tokens":3', '"input_tokens":"3"'),
            assistantLine({id: 'msg_1'}).replace('"input_tokens":3', '"input_tokens":-4'),
            assistantLine({id: 'msg_1'}).replace('"input_tokens":3', '"input_tokens":1.5e1'),
            assistantLine({id: 'msg_1'}).replace('"cache_creation":{', '"cache_creation":null,"x":{'),
            assistantLine({id: 'msg_1', time: Date.UTC(2026, 1, 29, 3)}),
            assistantLine({id: 'msg_1'}).replace(/"timestamp":"[^"]+"/, '"timestamp":"2026-11-23T10:00:00+02:00"'),
            assistantLine({id: 'msg_1'}).replace(/"timestamp":"[^"]+"/, '"timestamp":"yesterday"'),
            assistantLine({id: 'msg_1'}).replace('"isSidechain":false', '"isSidechain":true,"isSidechain":1'),
            assistantLine({id: '', requestId: ''}),
        ];
        const line = newClaudeLine();
        for (const text of variants) {
            const b = encode(text);
            const read = readClaudeLine(b, 0, b.length, line) ? plain(line) : null;
            expect(read).withContext(text).toEqual(reference(text));
        }
    });

    it('measures a response by all its tokens', () => {
        expect(claudeSize({input: 1, output: 2, cacheWrite5m: 3, cacheWrite1h: 4, cacheRead: 5})).toBe(15);
    });
});
