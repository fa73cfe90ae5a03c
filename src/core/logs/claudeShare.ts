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
//
// The helper's entries come back as a stream of records, merged one by one as they arrive:
// holding the helper's whole store as bytes (and a copy to align it) took a third of this
// process's peak memory.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {concatBytes} from '../files.js';
import {isObject} from '../json.js';
import type {PriceList} from '../pricing.js';
import {scanClaudeLines} from './claudeLog.js';
import type {MemoryBudget} from './memoryBudget.js';
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
    /** The size listed (the bytes from `offset` to it are read). */
    size: number;
}

/** What a helper tells about the files it read, before its entries. */
export interface ShareHead {
    /** The files read, by their index in the request. */
    read: number[];
    /** Where the next read of each file read starts (in the order of `read`). */
    offsets: number[];
    /** The tail hash at each new offset (see scanState). */
    tails: number[];
}

export interface ShareResult extends ShareHead {
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
 * Reads files of a share from their offsets into a store of its own, in the order `next`
 * gives (an index, or -1 to stop; by default all, front to back); `memory` says when to
 * release mapped files.
 */
export function readShare(files: readonly ShareFile[], prices: PriceList, memory: MemoryBudget, next?: () => number): ShareResult {
    const store = new UsageStore();
    const result: ShareResult = {read: [], offsets: [], tails: [], store};
    let front = 0;
    const nextFile = next ?? ((): number => front < files.length ? front++ : -1);
    for (let file = nextFile(); file >= 0; file = nextFile()) {
        const request = files[file];
        if (!request)
            break;
        const offset = request.offset;
        memory.take(request.size - offset);
        const bytes = mapFile(request.path);
        const after = bytes && bytes.length > offset ? readClaudeFile(bytes, offset, file, prices, store) : offset;
        result.read.push(file);
        result.offsets.push(after);
        result.tails.push(bytes ? tailHash(bytes, after) : 0);
    }
    return result;
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

/**
 * A record: the six numbers of an entry (8 bytes each), its file index (4), model index (2),
 * key length (2) and flags (1), little-endian; then the key's bytes.
 */
const RECORD = 57;
/** Records are written in batches of about this size. */
const BATCH = 1 << 17;

/**
 * Writes a share's result to `write`: a JSON line (files read, offsets, tails, the model names,
 * the number of entries), then one record per entry, in batches.
 */
export function writeShare(result: ShareResult, write: (bytes: Uint8Array) => void): void {
    const store = result.store;
    write(new TextEncoder().encode(`${JSON.stringify({read: result.read, offsets: result.offsets, tails: result.tails,
        models: store.models, count: store.count})}\n`));
    // A key is at most 0xffff bytes (see UsageStore.offer): any record fits in a batch.
    const batch = new Uint8Array(BATCH);
    const view = new DataView(batch.buffer);
    const values = newEntryValues();
    let at = 0;
    for (let e = 0; e < store.count; e++) {
        const key = store.key(e) ?? new Uint8Array(0);
        if (at + RECORD + key.length > BATCH) {
            write(batch.subarray(0, at));
            at = 0;
        }
        store.read(e, values);
        view.setFloat64(at, values.time, true);
        view.setFloat64(at + 8, values.input, true);
        view.setFloat64(at + 16, values.output, true);
        view.setFloat64(at + 24, values.cacheWrite, true);
        view.setFloat64(at + 32, values.cacheRead, true);
        view.setFloat64(at + 40, values.cost, true);
        view.setInt32(at + 48, values.file, true);
        view.setUint16(at + 52, store.model.get(e), true);
        view.setUint16(at + 54, key.length, true);
        view.setUint8(at + 56, values.flags);
        batch.set(key, at + RECORD);
        at += RECORD + key.length;
    }
    if (at > 0)
        write(batch.subarray(0, at));
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** Where a share's entries go: the store, and the store's file index for each file of the request (-1: leave out). */
export interface ShareSink {
    store: UsageStore;
    fileIds: (head: ShareHead) => readonly number[];
}

/**
 * Reads what writeShare wrote, in pieces split anywhere, offering each entry to the sink's
 * store as soon as its record is complete. `head` is set once the stream was complete and
 * valid; `merged` counts the entries already offered (a broken stream may have merged some).
 */
export class ShareReader {
    head: ShareHead | null = null;
    merged = 0;
    private _started: ShareHead | null = null;
    private _models: string[] = [];
    private _fileIds: readonly number[] = [];
    private _left = 0;
    private _broken = false;
    private _partial: Uint8Array = new Uint8Array(0);
    private readonly _values = newEntryValues();

    constructor(private readonly _sink: ShareSink) {}

    push(chunk: Uint8Array): void {
        if (this._broken || chunk.length === 0)
            return;
        let at = 0;
        // A record split between pieces is completed from the first bytes of this one (at most
        // one record is copied); a head line split so is joined whole (once per stream).
        while (this._partial.length > 0 && at < chunk.length) {
            const take = Math.min(this._started ? this._missing(this._partial) : chunk.length, chunk.length - at);
            const joined = concatBytes([this._partial, chunk.subarray(at, at + take)]);
            at += take;
            const used = this._consume(joined);
            if (used < 0)
                return;
            this._partial = joined.subarray(used);
        }
        if (at < chunk.length) {
            const rest = chunk.subarray(at);
            const used = this._consume(rest);
            if (used >= 0)
                this._partial = rest.slice(used);
        }
    }

    /** How many more bytes the record begun in `partial` needs. */
    private _missing(partial: Uint8Array): number {
        if (partial.length < RECORD)
            return RECORD - partial.length;
        const keyLength = (partial[54] ?? 0) | (partial[55] ?? 0) << 8;
        return Math.max(0, RECORD + keyLength - partial.length);
    }

    /** The stream is not a share: nothing more of it is read. */
    private _fail(): number {
        this._broken = true;
        this._partial = new Uint8Array(0);
        return -1;
    }

    /**
     * Reads the head line (once) and the complete records of `data`; returns the index after
     * the last one read, or -1 when the stream turned out broken.
     */
    private _consume(data: Uint8Array): number {
        let at = 0;
        if (!this._started) {
            const newline = data.indexOf(0x0a);
            if (newline < 0)
                return 0;
            if (!this._start(data.subarray(0, newline)))
                return this._fail();
            at = newline + 1;
        }
        const view = new DataView(data.buffer, data.byteOffset, data.length);
        const v = this._values;
        while (this._left > 0 && at + RECORD <= data.length) {
            const keyLength = view.getUint16(at + 54, true);
            if (at + RECORD + keyLength > data.length)
                break;
            const model = this._models[view.getUint16(at + 52, true)];
            const file = this._fileIds[view.getInt32(at + 48, true)];
            if (model === undefined || file === undefined)
                return this._fail();
            v.time = view.getFloat64(at, true);
            v.input = view.getFloat64(at + 8, true);
            v.output = view.getFloat64(at + 16, true);
            v.cacheWrite = view.getFloat64(at + 24, true);
            v.cacheRead = view.getFloat64(at + 32, true);
            v.cost = view.getFloat64(at + 40, true);
            v.file = file;
            v.model = model;
            v.flags = view.getUint8(at + 56);
            if (file >= 0) {
                this._sink.store.offer(keyLength === 0 ? null : data.subarray(at + RECORD, at + RECORD + keyLength), v);
                this.merged++;
            }
            at += RECORD + keyLength;
            this._left--;
        }
        return this._left === 0 && at < data.length ? this._fail() : at; // bytes after the last record
    }

    /** The head, when the stream ended complete; null otherwise. */
    end(): ShareHead | null {
        this.head = this._started && !this._broken && this._left === 0 && this._partial.length === 0 ? this._started : null;
        return this.head;
    }

    /** Takes the head line; false when it is not a share's. */
    private _start(line: Uint8Array): boolean {
        let head: unknown;
        try {
            head = JSON.parse(new TextDecoder().decode(line));
        } catch {
            head = null;
        }
        const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every(n => typeof n === 'number');
        if (!isObject(head) || !numbers(head['read']) || !numbers(head['offsets']) || !numbers(head['tails']) ||
            head['offsets'].length !== head['read'].length || head['tails'].length !== head['read'].length ||
            !Array.isArray(head['models']) || !head['models'].every((m): m is string => typeof m === 'string') ||
            !isCount(head['count'])) {
            this._started = {read: [], offsets: [], tails: []};
            return false;
        }
        this._started = {read: head['read'], offsets: head['offsets'], tails: head['tails']};
        this._models = head['models'];
        this._left = head['count'];
        this._fileIds = this._sink.fileIds(this._started);
        return true;
    }
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
            const line = this._partial.length > 0 ? concatBytes([this._partial, piece]) : piece;
            this._partial = new Uint8Array(0);
            lines.push(this._decoder.decode(line));
            start = newline + 1;
        }
        if (start < bytes.length)
            this._partial = concatBytes([this._partial, bytes.subarray(start)]);
        return lines;
    }
}

type Pollable = Gio.PollableInputStream & Gio.InputStream;
type PollableOut = Gio.PollableOutputStream & Gio.OutputStream;
/** A pipe takes a write of this size without blocking whenever it polls writable. */
const PIPE_ATOMIC = 4096;
/** The helper's result is read in pieces of this size. */
const READ_SIZE = 65536;

/**
 * A helper process reading a share. Everything it is sent — the request, then (for a share read
 * from both ends) the index of each file this process starts — is written only as far as the
 * pipe takes it without blocking: this process never waits for the helper to start up.
 */
export class ShareHelper {
    files: readonly ShareFile[] = [];
    /** The lowest index the helper said it started (files.length before it started any). */
    helperFrom = 0;
    private readonly _process: Gio.Subprocess;
    private readonly _stdin: PollableOut;
    private readonly _stdout: Pollable;
    private _unsent: Uint8Array = new Uint8Array(0);
    private readonly _progress = new LineBuffer();
    /** The helper's output after its progress lines, read before finish(). */
    private readonly _output: Uint8Array[] = [];
    private _progressEnded = false;
    /** The helper's output ended: it exited. */
    private _gone = false;

    /**
     * Starts a helper, which waits for its request (see send): a process needs a few hundred
     * milliseconds to start, which pass while this one lists the files. Throws when it cannot
     * be started.
     */
    constructor(argv: readonly string[]) {
        this._process = Gio.Subprocess.new([...argv], Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const stdin = this._process.get_stdin_pipe();
        const stdout = this._process.get_stdout_pipe();
        if (!stdin || !stdout)
            throw new Error('no pipes to the helper');
        this._stdin = stdin as PollableOut;
        this._stdout = stdout as Pollable;
    }

    /** Asks the helper to read a share (once). */
    send(request: ShareRequest): this {
        this.files = request.files;
        this.helperFrom = request.files.length;
        this._unsent = concatBytes([new TextEncoder().encode(`${JSON.stringify(request)}\n`), this._unsent]);
        this.pump();
        return this;
    }

    /** Lets a helper that was sent no request go: its input ends, and so does it. */
    dismiss(): void {
        try {
            this._stdin.close(null);
        } catch {
            // gone already
        }
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
                const result = this._take(chunk);
                if (result)
                    this._output.push(result);
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

    /** Takes the progress lines of the helper's output; returns what follows them (the result), if any. */
    private _take(chunk: Uint8Array): Uint8Array | null {
        if (this._progressEnded)
            return chunk;
        // Progress lines are short ASCII; the result after them is bytes.
        const end = chunk.indexOf(RESULT_FOLLOWS.charCodeAt(0));
        const progress = end < 0 ? chunk : chunk.subarray(0, end);
        for (const line of this._progress.push(progress)) {
            const index = Number(line);
            if (Number.isInteger(index))
                this.helperFrom = Math.min(this.helperFrom, index);
        }
        if (end < 0)
            return null;
        this._progressEnded = true;
        return chunk.subarray(end + 1);
    }

    /** Tells the helper that this process takes file `index` (it will not start it, nor any before it). */
    take(index: number): void {
        const line = new TextEncoder().encode(`${index}\n`);
        this._unsent = concatBytes([this._unsent, line]);
        this.pump();
    }

    /**
     * Sends the rest, then merges the helper's entries into the sink as they arrive (see
     * ShareReader): the reader's head is null when the helper failed, possibly after some of its
     * entries were merged. Each piece read is held until a collection (`memory`), and its entries
     * grow the store by about as much. The helper's
     * input is closed only after that: a helper takes its input closing for this process's end
     * (killed) and stops at once (see serveShare).
     */
    async finish(cancellable: Gio.Cancellable | null, sink: ShareSink, memory: MemoryBudget): Promise<ShareReader> {
        const reader = new ShareReader(sink);
        try {
            this.pump();
            if (this._listening)
                this._stdin.write_all(this._unsent, null);
            this._output.splice(0).forEach(chunk => reader.push(chunk));
            for (;;) {
                memory.take(2 * READ_SIZE); // the piece, held until a collection, and the store's growth by its entries
                const chunk = (await this._stdout.read_bytes_async(READ_SIZE, GLib.PRIORITY_DEFAULT, cancellable)).toArray();
                if (chunk.length === 0)
                    break;
                const result = this._take(chunk);
                if (result)
                    reader.push(result);
            }
            if (await this._process.wait_check_async(cancellable) && this._progressEnded)
                reader.end();
        } catch {
            // a helper that failed: the reader has no head
        } finally {
            try {
                this._stdin.close(null);
            } catch {
                // closed with the helper already
            }
        }
        return reader;
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
    memory: MemoryBudget): Promise<void> {
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
        typeof f['path'] === 'string' && typeof f['offset'] === 'number' && typeof f['size'] === 'number') : [];
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
    const result = readShare(files, prices(pricesText), memory, next);
    if (input.ended)
        return; // nobody is left to read the result
    stdout.write_all(encoder.encode(RESULT_FOLLOWS), null);
    writeShare(result, bytes => stdout.write_all(bytes, null));
    stdout.flush(null);
}
