// Reading Claude Code transcripts into the store, here or on another core: a first scan of a
// large log tree splits the files into shares; helper processes (`cli/main.js scan --share`)
// each read one share into a store of their own and send it back as bytes, which the scanner
// merges with the same de-duplication rule. A GJS process has one JavaScript thread, so
// processes are how a scan uses a second core.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {readToEnd} from '../files.js';
import {isObject} from '../json.js';
import type {PriceList} from '../pricing.js';
import {scanClaudeLines} from './claudeLog.js';
import {tailHash} from './scanState.js';
import {SIDECHAIN, UsageStore, newEntryValues, type EntryValues} from './usageStore.js';

Gio._promisify(Gio.Subprocess.prototype, 'wait_check_async', 'wait_check_finish');

/** The contents of a file, mapped (not copied); null when it vanished. Synchronous: subprocesses only. */
export function mapFile(path: string): Uint8Array | null {
    try {
        return GLib.MappedFile.new(path, false).get_bytes().toArray();
    } catch {
        return null;
    }
}

export interface ShareFile {
    path: string;
    offset: number;
}

export interface ShareResult {
    /** Where the next read of each file starts, in the order of the request. */
    offsets: number[];
    /** The tail hash at each new offset (see scanState). */
    tails: number[];
    /** The kept entries; `file` is the index in the request. */
    store: UsageStore;
}

/**
 * Reads a Claude file from `offset` into the store (entries get `file` as their file index);
 * returns the next offset.
 */
export function readClaudeFile(bytes: Uint8Array, offset: number, file: number, prices: PriceList, store: UsageStore): number {
    const values: EntryValues = newEntryValues();
    const tokens = {input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, fast: false};
    values.file = file;
    return scanClaudeLines(bytes, offset, bytes.length, line => {
        tokens.input = values.input = line.input;
        tokens.output = values.output = line.output;
        tokens.cacheWrite5m = line.cacheWrite5m;
        tokens.cacheWrite1h = line.cacheWrite1h;
        tokens.cacheRead = values.cacheRead = line.cacheRead;
        tokens.fast = line.fast;
        values.cacheWrite = line.cacheWrite5m + line.cacheWrite1h;
        values.time = line.time;
        values.model = line.model;
        values.flags = line.sidechain ? SIDECHAIN : 0;
        values.cost = line.costUSD ?? prices.claudeCost(line.model, tokens) ?? Number.NaN;
        store.offer(line.key, values);
    });
}

/**
 * Reads the files of a share from their offsets into a store of its own; `collect` is called
 * every `collectEvery` bytes to release mapped files.
 */
export function readShare(files: readonly ShareFile[], prices: PriceList, collect: () => void, collectEvery: number): ShareResult {
    const store = new UsageStore();
    const offsets: number[] = [];
    const tails: number[] = [];
    let sinceCollect = 0;
    files.forEach(({path, offset}, file) => {
        const bytes = mapFile(path);
        const next = bytes && bytes.length > offset ? readClaudeFile(bytes, offset, file, prices, store) : offset;
        offsets.push(next);
        tails.push(bytes ? tailHash(bytes, next) : 0);
        sinceCollect += (bytes?.length ?? offset) - offset;
        if (sinceCollect > collectEvery) {
            sinceCollect = 0;
            collect();
        }
    });
    return {offsets, tails, store};
}

/** Merges a share's entries into `store`, their file indexes mapped by `fileIds`. */
export function mergeShare(share: UsageStore, fileIds: readonly number[], store: UsageStore): void {
    const values = newEntryValues();
    for (let e = 0; e < share.count; e++) {
        share.read(e, values);
        values.file = fileIds[values.file] ?? 0;
        store.offer(share.key(e), values);
    }
}

/** Splits files into `count` shares of about equal bytes to read (largest first, to the lightest share). */
export function splitShares<T extends {bytes: number}>(files: readonly T[], count: number): T[][] {
    const shares = Array.from({length: count}, () => ({bytes: 0, files: [] as T[]}));
    for (const file of [...files].sort((a, b) => b.bytes - a.bytes)) {
        const lightest = shares.reduce((a, b) => b.bytes < a.bytes ? b : a);
        lightest.files.push(file);
        lightest.bytes += file.bytes;
    }
    return shares.map(s => s.files);
}

/** A share's result as bytes: a JSON line (offsets and tails), then the store. */
export function serializeShare(result: ShareResult): Uint8Array {
    const head = new TextEncoder().encode(`${JSON.stringify({offsets: result.offsets, tails: result.tails})}\n`);
    const store = result.store.toBytes();
    const out = new Uint8Array(head.length + store.length);
    out.set(head);
    out.set(store, head.length);
    return out;
}

export function parseShare(data: Uint8Array): ShareResult | null {
    const newline = data.indexOf(0x0a);
    let head: unknown;
    try {
        head = JSON.parse(new TextDecoder().decode(data.subarray(0, Math.max(0, newline))));
    } catch {
        return null;
    }
    const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every(n => typeof n === 'number');
    const store = UsageStore.fromBytes(data.subarray(newline + 1));
    if (!isObject(head) || !numbers(head['offsets']) || !numbers(head['tails']) || !store)
        return null;
    return {offsets: head['offsets'], tails: head['tails'], store};
}

/** What a helper is asked to read: the files, and the user's price file (so it prices as we do). */
export interface ShareRequest {
    files: ShareFile[];
    pricesText: string | null;
}

/**
 * Starts a helper on a share. The request is written before this returns (the caller then
 * reads its own share synchronously, with no main loop running); the promise gives the result,
 * or null when the helper failed (the caller then reads the share itself).
 */
export function readShareInHelper(argv: readonly string[], request: ShareRequest,
    cancellable: Gio.Cancellable | null): Promise<ShareResult | null> {
    let helper: Gio.Subprocess;
    try {
        helper = Gio.Subprocess.new([...argv], Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const stdin = helper.get_stdin_pipe();
        stdin?.write_all(new TextEncoder().encode(JSON.stringify(request)), null);
        stdin?.close(null);
    } catch {
        return Promise.resolve(null);
    }
    const stdout = helper.get_stdout_pipe();
    if (!stdout)
        return Promise.resolve(null);
    return readToEnd(stdout, cancellable)
        .then(async output => await helper.wait_check_async(cancellable) ? parseShare(output) : null)
        .catch(() => null);
}
