import {encode} from '../../src/core/logs/byteJson.js';
import {CODEX, SIDECHAIN, UsageStore, newEntryValues, preferEntry, type EntryValues} from '../../src/core/logs/usageStore.js';

const T0 = Date.UTC(2026, 10, 23, 10);

function values(o: Partial<EntryValues>): EntryValues {
    return {...newEntryValues(), time: T0, model: 'claude-opus-4-6', cost: 1, ...o};
}

describe('the entry store', () => {
    it('prefers the main copy, then the copy with the most tokens (the final streamed chunk)', () => {
        expect(preferEntry(false, 11, false, 10)).toBeTrue();
        expect(preferEntry(false, 10, false, 10)).toBeFalse();
        expect(preferEntry(true, 1000, false, 10)).toBeFalse();
        expect(preferEntry(false, 10, true, 1000)).toBeTrue();
    });

    it('keeps one entry per key, replacing it with a better copy, and every entry without a key', () => {
        const store = new UsageStore();
        expect(store.offer(encode('m1\u0000r1'), values({output: 2}))).toBeTrue();
        expect(store.offer(encode('m1\u0000r1'), values({output: 90, file: 3}))).toBeTrue();
        expect(store.offer(encode('m1\u0000r1'), values({output: 50}))).toBeFalse();
        expect(store.offer(encode('m1\u0000r1'), values({output: 500, flags: SIDECHAIN}))).toBeFalse();
        expect(store.offer(null, values({output: 7}))).toBeTrue();
        expect(store.offer(null, values({output: 7}))).toBeTrue();
        expect(store.count).toBe(3);
        expect([0, 1, 2].map(e => store.output.get(e))).toEqual([90, 7, 7]);
        expect(store.file.get(0)).toBe(3);
    });

    it('keeps the first copy of a Codex event, and keeps Codex and Claude keys apart', () => {
        const store = new UsageStore();
        store.offer(encode('k'), values({flags: CODEX, output: 1}));
        expect(store.offer(encode('k'), values({flags: CODEX, output: 9}))).toBeFalse();
        expect(store.offer(encode('k'), values({output: 9}))).toBeTrue();
        expect(store.count).toBe(2);
    });

    it('grows block by block, finds every key again, and says which days changed', () => {
        const store = new UsageStore();
        for (let i = 0; i < 10_000; i++)
            store.offer(encode(`msg_${i}`), values({time: T0 + i * 30_000, output: 1}));
        for (let i = 0; i < 10_000; i += 7)
            store.offer(encode(`msg_${i}`), values({time: T0, output: 2}));
        expect(store.count).toBe(10_000);
        let output = 0;
        for (let e = 0; e < store.count; e++)
            output += store.output.get(e);
        expect(output).toBe(10_000 + Math.ceil(10_000 / 7));
        expect([...store.takeTouchedDays()].sort()).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26']);
        expect(store.takeTouchedDays().size).toBe(0);
    });

    it('puts each key whole into one block of its arena, also across a round trip through bytes', () => {
        const store = new UsageStore();
        // 1000-byte keys: the 66th no longer fits in the first 64 KB block and starts the next.
        const keyOf = (i: number): Uint8Array => encode(`msg_${i}_`.padEnd(1000, String.fromCharCode(97 + i % 26)));
        for (let i = 0; i < 200; i++)
            store.offer(keyOf(i), values({output: i}));
        const back = UsageStore.fromBytes(store.toBytes());
        for (const s of [store, back]) {
            for (let i = 0; i < 200; i++) {
                expect(s?.key(i)).toEqual(keyOf(i));
                expect(s?.offer(keyOf(i), values({output: 0}))).toBeFalse();
            }
        }
        expect(back?.toBytes()).toEqual(store.toBytes());
    });

    it('survives a round trip through bytes, and refuses bytes that are not a store', () => {
        const store = new UsageStore();
        store.offer(encode('m1'), values({output: 5, cost: Number.NaN, model: 'mystery'}));
        store.offer(null, values({output: 6, flags: SIDECHAIN}));
        const back = UsageStore.fromBytes(store.toBytes());
        expect(back?.toBytes()).toEqual(store.toBytes());
        expect(back?.offer(encode('m1'), values({output: 1}))).toBeFalse();
        expect(back?.models).toEqual(['mystery', 'claude-opus-4-6']);
        expect(UsageStore.fromBytes(store.toBytes().subarray(0, 40))).toBeNull();
        expect(UsageStore.fromBytes(encode('not a store at all, no'))).toBeNull();
    });
});
