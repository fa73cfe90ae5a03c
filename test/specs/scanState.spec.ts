import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {encode} from '../../src/core/logs/byteJson.js';
import {
    Checksum, checksum, loadSavedAnswer, loadState, saveState, stateFingerprint, tailHash, writePrivateFileSync, type ScanState,
} from '../../src/core/logs/scanState.js';
import {UsageStore, newEntryValues} from '../../src/core/logs/usageStore.js';
import {fileMode, listDir, makeTempDir, readFile, writeFile} from '../support/helpers.js';
import {removeTree} from '../support/logLines.js';

const roots = [{source: 'claude' as const, path: '/home/u/.claude/projects'}];

function state(): ScanState {
    const store = new UsageStore();
    store.offer(encode('m1'), {...newEntryValues(), time: Date.UTC(2026, 10, 23), model: 'claude-opus-4-6', output: 9, cost: 0.5, file: 1});
    return {store, counters: {fullScans: 1, restores: 2}, files: new Map([
        ['/a.jsonl', {source: 'claude', identity: '1:2', offset: 10, tail: 7, project: 'p', session: 's', codex: null}],
        ['/b.jsonl', {source: 'codex', identity: '1:3', offset: 20, tail: 8, project: '', session: 'r',
            codex: {model: 'gpt-5', cwd: '/w', totals: {input: 1, cached: 0, output: 2, reasoning: 0, total: 3}}}],
    ])};
}

describe('saved scan state', () => {
    let dir: string;
    let path: string;
    beforeEach(() => {
        dir = makeTempDir();
        path = `${dir}/cache/ai-usage-meter/local-scan-state`;
    });
    afterEach(() => removeTree(dir));

    it('writes synchronously, from parts, the same 0600 file through a temporary of its own, and leaves none when it fails', () => {
        writeFile(`${dir}/state.json`, 'old');
        Gio.File.new_for_path(`${dir}/state.json`).set_attribute_uint32('unix::mode', 0o644, Gio.FileQueryInfoFlags.NONE, null);
        const encoder = new TextEncoder();
        writePrivateFileSync(`${dir}/state.json`, [encoder.encode('{"new"'), encoder.encode(': true}')]);
        expect(readFile(`${dir}/state.json`)).toBe('{"new": true}');
        expect(fileMode(`${dir}/state.json`)).toBe(0o600);
        function* made(): Generator<Uint8Array> {
            yield encoder.encode('{"n":0,');
            yield encoder.encode('"rest": 1}');
        }
        writePrivateFileSync(`${dir}/state.json`, made(), () => encoder.encode('{"n":7,'));
        expect(readFile(`${dir}/state.json`)).toBe('{"n":7,"rest": 1}');
        expect(() => writePrivateFileSync(`${dir}/gone/state.json`, [encoder.encode('{}')])).toThrow();
        expect(listDir(dir)).toEqual(['state.json']);
    });

    it('comes back as it was saved, from a private file', () => {
        const fingerprint = stateFingerprint(roots, '/home/u', null);
        saveState(path, fingerprint, state());
        expect(fileMode(path)).toBe(0o600);
        const back = loadState(path, fingerprint);
        expect(back?.counters).toEqual({fullScans: 1, restores: 2});
        expect([...back?.files ?? []]).toEqual([...state().files]);
        expect(back?.store.toBytes()).toEqual(state().store.toBytes());
    });

    it('comes back with any number of files, however the pieces of its files line fall', () => {
        const fingerprint = stateFingerprint(roots, '/home/u', null);
        // Long and non-ASCII paths fill the writer's 64 KB buffer many times; a 30,000-character
        // project name is larger than it.
        for (const count of [0, 1, 255, 700]) {
            const files = new Map([...Array(count).keys()].map(i => [`/p/${'é'.repeat(i % 3 === 0 ? 300 : 20)}${i}.jsonl`,
                {source: 'claude' as const, identity: `1:${i}`, offset: i, tail: i * 3,
                    project: i === 200 ? 'x'.repeat(30_000) : `p${i % 5}`, session: `s${i}`, codex: null}]));
            saveState(path, fingerprint, {...state(), store: new UsageStore(), files});
            expect([...loadState(path, fingerprint)?.files ?? [['none']]]).toEqual([...files]);
        }
    });

    it('is ignored when the rules, prices or roots differ, or when it is corrupt, old or foreign', () => {
        const fingerprint = stateFingerprint(roots, '/home/u', null);
        saveState(path, fingerprint, state());
        expect(loadState(path, stateFingerprint(roots, '/home/u', '{"my-model":{"input":1,"output":2}}'))).toBeNull();
        expect(loadState(path, stateFingerprint([], '/home/u', null))).toBeNull();
        const [, bytes] = GLib.file_get_contents(path);
        const flipped = new Uint8Array(bytes);
        flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 1;
        GLib.file_set_contents(path, flipped);
        expect(loadState(path, fingerprint)).toBeNull();
        saveState(path, fingerprint, state());
        writeFile(path, readFile(path).replace('"version":2', '"version":1'));
        expect(loadState(path, fingerprint)).toBeNull();
        writeFile(path, '{"format":"something else"}\n');
        expect(loadState(path, fingerprint)).toBeNull();
        expect(loadState(`${dir}/missing`, fingerprint)).toBeNull();
    });

    it('keeps the last answer, read back from the first lines alone, and checked on its own', () => {
        const fingerprint = stateFingerprint(roots, '/home/u', null);
        const answer = {generatedAt: Date.UTC(2026, 10, 23), scanMs: 5, bytesRead: 10, priceTableDate: '2026-11-01', priceErrors: [], sources: []};
        saveState(path, fingerprint, state(), answer);
        expect(loadSavedAnswer(path, fingerprint)).toEqual({answer, counters: {fullScans: 1, restores: 2}});
        expect(loadSavedAnswer(path, stateFingerprint([], '/home/u', null))).toBeNull();
        const [, saved] = GLib.file_get_contents(path);
        const damaged = new Uint8Array(saved);
        const at = new TextDecoder().decode(damaged).indexOf('"scanMs":5') + '"scanMs":'.length; // the answer line is ASCII
        damaged[at] = 0x36; // "6"
        GLib.file_set_contents(path, damaged);
        expect(loadSavedAnswer(path, fingerprint)).toBeNull();
        expect(loadState(path, fingerprint)).not.toBeNull(); // the rest still holds
        saveState(path, fingerprint, state());
        expect(loadSavedAnswer(path, fingerprint)).toBeNull(); // saved without an answer
        expect(loadSavedAnswer(`${dir}/missing`, fingerprint)).toBeNull();
    });

    it('checksums the same bytes alike wherever they lie in memory, and tells one changed bit', () => {
        const bytes = encode('0123456789abcdefghij');
        const shifted = new Uint8Array(bytes.length + 1);
        shifted.set(bytes, 1);
        expect(checksum(shifted.subarray(1))).toBe(checksum(bytes));
        const large = new Uint8Array(200_003).map((_, i) => (i * 7919) & 0xff); // past the scratch used when unaligned
        expect(new Checksum().update(large.subarray(0, 3)).update(large.subarray(3)).digest()).toBe(checksum(large));
        const flipped = bytes.slice();
        flipped[17] = (flipped[17] ?? 0) ^ 4;
        expect(checksum(flipped)).not.toBe(checksum(bytes));
        for (const cut of [1, 3, 4, 7])
            expect(new Checksum().update(bytes.subarray(0, cut)).update(bytes.subarray(cut, cut + 5)).update(bytes.subarray(cut + 5)).digest())
                .toBe(checksum(bytes));
        expect(checksum(encode('abcd'))).not.toBe(checksum(encode('abcd\0')));
    });

    it('puts the stored entries 8-aligned in the file', () => {
        const fingerprint = stateFingerprint(roots, '/home/u', null);
        saveState(path, fingerprint, state(), {generatedAt: 1, scanMs: 0, bytesRead: 0, priceTableDate: '', priceErrors: [], sources: []});
        const [, bytes] = GLib.file_get_contents(path);
        let newlines = 0;
        const storeAt = bytes.findIndex(c => c === 0x0a && ++newlines === 3) + 1;
        expect(storeAt % 8).toBe(0);
        expect(new Uint32Array(bytes.buffer, storeAt, 1)[0]).toBe(0x53_4d_55_41); // the store's magic
    });

    it('hashes the bytes before an offset, so a rewritten file shows', () => {
        const a = encode('{"a":1}\n{"b":2}\n');
        const b = encode('{"a":1}\n{"c":2}\n');
        expect(tailHash(a, a.length)).not.toBe(tailHash(b, b.length));
        expect(tailHash(a, 8)).toBe(tailHash(b, 8));
    });
});
