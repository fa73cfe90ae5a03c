import {
    LastString, decodeString, encode, readIsoTime, readNumber, scanLines, skipString, skipValue, walkObject,
} from '../../src/core/logs/byteJson.js';

const lines = (text: string): {found: string[]; next: number} => {
    const b = encode(text);
    const found: string[] = [];
    const next = scanLines(b, 0, b.length, (start, end) => {
        found.push(new TextDecoder().decode(b.subarray(start, end)));
        return true;
    });
    return {found, next};
};

describe('byte-level JSON', () => {
    it('finds the end of values with escapes, nesting and strings holding brackets', () => {
        const text = '{"a":"x\\\\\\"}]","b":[1,{"c":"]"}]} tail';
        expect(skipValue(encode(text), 0, text.length)).toBe(text.indexOf(' tail'));
        expect(skipValue(encode('{"a":"unterminated}'), 0, 19)).toBe(-1);
        const long = `"${'abcd→'.repeat(40)}\\"${'x'.repeat(41)}"`;
        expect(skipString(encode(long), 0, encode(long).length)).toBe(encode(long).length);
        expect(skipString(encode('"tab\there"'), 0, 10)).toBe(-1); // a raw control character
    });

    it('ends a long string at its closing quote, however many backslashes come before quotes', () => {
        // Escaped quotes and backslash runs of every length, at every place around the point
        // where the byte-by-byte prefix ends and the word-at-a-time search takes over.
        for (let at = 50; at < 80; at++) {
            for (const escape of ['\\"', '\\\\', '\\\\\\"', '\\\\\\\\', '\\u0022']) {
                const value = `${'a'.repeat(at)}${escape}${'→b'.repeat(30)}`;
                const text = JSON.stringify(JSON.parse(`"${value}"`));
                const b = encode(`${text},"next":1`);
                expect(skipString(b, 0, b.length)).toBe(encode(text).length);
                const tab = encode(`"${'a'.repeat(at)}\t${'b'.repeat(40)}"`);
                expect(skipString(tab, 0, tab.length)).toBe(-1);
            }
        }
        const cut = encode(`"${'a'.repeat(100)}\\"`);
        expect(skipString(cut, 0, cut.length)).toBe(-1);
    });

    it('reads numbers as JSON.parse does, and rejects what JSON does not allow', () => {
        const read = (text: string): number | null => readNumber(encode(text), 0, text.length);
        expect(read('12345')).toBe(12345);
        expect(read('-7')).toBe(-7);
        expect(read('1.5e3')).toBe(1500);
        expect(read('12345678901234567890')).toBe(Number('12345678901234567890'));
        expect(read('01')).toBeNull();
        expect(read('1.')).toBeNull();
    });

    it('walks the members of an object, decoding escaped keys, the last duplicate winning', () => {
        const text = '{"skip":{"id":"inner"},"\\u0069d":"first","id":"second"}';
        const seen: string[] = [];
        const b = encode(text);
        const end = walkObject(b, 0, b.length, [encode('id')], (_name, at) => {
            const after = skipValue(b, at, b.length);
            seen.push(new TextDecoder().decode(b.subarray(at, after)));
            return after;
        });
        expect(end).toBe(b.length);
        expect(seen).toEqual(['"first"', '"second"']);
        expect(walkObject(encode('{"a":1,}'), 0, 8, [], () => -1)).toBe(-1);
    });
});

describe('finding lines', () => {
    it('offers every line, and leaves an unfinished last line unless it is accepted', () => {
        expect(lines('a\nb\nc').found).toEqual(['a', 'b', 'c']);
        const b = encode('{"a":1}\n{"a":');
        expect(scanLines(b, 0, b.length, (_start, end) => end < b.length)).toBe(8);
    });

    it('finds the same lines as splitting on newlines, at any offset and alignment, in any bytes', () => {
        // A reference: split at newlines; an unfinished last line is offered, and accepted here
        // when it is odd-length.
        const reference = (b: Uint8Array, from: number): {found: [number, number][]; next: number} => {
            const found: [number, number][] = [];
            const text = new TextDecoder('latin1').decode(b);
            let start = from;
            for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
                found.push([start, nl]);
                start = nl + 1;
            }
            if (start < b.length) {
                found.push([start, b.length]);
                if ((b.length - start) % 2 === 1)
                    return {found, next: b.length};
            }
            return {found, next: start};
        };
        const pieces = ['{', '\n', 'x', 'é', '"', '\\', ' ', 'abcdefg', '\n\n'];
        let seed = 7;
        const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
        for (let round = 0; round < 400; round++) {
            const text = Array.from({length: random(40)}, () => pieces[random(pieces.length)]).join('');
            const bytes = encode(text);
            const shift = random(4); // the buffer at every alignment (an unaligned one is read byte by byte)
            const b = new Uint8Array(new ArrayBuffer(bytes.length + 4), shift, bytes.length);
            b.set(bytes);
            const from = random(bytes.length + 1);
            const start = from === 0 ? 0 : encode(text).lastIndexOf(0x0a, from - 1) + 1; // reads start at a line
            const found: [number, number][] = [];
            const next = scanLines(b, start, b.length, (s, e) => {
                found.push([s, e]);
                return e < b.length || (e - s) % 2 === 1;
            });
            expect({found, next}).withContext(`${JSON.stringify(text)} from ${start}`).toEqual(reference(b, start));
        }
    });

    it('never reads a value across a newline', () => {
        for (const text of ['{"a":[1,2\n3]}', '{"a":{"b":1\n}}', '"abc\ndef"', '"abc\\\ndef"', `"${'x'.repeat(100)}\n"`,
            `"${'x'.repeat(100)}\\\n"`, '12\n3'])
            expect(skipValue(encode(text), 0, text.length)).withContext(text).toBe(text === '12\n3' ? 2 : -1);
    });

    it('reads the logs\' times on their bytes as Date.parse reads them, and leaves every other form to it', () => {
        for (const time of ['2026-11-23T10:04:05.123Z', '1970-01-01T00:00:00.000Z', '9999-12-28T23:59:59.999Z'])
            expect(readIsoTime(encode(`"${time}"`), 0, time.length + 2)).withContext(time).toBe(Date.parse(time));
        for (const other of ['2026-11-29T10:04:05.123Z', '2026-13-01T10:04:05.123Z', '2026-11-23T24:00:00.000Z',
            '2026-11-23T10:04:05.12Z', '2026-11-23T10:04:05.123+', '2026-11-23 10:04:05.123Z', '2026-11-2\u0033T10:04:05.12Z',
            '1969-12-31T23:59:59.999Z', '2026-11-23T10:04:05Z'])
            expect(readIsoTime(encode(`"${other}"`), 0, other.length + 2)).withContext(other).toBeNaN();
        expect(readIsoTime(encode('x2026-11-23T10:04:05.123Zx'), 0, 26)).toBeNaN(); // not a string
    });

    it('decodes no string whose escapes JSON does not have, and walks no object with such a key', () => {
        for (const bad of ['"a\\xb"', '"\\u12"', '"\\u12g4"', '"a\\ b"'])
            expect(decodeString(encode(bad), 0, bad.length, true)).withContext(bad).toBeNull();
        const good = '"a\\u0062\\n"';
        expect(decodeString(encode(good), 0, good.length, true)).toBe('ab\n');
        const object = '{"k\\x":1}';
        expect(walkObject(encode(object), 0, object.length, [encode('k')], () => 0)).toBe(-1);
    });

    it('gives the previous string again for the same bytes, and the new one for others, escapes decoded', () => {
        const names = new LastString();
        const b = encode('"gpt-5" "gpt-5" "o3" "g\u0070t"');
        const first = names.decode(b, 0, 7, false);
        expect(first).toBe('gpt-5');
        expect(names.decode(b, 8, 15, false)).toBe(first);
        expect(names.decode(b, 16, 20, false)).toBe('o3');
        expect(names.decode(b, 21, b.length, true)).toBe('gpt');
    });
});
