import GLib from 'gi://GLib';

import {encode} from '../../src/core/logs/byteJson.js';
import {loadState, saveState, stateFingerprint, tailHash, type ScanState} from '../../src/core/logs/scanState.js';
import {UsageStore, newEntryValues} from '../../src/core/logs/usageStore.js';
import {fileMode, makeTempDir, readFile, writeFile} from '../support/helpers.js';
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

    it('comes back as it was saved, from a private file', () => {
        const fingerprint = stateFingerprint(roots, '/home/u', null);
        saveState(path, fingerprint, state());
        expect(fileMode(path)).toBe(0o600);
        const back = loadState(path, fingerprint);
        expect(back?.counters).toEqual({fullScans: 1, restores: 2});
        expect([...back?.files ?? []]).toEqual([...state().files]);
        expect(back?.store.toBytes()).toEqual(state().store.toBytes());
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
        writeFile(path, readFile(path).replace('"version":1', '"version":0'));
        expect(loadState(path, fingerprint)).toBeNull();
        writeFile(path, '{"format":"something else"}\n');
        expect(loadState(path, fingerprint)).toBeNull();
        expect(loadState(`${dir}/missing`, fingerprint)).toBeNull();
    });

    it('hashes the bytes before an offset, so a rewritten file shows', () => {
        const a = encode('{"a":1}\n{"b":2}\n');
        const b = encode('{"a":1}\n{"c":2}\n');
        expect(tailHash(a, a.length)).not.toBe(tailHash(b, b.length));
        expect(tailHash(a, 8)).toBe(tailHash(b, 8));
    });
});
