// Reading Claude Code transcripts on several cores: a first scan of a large log tree splits the
// files into shares; helper processes (`cli/main.js scan --share`) each read one share and send
// back the entries they kept, which the scanner merges with the same de-duplication rule.
// A GJS process has one JavaScript thread, so processes are how a scan uses a second core.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {readToEnd} from '../files.js';
import {isObject, parseJson} from '../json.js';
import {claudeSize, preferEntry, scanClaudeLines, type ClaudeEntry} from './claudeLog.js';

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
    /** Kept entries and the index of the file each came from. */
    entries: {file: number; entry: ClaudeEntry}[];
}

/**
 * Reads the files of a share from their offsets, keeping per de-duplication key the entry that
 * would win; `collect` is called every `collectEvery` bytes to release mapped files.
 */
export function readShare(files: readonly ShareFile[], collect: () => void, collectEvery: number): ShareResult {
    const kept = new Map<string, {file: number; entry: ClaudeEntry}>();
    const unkeyed: {file: number; entry: ClaudeEntry}[] = [];
    const offsets: number[] = [];
    let sinceCollect = 0;
    files.forEach(({path, offset}, file) => {
        const bytes = mapFile(path);
        if (!bytes || bytes.length <= offset) {
            offsets.push(offset);
            return;
        }
        offsets.push(scanClaudeLines(bytes, offset, bytes.length, entry => {
            if (entry.key === null) {
                unkeyed.push({file, entry});
                return;
            }
            const old = kept.get(entry.key);
            if (!old || preferEntry({sidechain: entry.sidechain, size: claudeSize(entry.tokens)},
                {sidechain: old.entry.sidechain, size: claudeSize(old.entry.tokens)}))
                kept.set(entry.key, {file, entry});
        }));
        sinceCollect += bytes.length - offset;
        if (sinceCollect > collectEvery) {
            sinceCollect = 0;
            collect();
        }
    });
    return {offsets, entries: [...kept.values(), ...unkeyed]};
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

// Rows keep the helper's output compact: about 100 bytes per kept response.
type Row = [number, string | null, number, string, number, number, number, number, number, number | null, 0 | 1, 0 | 1];

export function serializeShare(result: ShareResult): string {
    const rows: Row[] = result.entries.map(({file, entry: e}) => [file, e.key, e.time, e.model, e.tokens.input,
        e.tokens.output, e.tokens.cacheWrite5m, e.tokens.cacheWrite1h, e.tokens.cacheRead, e.costUSD,
        e.sidechain ? 1 : 0, e.tokens.fast ? 1 : 0]);
    return JSON.stringify({offsets: result.offsets, rows});
}

export function parseShare(text: string): ShareResult | null {
    const json = parseJson(text);
    if (!isObject(json) || !Array.isArray(json['offsets']) || !Array.isArray(json['rows']))
        return null;
    const offsets = json['offsets'].filter((o): o is number => typeof o === 'number');
    const entries = (json['rows'] as unknown[]).filter((r): r is Row => Array.isArray(r) && r.length === 12)
        .map(([file, key, time, model, input, output, cacheWrite5m, cacheWrite1h, cacheRead, costUSD, sidechain, fast]) => ({
            file,
            entry: {key, time, model, costUSD, sidechain: sidechain === 1,
                tokens: {input, output, cacheWrite5m, cacheWrite1h, cacheRead, fast: fast === 1}},
        }));
    return {offsets, entries};
}

/**
 * Starts a helper on a share. The share is written before this returns (the caller then reads
 * its own share synchronously, with no main loop running); the promise gives the result, or
 * null when the helper failed (the caller then reads the share itself).
 */
export function readShareInHelper(argv: readonly string[], files: readonly ShareFile[],
    cancellable: Gio.Cancellable | null): Promise<ShareResult | null> {
    let helper: Gio.Subprocess;
    try {
        helper = Gio.Subprocess.new([...argv], Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const stdin = helper.get_stdin_pipe();
        stdin?.write_all(new TextEncoder().encode(JSON.stringify(files)), null);
        stdin?.close(null);
    } catch {
        return Promise.resolve(null);
    }
    const stdout = helper.get_stdout_pipe();
    if (!stdout)
        return Promise.resolve(null);
    return readToEnd(stdout, cancellable)
        .then(async output => await helper.wait_check_async(cancellable) ? parseShare(new TextDecoder().decode(output)) : null)
        .catch(() => null);
}
