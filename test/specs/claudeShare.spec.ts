import {mergeShare, parseShare, readShare, serializeShare, splitShares} from '../../src/core/logs/claudeShare.js';
import {UsageStore} from '../../src/core/logs/usageStore.js';
import {PriceList} from '../../src/core/pricing.js';
import {makeTempDir, writeFile} from '../support/helpers.js';
import {assistantLine, removeTree} from '../support/logLines.js';

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
        writeFile(path, [assistantLine({id: 'm1', requestId: 'r1', output: 2}), assistantLine({id: 'm1', requestId: 'r1', output: 90}),
            assistantLine({output: 7})].join('\n') + '\n');
        let collected = 0;
        const result = readShare([{path, offset: 0}, {path: `${dir}/missing.jsonl`, offset: 0}], new PriceList(), () => collected++, 1);
        expect([...result.store.output.subarray(0, result.store.count)]).toEqual([90, 7]);
        expect(result.store.cost[0]).toBeCloseTo((3 * 5 + 90 * 25) / 1e6, 12);
        expect(collected).toBe(1);
        expect(result.read).toEqual([0, 1]);
        expect(result.offsets[1]).toBe(0);
        const back = parseShare(serializeShare(result));
        expect(back?.offsets).toEqual(result.offsets);
        const again = new UsageStore();
        mergeShare(back?.store ?? new UsageStore(), [0, 1], again);
        expect(again.toBytes()).toEqual(result.store.toBytes()); // the bytes read where they lie give the same entries
        expect(parseShare(new TextEncoder().encode('nonsense'))).toBeNull();

        const merged = new UsageStore();
        mergeShare(result.store, [5, 6], merged);
        mergeShare(result.store, [5, 6], merged); // the same responses again: nothing new
        expect(merged.count).toBe(3); // the entry without an id counts each time it is read
        expect(merged.file[0]).toBe(5);

        const without = new UsageStore();
        mergeShare(result.store, [-1, 6], without); // file 0 was read here as well: its entries are left out
        expect(without.count).toBe(0);
    });
});
