// The JSON type guards (core/json.ts): what they accept, and the numbers, percentages and times
// they refuse as impossible.

import {
    MAX_PERCENT, isObject, optionalBoolean, optionalEpochSeconds, optionalFraction, optionalNumber, optionalNumeric,
    optionalObject, optionalPercent, optionalString, optionalStringArray, parseIsoTime, parseJson, sanePercent,
} from '../../src/core/json.js';

describe('isObject()', () => {
    it('accepts objects only: not arrays, null or scalars', () => {
        expect(isObject({})).toBeTrue();
        expect(isObject({a: 1})).toBeTrue();
        for (const value of [[], null, undefined, 'x', 1, true])
            expect(isObject(value)).withContext(String(value)).toBeFalse();
    });
});

describe('optionalNumber()', () => {
    it('reads a JSON number, and nothing else', () => {
        expect(optionalNumber({n: 42.5}, 'n')).toBe(42.5);
        expect(optionalNumber({n: -7}, 'n')).toBe(-7);
        expect(optionalNumber({n: '42'}, 'n')).toBeNull();
        expect(optionalNumber({n: null}, 'n')).toBeNull();
        expect(optionalNumber({}, 'n')).toBeNull();
    });

    it('refuses numbers no count, amount or time comes near', () => {
        expect(optionalNumber({n: 1e15}, 'n')).toBe(1e15);
        expect(optionalNumber({n: -1e15}, 'n')).toBe(-1e15);
        expect(optionalNumber({n: 1.0000001e15}, 'n')).toBeNull();
        expect(optionalNumber({n: -1e300}, 'n')).toBeNull();
        expect(optionalNumber({n: NaN}, 'n')).toBeNull();
        expect(optionalNumber({n: Infinity}, 'n')).toBeNull();
    });
});

describe('optionalNumeric()', () => {
    it('reads numeric strings as billing APIs send them, and numbers', () => {
        expect(optionalNumeric({n: '125.5'}, 'n')).toBe(125.5);
        expect(optionalNumeric({n: ' 3 '}, 'n')).toBe(3);
        expect(optionalNumeric({n: '-0.25'}, 'n')).toBe(-0.25);
        expect(optionalNumeric({n: 8}, 'n')).toBe(8);
    });

    it('refuses strings that are not a sane number, the blank one included (Number("") is 0)', () => {
        expect(optionalNumeric({n: ''}, 'n')).toBeNull();
        expect(optionalNumeric({n: '   '}, 'n')).toBeNull();
        expect(optionalNumeric({n: '12 dollars'}, 'n')).toBeNull();
        expect(optionalNumeric({n: 'Infinity'}, 'n')).toBeNull();
        expect(optionalNumeric({n: '1e20'}, 'n')).toBeNull();
        expect(optionalNumeric({n: true}, 'n')).toBeNull();
    });
});

describe('sanePercent() and optionalPercent()', () => {
    it('keeps a percentage, over-use included, up to the most a limit can show', () => {
        expect(sanePercent(42)).toBe(42);
        expect(sanePercent(140)).toBe(140);
        expect(sanePercent(MAX_PERCENT)).toBe(MAX_PERCENT);
    });

    it('reads a negative one as 0 and an impossible one as unknown', () => {
        expect(sanePercent(-0.4)).toBe(0);
        expect(sanePercent(MAX_PERCENT + 0.1)).toBeNull();
        expect(sanePercent(NaN)).toBeNull();
        expect(sanePercent(-Infinity)).toBeNull();
        expect(sanePercent(null)).toBeNull();
    });

    it('reads a JSON number only', () => {
        expect(optionalPercent({p: 55}, 'p')).toBe(55);
        expect(optionalPercent({p: -2}, 'p')).toBe(0);
        expect(optionalPercent({p: 5000}, 'p')).toBeNull();
        expect(optionalPercent({p: '55'}, 'p')).toBeNull();
    });
});

describe('optionalFraction()', () => {
    it('accepts 0 to 1, both ends included, and nothing outside', () => {
        expect(optionalFraction({f: 0}, 'f')).toBe(0);
        expect(optionalFraction({f: 0.35}, 'f')).toBe(0.35);
        expect(optionalFraction({f: 1}, 'f')).toBe(1);
        expect(optionalFraction({f: 1.01}, 'f')).toBeNull();
        expect(optionalFraction({f: -0.01}, 'f')).toBeNull();
        expect(optionalFraction({f: '0.5'}, 'f')).toBeNull();
    });
});

describe('optionalEpochSeconds()', () => {
    it('turns Unix seconds, as a number or a numeric string, into epoch ms', () => {
        expect(optionalEpochSeconds({t: 1_795_000_000}, 't')).toBe(1_795_000_000_000);
        expect(optionalEpochSeconds({t: '1795000000'}, 't')).toBe(1_795_000_000_000);
        expect(optionalEpochSeconds({t: 0}, 't')).toBe(0);
    });

    it('refuses times before 1970 or after the year 9999, and milliseconds sent as seconds', () => {
        expect(optionalEpochSeconds({t: -1}, 't')).toBeNull();
        expect(optionalEpochSeconds({t: Date.UTC(10000, 0, 1) / 1000}, 't')).toBeNull();
        expect(optionalEpochSeconds({t: 1_795_000_000_000}, 't')).toBeNull(); // ms: the year 58 000
        expect(optionalEpochSeconds({t: Date.UTC(9999, 0, 1) / 1000}, 't')).toBe(Date.UTC(9999, 0, 1));
    });

    it('is null when absent or not a number', () => {
        expect(optionalEpochSeconds({}, 't')).toBeNull();
        expect(optionalEpochSeconds({t: 'tomorrow'}, 't')).toBeNull();
    });
});

describe('the other optional readers', () => {
    const obj = {s: 'text', empty: '', b: false, o: {x: 1}, list: ['a', 2, 'b', null], n: 3};

    it('read their own type and return null for anything else', () => {
        expect(optionalString(obj, 's')).toBe('text');
        expect(optionalString(obj, 'empty')).toBeNull();
        expect(optionalString(obj, 'n')).toBeNull();
        expect(optionalBoolean(obj, 'b')).toBeFalse();
        expect(optionalBoolean(obj, 's')).toBeNull();
        expect(optionalObject(obj, 'o')).toEqual({x: 1});
        expect(optionalObject(obj, 'list')).toBeNull();
        expect(optionalObject(obj, 'missing')).toBeNull();
    });

    it('keep the strings of a list and drop the rest; no list is null', () => {
        expect(optionalStringArray(obj, 'list')).toEqual(['a', 'b']);
        expect(optionalStringArray({l: []}, 'l')).toEqual([]);
        expect(optionalStringArray(obj, 's')).toBeNull();
    });
});

describe('parseIsoTime()', () => {
    it('reads ISO-8601 with or without fractional seconds and offset', () => {
        expect(parseIsoTime('2026-11-23T12:00:00Z')).toBe(Date.UTC(2026, 10, 23, 12));
        expect(parseIsoTime('2026-11-23T12:00:00.250Z')).toBe(Date.UTC(2026, 10, 23, 12, 0, 0, 250));
        expect(parseIsoTime('2026-11-23T13:30:00+01:30')).toBe(Date.UTC(2026, 10, 23, 12));
    });

    it('is null for what is not a time, or one a calendar cannot show', () => {
        expect(parseIsoTime('not a time')).toBeNull();
        expect(parseIsoTime('')).toBeNull();
        expect(parseIsoTime(1_795_000_000_000)).toBeNull();
        expect(parseIsoTime(2026)).toBeNull(); // Date.parse(2026) would read the year
        expect(parseIsoTime(null)).toBeNull();
        expect(parseIsoTime('1969-12-31T23:59:59Z')).toBeNull();
        expect(parseIsoTime('+010000-01-01T00:00:00Z')).toBeNull();
    });
});

describe('parseJson()', () => {
    it('parses JSON, JSON null included', () => {
        expect(parseJson('{"a": [1, "x"]}')).toEqual({a: [1, 'x']});
        expect(parseJson('null')).toBeNull();
        expect(parseJson(' 7 ')).toBe(7);
    });

    it('returns undefined for junk, never throwing', () => {
        for (const text of ['', '{', '<html>', '{"a": 1,}', 'undefined', "{'a': 1}", '\u0000'])
            expect(parseJson(text)).withContext(text).toBeUndefined();
    });
});
