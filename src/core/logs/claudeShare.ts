// Reading Claude Code transcripts into the store, here or on another core: a first scan of a
// large log tree hands files to helper processes (`cli/main.js scan --share`), which read them
// into a store of their own and send it back as bytes; the scanner merges it with the same
// de-duplication rule. A GJS process has one JavaScript thread, so processes are how a scan
// uses a second core.
//
// A helper needs a few hundred milliseconds to start, and its speed is not known in advance,
// so the first helper's files are not a fixed half: this process reads them from the front
// while the helper reads them from the back, until the two meet. Each side tells the other
// which file it is about to start (one line per file on the pipes, written without blocking).
// When both happened to take the same file, this process keeps its own reading of it and
// drops the helper's, so nothing is counted twice.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {readToEnd} from '../files.js';
import {isObject} from '../json.js';
import type {PriceList} from '../pricing.js';
import {scanClaudeLines} from './claudeLog.js';
import {tailHash} from './scanState.js';
import {SIDECHAIN, StoredEntries, UsageStore, newEntryValues, type EntrySource, type EntryValues} from './usageStore.js';

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

export interface ShareResult<Entries extends EntrySource = EntrySource> {
    /** The files read, by their index in the request. */
    read: number[];
    /** Where the next read of each file read starts (in the order of `read`). */
    offsets: number[];
    /** The tail hash at each new offset (see scanState). */
    tails: number[];
    /** The kept entries; `file` is the index in the request. */
    store: Entries;
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
 * Reads files of a share from their offsets into a store of its own, in the order `next`
 * gives (an index, or -1 to stop; by default all, front to back); `collect` is called every
 * `collectEvery` bytes to release mapped files.
 */
export function readShare(files: readonly ShareFile[], prices: PriceList, collect: () => void, collectEvery: number,
    next?: () => number): ShareResult<UsageStore> {
    const store = new UsageStore();
    const result: ShareResult<UsageStore> = {read: [], offsets: [], tails: [], store};
    let sinceCollect = 0;
    let front = 0;
    const nextFile = next ?? ((): number => front < files.length ? front++ : -1);
    for (let file = nextFile(); file >= 0; file = nextFile()) {
        const request = files[file];
        if (!request)
            break;
        const bytes = mapFile(request.path);
        const offset = request.offset;
        const after = bytes && bytes.length > offset ? readClaudeFile(bytes, offset, file, prices, store) : offset;
        result.read.push(file);
        result.offsets.push(after);
        result.tails.push(bytes ? tailHash(bytes, after) : 0);
        sinceCollect += (bytes?.length ?? offset) - offset;
        if (sinceCollect > collectEvery) {
            sinceCollect = 0;
            collect();
        }
    }
    return result;
}

/**
 * Merges a share's entries into `store`, their file indexes mapped by `fileIds`; entries of
 * files mapped to -1 (read here as well) are left out.
 */
export function mergeShare(share: EntrySource, fileIds: readonly number[], store: UsageStore): void {
    const values = newEntryValues();
    for (let e = 0; e < share.count; e++) {
        share.read(e, values);
        const file = fileIds[values.file] ?? -1;
        if (file < 0)
            continue;
        values.file = file;
        store.offer(share.key(e), values);
    }
}

/**
 * Splits files into shares whose bytes to read are about in proportion to `weights` (largest
 * file first, to the share furthest below its part).
 */
export function splitShares<T extends {bytes: number}>(files: readonly T[], weights: readonly number[]): T[][] {
    const shares = weights.map(weight => ({weight, bytes: 0, files: [] as T[]}));
    for (const file of [...files].sort((a, b) => b.bytes - a.bytes)) {
        const lightest = shares.reduce((a, b) => b.bytes / b.weight < a.bytes / a.weight ? b : a);
        lightest.files.push(file);
        lightest.bytes += file.bytes;
    }
    return shares.map(s => s.files);
}

/** Ends the helper's progress lines; the result follows. */
const RESULT_FOLLOWS = '=';

/** A share's result as bytes: a JSON line (files read, offsets and tails), then the store. */
export function serializeShare(result: ShareResult<UsageStore>): Uint8Array {
    // The line is padded with spaces so that the store after it starts 8-aligned: it is then
    // read where it lies, not copied first.
    const text = new TextEncoder().encode(JSON.stringify({read: result.read, offsets: result.offsets, tails: result.tails}));
    const head = new Uint8Array(Math.ceil((text.length + 1) / 8) * 8).fill(0x20);
    head.set(text);
    head[head.length - 1] = 0x0a;
    const store = result.store.toParts();
    const out = new Uint8Array(head.length + store.reduce((n, part) => n + part.length, 0));
    out.set(head);
    let at = head.length;
    for (const part of store) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}

export function parseShare(data: Uint8Array): ShareResult<StoredEntries> | null {
    const newline = data.indexOf(0x0a);
    let head: unknown;
    try {
        head = JSON.parse(new TextDecoder().decode(data.subarray(0, Math.max(0, newline))));
    } catch {
        return null;
    }
    const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every(n => typeof n === 'number');
    const store = StoredEntries.parse(data.subarray(newline + 1));
    if (!isObject(head) || !numbers(head['read']) || !numbers(head['offsets']) || !numbers(head['tails']) || !store ||
        head['offsets'].length !== head['read'].length || head['tails'].length !== head['read'].length)
        return null;
    return {read: head['read'], offsets: head['offsets'], tails: head['tails'], store};
}

/** What a helper is asked to read: the files, and the user's price file (so it prices as we do). */
export interface ShareRequest {
    files: ShareFile[];
    pricesText: string | null;
    /** Read from the last file backwards, stopping before the files this process said it took. */
    fromBack: boolean;
}

/** Complete lines out of a byte stream that arrives in pieces (split anywhere, even inside a character). */
export class LineBuffer {
    private _partial: Uint8Array = new Uint8Array(0);
    private readonly _decoder = new TextDecoder();

    /** Adds bytes; returns the lines they completed. */
    push(bytes: Uint8Array): string[] {
        const lines: string[] = [];
        let start = 0;
        for (let newline = bytes.indexOf(0x0a); newline >= 0; newline = bytes.indexOf(0x0a, start)) {
            const piece = bytes.subarray(start, newline);
            const line = this._partial.length > 0 ? concat([this._partial, piece]) : piece;
            this._partial = new Uint8Array(0);
            lines.push(this._decoder.decode(line));
            start = newline + 1;
        }
        if (start < bytes.length)
            this._partial = concat([this._partial, bytes.subarray(start)]);
        return lines;
    }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.length;
    }
    return out;
}

type Pollable = Gio.PollableInputStream & Gio.InputStream;
type PollableOut = Gio.PollableOutputStream & Gio.OutputStream;
/** A pipe takes a write of this size without blocking whenever it polls writable. */
const PIPE_ATOMIC = 4096;

/**
 * A helper process reading a share. Everything it is sent — the request, then (for a share read
 * from both ends) the index of each file this process starts — is written only as far as the
 * pipe takes it without blocking: this process never waits for the helper to start up.
 */
export class ShareHelper {
    readonly files: readonly ShareFile[];
    /** The lowest index the helper said it started (files.length before it started any). */
    helperFrom: number;
    private readonly _process: Gio.Subprocess;
    private readonly _stdin: PollableOut;
    private readonly _stdout: Pollable;
    private _unsent: Uint8Array;
    private readonly _progress = new LineBuffer();
    /** The helper's output after its progress lines, once they ended. */
    private readonly _output: Uint8Array[] = [];
    private _progressEnded = false;
    /** The helper's output ended: it exited. */
    private _gone = false;

    /** Starts a helper; throws when it cannot be started. */
    constructor(argv: readonly string[], request: ShareRequest) {
        this.files = request.files;
        this.helperFrom = request.files.length;
        this._process = Gio.Subprocess.new([...argv], Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const stdin = this._process.get_stdin_pipe();
        const stdout = this._process.get_stdout_pipe();
        if (!stdin || !stdout)
            throw new Error('no pipes to the helper');
        this._stdin = stdin as PollableOut;
        this._stdout = stdout as Pollable;
        this._unsent = new TextEncoder().encode(`${JSON.stringify(request)}\n`);
        this.pump();
    }

    /**
     * Reads what the helper said so far and writes what the pipe takes now. Never blocks.
     * Nothing is written once the helper stopped listening (its output ended, or its progress
     * did): a write to a pipe nobody reads would end this process (SIGPIPE).
     */
    pump(): void {
        try {
            while (!this._progressEnded && !this._gone && this._stdout.is_readable()) {
                const chunk = this._stdout.read_bytes(PIPE_ATOMIC, null).toArray();
                this._gone = chunk.length === 0;
                this._take(chunk);
            }
            while (this._listening && this._unsent.length > 0 && this._stdin.is_writable()) {
                const written = this._stdin.write_nonblocking(this._unsent.subarray(0, PIPE_ATOMIC), null);
                this._unsent = this._unsent.subarray(written);
            }
        } catch {
            this._gone = true; // a helper that failed shows in finish(); this process reads on alone
        }
    }

    /** The helper may still read what it is sent. */
    private get _listening(): boolean {
        return !this._gone && !this._progressEnded;
    }

    private _take(chunk: Uint8Array): void {
        if (this._progressEnded) {
            this._output.push(chunk);
            return;
        }
        // Progress lines are short ASCII; the result after them is bytes.
        const end = chunk.indexOf(RESULT_FOLLOWS.charCodeAt(0));
        const progress = end < 0 ? chunk : chunk.subarray(0, end);
        for (const line of this._progress.push(progress)) {
            const index = Number(line);
            if (Number.isInteger(index))
                this.helperFrom = Math.min(this.helperFrom, index);
        }
        if (end >= 0) {
            this._progressEnded = true;
            this._output.push(chunk.subarray(end + 1)); // its newline is dropped in finish()
        }
    }

    /** Tells the helper that this process takes file `index` (it will not start it, nor any before it). */
    take(index: number): void {
        const line = new TextEncoder().encode(`${index}\n`);
        this._unsent = concat([this._unsent, line]);
        this.pump();
    }

    /**
     * Sends the rest, then waits for the helper's result; null when it failed. The helper's
     * input is closed only after that: a helper takes its input closing for this process's end
     * (killed) and stops at once (see serveShare).
     */
    async finish(cancellable: Gio.Cancellable | null): Promise<ShareResult<StoredEntries> | null> {
        try {
            this.pump();
            if (this._listening)
                this._stdin.write_all(this._unsent, null);
            const rest = await readToEnd(this._stdout, cancellable);
            if (!await this._process.wait_check_async(cancellable))
                return null;
            this._take(rest);
            if (!this._progressEnded)
                return null;
            // One copy, without the newline after "=": the result then starts at offset 0 (aligned).
            const pieces = this._output.filter(chunk => chunk.length > 0);
            if (pieces[0]?.[0] === 0x0a)
                pieces[0] = pieces[0].subarray(1);
            return parseShare(concat(pieces));
        } catch {
            return null;
        } finally {
            try {
                this._stdin.close(null);
            } catch {
                // closed with the helper already
            }
        }
    }
}

/**
 * The helper's side (`scan --share`): reads the request line, then the files — from the back,
 * telling which file it starts before each, and stopping before any file the other process
 * took, when the request says so — and writes the progress lines, "=", and the result. Its
 * input ending before that means the other process is gone (a worker killed by the Shell's
 * watchdog, even with SIGKILL): the helper stops before its next file instead of reading on
 * for nobody.
 */
export async function serveShare(stdin: Gio.InputStream, stdout: Gio.OutputStream, prices: (pricesText: string | null) => PriceList,
    collect: () => void, collectEvery: number): Promise<void> {
    const lines = new LineBuffer();
    let pending: string[] = [];
    while (pending.length === 0) {
        const chunk = (await stdin.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, null)).toArray();
        if (chunk.length === 0)
            return;
        pending = lines.push(chunk);
    }
    const json: unknown = JSON.parse(pending.shift() ?? '');
    const files = isObject(json) && Array.isArray(json['files']) ? json['files'].filter((f): f is ShareFile => isObject(f) &&
        typeof f['path'] === 'string' && typeof f['offset'] === 'number') : [];
    const pricesText = isObject(json) && typeof json['pricesText'] === 'string' ? json['pricesText'] : null;
    const fromBack = isObject(json) && json['fromBack'] === true;
    const encoder = new TextEncoder();
    let otherTook = -1;
    /** The other process's end of our input: open while it lives. */
    const input = {stream: stdin as Pollable, ended: false};
    const heard = (line: string): void => {
        const index = Number(line);
        if (Number.isInteger(index))
            otherTook = Math.max(otherTook, index);
    };
    pending.forEach(heard);
    let front = 0;
    let back = files.length;
    const next = (): number => {
        while (!input.ended && input.stream.is_readable()) {
            const chunk = input.stream.read_bytes(PIPE_ATOMIC, null).toArray();
            input.ended = chunk.length === 0;
            lines.push(chunk).forEach(heard);
        }
        if (input.ended)
            return -1;
        if (!fromBack)
            return front < files.length ? front++ : -1;
        back--;
        if (back <= otherTook)
            return -1;
        stdout.write_all(encoder.encode(`${back}\n`), null);
        stdout.flush(null);
        return back;
    };
    const result = readShare(files, prices(pricesText), collect, collectEvery, next);
    if (input.ended)
        return; // nobody is left to read the result
    stdout.write_all(encoder.encode(`${RESULT_FOLLOWS}\n`), null);
    stdout.write_all(serializeShare(result), null);
    stdout.flush(null);
}
