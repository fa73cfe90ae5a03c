import {ShareReader, readShare, splitShares, writeShare, type ShareResult} from '../../src/core/logs/claudeShare.js';
import {MemoryBudget} from '../../src/core/logs/memoryBudget.js';
import {UsageStore} from '../../src/core/logs/usageStore.js';
import {PriceList} from '../../src/core/pricing.js';
import {makeTempDir, writeFile} from '../support/helpers.js';
import {assistantLine, removeTree} from '../support/logLines.js';

/** The share as the helper writes it, cut into pieces of `size` bytes. */
function pieces(result: ShareResult, size: number): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    writeShare(result, bytes => chunks.push(bytes.slice()));
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((at, c) => (all.set(c, at), at + c.length), 0);
    return Array.from({length: Math.ceil(all.length / size)}, (_, k) => all.subarray(k * size, (k + 1) * size));
}

/** Reads pieces into `store`, the request's files mapped to `fileIds`. */
function merge(chunks: readonly Uint8Array[], fileIds: number[], store: UsageStore): ShareReader {
    const reader = new ShareReader({store, fileIds: () => fileIds});
    chunks.forEach(chunk => reader.push(chunk));
    reader.end();
    return reader;
}

describe('shares of a scan on several cores', () => {
    let dir: string;
    beforeEach(() => {
        dir = makeTempDir();
    });
    afterEach(() => removeTree(dir));

    it('splits files into shares of about equal size', () => {
        const bytes = (shares: {bytes: number}[][]): number[] => shares.map(s => s.reduce((n, f) => n + f.bytes, 0));
        expect(bytes(splitShares([{bytes: 10}, {bytes: 7}, {bytes: 5}, {bytes: 4}, {bytes: 3}], [1, 1]))).toEqual([14, 15]);
        expect(bytes(splitShares([{bytes: 6}, {bytes: 6}, {bytes: 6}], [2, 1]))).toEqual([12, 6]);
    });

    it('reads a share with de-duplication and prices, survives a round trip as bytes, and merges', () => {
        const path = `${dir}/s.jsonl`;
        const text = [assistantLine({id: 'm1', requestId: 'r1', output: 2}), assistantLine({id: 'm1', requestId: 'r1', output: 90}),
            assistantLine({output: 7})].join('\n') + '\n';
        writeFile(path, text);
        let collected = 0;
        const memory = new MemoryBudget({collect: () => collected++, budgetBytes: 0, fixedRoomBytes: 1});
        const result = readShare([{path, offset: 0, size: text.length}, {path: `${dir}/missing.jsonl`, offset: 0, size: 0}], new PriceList(), memory);
        expect([0, 1].map(e => result.store.output.get(e))).toEqual([90, 7]);
        expect(result.store.count).toBe(2);
        expect(result.store.cost.get(0)).toBeCloseTo((3 * 5 + 90 * 25) / 1e6, 12);
        expect(collected).toBe(1); // before the second file: the first filled the room
        expect(result.read).toEqual([0, 1]);
        expect(result.offsets[1]).toBe(0);
        for (const size of [1, 7, 64, 1 << 20]) { // split anywhere, even inside a record
            const again = new UsageStore();
            const reader = merge(pieces(result, size), [0, 1], again);
            expect(reader.head?.offsets).toEqual(result.offsets);
            expect(reader.head?.read).toEqual([0, 1]);
            expect(again.toBytes()).toEqual(result.store.toBytes());
        }

        const merged = new UsageStore();
        merge(pieces(result, 64), [5, 6], merged);
        merge(pieces(result, 64), [5, 6], merged); // the same responses again: nothing new
        expect(merged.count).toBe(3); // the entry without an id counts each time it is read
        expect(merged.file.get(0)).toBe(5);

        const without = new UsageStore();
        expect(merge(pieces(result, 64), [-1, 6], without).merged).toBe(0); // file 0 was read here as well: left out
        expect(without.count).toBe(0);
    });

    it('has no head for a stream that is cut short, damaged or not a share, and counts what it merged', () => {
        const path = `${dir}/s.jsonl`;
        writeFile(path, [assistantLine({id: 'm1', requestId: 'r1'}), assistantLine({id: 'm2', requestId: 'r2'})].join('\n') + '\n');
        const chunks = pieces(readShare([{path, offset: 0, size: 0}], new PriceList(), MemoryBudget.unlimited()), 1 << 20);
        const whole = chunks[0] ?? new Uint8Array(0);
        const cut = merge([whole.subarray(0, whole.length - 3)], [0], new UsageStore());
        expect(cut.head).toBeNull();
        expect(cut.merged).toBe(1); // the first record was complete
        const longer = new Uint8Array(whole.length + 1);
        longer.set(whole);
        expect(merge([longer], [0], new UsageStore()).head).toBeNull(); // a byte after the last record
        const otherFile = merge([whole], [], new UsageStore()); // a file index the request did not have
        expect([otherFile.head, otherFile.merged]).toEqual([null, 0]);
        expect(merge([new TextEncoder().encode('nonsense\n')], [0], new UsageStore()).head).toBeNull();
        expect(merge([new TextEncoder().encode('{"read":[]')], [0], new UsageStore()).head).toBeNull(); // no end of line
    });
});
