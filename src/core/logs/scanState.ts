// The worker's scan state on disk, so that a restarted worker (every login, every unlock:
// the lock screen disables extensions) answers at once instead of reading the whole log tree
// again: per file its identity, how far it was read and a hash of the bytes before that point;
// the de-duplicated entries with their keys (usageStore); counters.
//
// The file is ours alone (0600), replaced atomically, and tied to a fingerprint of everything
// the numbers depend on (rules version, price table, the user's price file, the roots, the
// byte order). Anything that does not match — another version, a corrupt or foreign file — is
// ignored: a full scan follows, never wrong numbers. Its layout:
//   1. a JSON header line: format, version, fingerprint, counters, the checksums;
//   2. the last answer given (a JSON line), so that a restarted worker can repeat it at once,
//      before reading the rest;
//   3. the tracked files (a JSON line, padded so that what follows starts 8-aligned);
//   4. the de-duplicated entries as bytes (usageStore).
// The checksums are a fast 64-bit word hash (corruption, not tampering, is what they catch:
// the file is private), one per part after the header.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {temporaryPath} from '../files.js';
import {isObject, optionalNumber, optionalString} from '../json.js';
import {PRICE_TABLE_DATE, PRICES} from '../priceTable.js';
import type {CodexCounts, CodexFileState} from './codexLog.js';
import type {Root} from './discovery.js';
import type {LocalUsage, LogSource} from './localUsage.js';
import {UsageStore} from './usageStore.js';

/** Bump when what is read from a line, or how entries are de-duplicated or priced, changes. */
const RULES_VERSION = 1;
const FORMAT = 'ai-usage-meter local scan state';
const FORMAT_VERSION = 3;

export interface TrackedFile {
    source: LogSource;
    identity: string;
    /** Where the next read starts. */
    offset: number;
    /** Hash of the bytes just before `offset`: a file rewritten under the same name and inode shows. */
    tail: number;
    project: string;
    session: string;
    codex: CodexFileState | null;
}

/** The worker's counters, kept across restarts (the e2e and the bench read them). */
export interface ScanCounters {
    /** Scans that had to read every file from the start. */
    fullScans: number;
    /** Worker starts that continued from this file. */
    restores: number;
}

export interface ScanState {
    files: Map<string, TrackedFile>;
    store: UsageStore;
    counters: ScanCounters;
}

const md5 = (text: string): string => GLib.compute_checksum_for_string(GLib.ChecksumType.MD5, text, -1) ?? '';

/** Where Checksum reads pieces that are not 4-aligned, a slice at a time. */
const SCRATCH = new Uint8Array(1 << 16);
const SCRATCH_WORDS = new Int32Array(SCRATCH.buffer);

/**
 * Two 32-bit multiplicative hashes over bytes fed in pieces, four bytes at a time (MD5 took a
 * third of a restart's time; this takes a few milliseconds for 10 MB). The same bytes give the
 * same value however they are cut into pieces and wherever they lie in memory.
 */

export class Checksum {
    private _a = 0x811c9dc5;
    private _b = 0x9747b28c;
    private _length = 0;
    /** The bytes of an unfinished word, between pieces. */
    private readonly _pending = new Uint8Array(4);
    private readonly _pendingWord = new Int32Array(this._pending.buffer);
    private _pendingLength = 0;

    private _mix(word: number): void {
        this._a = Math.imul(this._a ^ word, 0x01000193);
        this._b = Math.imul(this._b ^ word, 0x5bd1e995);
        this._b ^= this._b >>> 15;
    }

    update(piece: Uint8Array): this {
        this._length += piece.length;
        let i = 0;
        while (this._pendingLength > 0 && i < piece.length) {
            this._pending[this._pendingLength++] = piece[i++] ?? 0;
            if (this._pendingLength === 4) {
                this._mix(this._pendingWord[0] ?? 0);
                this._pendingLength = 0;
            }
        }
        const rest = piece.subarray(i);
        if (rest.byteOffset % 4 === 0) {
            this._mixWords(new Int32Array(rest.buffer, rest.byteOffset, rest.length >>> 2));
        } else {
            // Not 4-aligned (a piece after one of odd length): through the scratch, a slice at a time.
            for (let at = 0; at + 4 <= rest.length; at += SCRATCH.length) {
                const slice = rest.subarray(at, Math.min(rest.length & ~3, at + SCRATCH.length));
                SCRATCH.set(slice);
                this._mixWords(SCRATCH_WORDS.subarray(0, slice.length >>> 2));
            }
        }
        for (let k = rest.length & ~3; k < rest.length; k++)
            this._pending[this._pendingLength++] = rest[k] ?? 0;
        return this;
    }

    /** As _mix on each word, with the state in locals: this loop runs over every byte of a state file. */
    private _mixWords(words: Int32Array): void {
        let a = this._a;
        let b = this._b;
        // Indexed: for-of over a typed array took half as long again here.
        for (let k = 0, n = words.length; k < n; k++) {
            const word = words[k] ?? 0;
            a = Math.imul(a ^ word, 0x01000193);
            b = Math.imul(b ^ word, 0x5bd1e995);
            b ^= b >>> 15;
        }
        this._a = a;
        this._b = b;
    }

    digest(): string {
        for (let k = 0; k < this._pendingLength; k++)
            this._mix(this._pending[k] ?? 0);
        this._mix(this._length);
        const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
        return hex(this._a) + hex(this._b);
    }
}

export const checksum = (bytes: Uint8Array): string => new Checksum().update(bytes).digest();

const PRICES_HASH = md5(JSON.stringify(PRICES));
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Everything the stored numbers depend on. */
export function stateFingerprint(roots: readonly Root[], homeDir: string, pricesText: string | null): string {
    return [RULES_VERSION, PRICE_TABLE_DATE, PRICES_HASH, md5(pricesText ?? ''), homeDir,
        LITTLE_ENDIAN ? 'le' : 'be', ...roots.map(r => `${r.source}:${r.path}`)].join('|');
}

/** FNV-1a of up to 32 bytes before `offset`. */
export function tailHash(bytes: Uint8Array, offset: number): number {
    let h = 0x811c9dc5;
    for (let i = Math.max(0, offset - 32); i < offset; i++)
        h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
    return h >>> 0;
}

type FileRow = [path: string, source: LogSource, identity: string, offset: number, tail: number, project: string,
    session: string, codex: [model: string | null, totals: number[] | null, cwd: string | null] | null];

const COUNT_KEYS = ['input', 'cached', 'output', 'reasoning', 'total'] as const;

function codexRow(state: CodexFileState | null): FileRow[7] {
    return state && [state.model, state.totals && COUNT_KEYS.map(k => state.totals?.[k] ?? 0), state.cwd];
}

function codexState(row: unknown): CodexFileState | null | undefined {
    if (row === null)
        return null;
    if (!Array.isArray(row) || row.length !== 3)
        return undefined;
    const [model, totals, cwd] = row as unknown[];
    const text = (v: unknown): v is string | null => v === null || typeof v === 'string';
    const numbers = Array.isArray(totals) && totals.length === COUNT_KEYS.length && totals.every(n => typeof n === 'number');
    if (!text(model) || !text(cwd) || !(totals === null || numbers))
        return undefined;
    const counts = numbers ? Object.fromEntries(COUNT_KEYS.map((k, i) => [k, Number(totals[i])])) as unknown as CodexCounts : null;
    return {model, totals: counts, cwd};
}

function fileFrom(row: unknown): [string, TrackedFile] | null {
    if (!Array.isArray(row) || row.length !== 8)
        return null;
    const [path, source, identity, offset, tail, project, session, codex] = row as unknown[];
    const state = codexState(codex);
    if (typeof path !== 'string' || (source !== 'claude' && source !== 'codex') || typeof identity !== 'string' ||
        typeof offset !== 'number' || typeof tail !== 'number' || typeof project !== 'string' || typeof session !== 'string' ||
        state === undefined || (source === 'codex') !== (state !== null))
        return null;
    return [path, {source, identity, offset, tail, project, session, codex: state}];
}

interface Header {
    counters: ScanCounters;
    answerChecksum: string;
    filesChecksum: string;
    checksum: string;
}

/** The header line, when it is ours and of this fingerprint. */
function parseHeader(line: Uint8Array, fingerprint: string): Header | null {
    let header: unknown;
    try {
        header = JSON.parse(new TextDecoder().decode(line));
    } catch {
        return null;
    }
    if (!isObject(header) || header['format'] !== FORMAT || header['version'] !== FORMAT_VERSION ||
        header['fingerprint'] !== fingerprint || !isObject(header['counters']))
        return null;
    const counters = header['counters'];
    return {counters: {fullScans: optionalNumber(counters, 'fullScans') ?? 0, restores: optionalNumber(counters, 'restores') ?? 0},
        answerChecksum: optionalString(header, 'answerChecksum') ?? '', filesChecksum: optionalString(header, 'filesChecksum') ?? '',
        checksum: optionalString(header, 'checksum') ?? ''};
}

/** The answer line, when its checksum holds. */
function parseAnswer(line: Uint8Array, header: Header): LocalUsage | null {
    if (checksum(line) !== header.answerChecksum)
        return null;
    let answer: unknown;
    try {
        answer = JSON.parse(new TextDecoder().decode(line));
    } catch {
        return null;
    }
    return isObject(answer) && typeof answer['generatedAt'] === 'number' && Array.isArray(answer['sources'])
        ? answer as unknown as LocalUsage : null;
}

/**
 * The last answer saved with the state at `path` for this fingerprint, and the counters; null
 * when there is none that can be trusted. Only the first two lines are read.
 */
export function loadSavedAnswer(path: string, fingerprint: string): {answer: LocalUsage; counters: ScanCounters} | null {
    let input: Gio.DataInputStream | null = null;
    try {
        input = new Gio.DataInputStream({base_stream: Gio.File.new_for_path(path).read(null), buffer_size: 65536});
        const [headerLine] = input.read_line(null);
        const header = headerLine && parseHeader(headerLine, fingerprint);
        if (!header)
            return null;
        const [answerLine] = input.read_line(null);
        const answer = answerLine && parseAnswer(answerLine, header);
        return answer ? {answer, counters: header.counters} : null;
    } catch {
        return null;
    } finally {
        input?.close(null);
    }
}

/** The state saved at `path` for this fingerprint; null when there is none that can be trusted. */
export function loadState(path: string, fingerprint: string): ScanState | null {
    let data: Uint8Array;
    try {
        data = GLib.file_get_contents(path)[1];
    } catch {
        return null;
    }
    const headerEnd = data.indexOf(0x0a);
    const header = headerEnd > 0 ? parseHeader(data.subarray(0, headerEnd), fingerprint) : null;
    const answerEnd = headerEnd > 0 ? data.indexOf(0x0a, headerEnd + 1) : -1;
    const filesEnd = answerEnd > 0 ? data.indexOf(0x0a, answerEnd + 1) : -1;
    if (!header || filesEnd < 0 || checksum(data.subarray(answerEnd + 1, filesEnd + 1)) !== header.filesChecksum ||
        checksum(data.subarray(filesEnd + 1)) !== header.checksum)
        return null;
    let rows: unknown;
    try {
        rows = JSON.parse(new TextDecoder().decode(data.subarray(answerEnd + 1, filesEnd)));
    } catch {
        return null;
    }
    const files = Array.isArray(rows) ? rows.map(fileFrom) : [null];
    const store = UsageStore.fromBytes(data.subarray(filesEnd + 1));
    if (!store || files.some(r => r === null))
        return null;
    const tracked = new Map(files as [string, TrackedFile][]);
    for (let e = 0; e < store.count; e++) {
        if (store.file.get(e) >= tracked.size)
            return null;
    }
    return {files: tracked, store, counters: header.counters};
}

/**
 * writePrivateFile() (files.ts) for the worker process, synchronously and without the sweep (it
 * is here, not there, because the Shell must never load a synchronous write): the same
 * temporary of ours, renamed over the file. A scan's worker saves the history after every
 * refresh that changed a day; the asynchronous write's round trips to GLib's I/O threads (and
 * its listing of the folder) cost more than the scan of a megabyte. The caller sweeps
 * (sweepAfterWrite). `parts` may be made as they are written; `head`, when given, is then
 * written over the file's first bytes (a header that is as long as its placeholder there).
 */
export function writePrivateFileSync(path: string, parts: Iterable<Uint8Array>, head?: () => Uint8Array): void {
    const temporary = Gio.File.new_for_path(temporaryPath(path));
    try {
        const stream = temporary.create(Gio.FileCreateFlags.PRIVATE, null);
        try {
            for (const part of parts)
                stream.write_all(part, null);
            if (head) {
                stream.seek(0, GLib.SeekType.SET, null);
                stream.write_all(head(), null);
            }
        } finally {
            stream.close(null);
        }
        temporary.move(Gio.File.new_for_path(path), Gio.FileCopyFlags.OVERWRITE | Gio.FileCopyFlags.NO_FALLBACK_FOR_MOVE, null, null);
    } catch (error) {
        try {
            temporary.delete(null);
        } catch {
            // never created, or gone already
        }
        throw error;
    }
}

/**
 * The files line's JSON array, in pieces made as they are written: the rows are encoded into
 * one reused buffer, handed out each time it fills (the caller writes a piece before asking for
 * the next). A tree of years of sessions makes the line megabytes; as one string, or as batches
 * of strings and their bytes, it stayed allocated until the next full collection and made the
 * save the largest moment of a scan.
 */
function* filesParts(files: ReadonlyMap<string, TrackedFile>, encoder: TextEncoder): Generator<Uint8Array> {
    const buffer = new Uint8Array(1 << 16);
    let used = 0;
    function* add(text: string): Generator<Uint8Array> {
        // A UTF-16 unit takes at most 3 bytes in UTF-8.
        if (used > 0 && used + 3 * text.length > buffer.length) {
            yield buffer.subarray(0, used);
            used = 0;
        }
        if (3 * text.length > buffer.length)
            yield encoder.encode(text);
        else
            used += encoder.encodeInto(text, buffer.subarray(used)).written ?? 0;
    }
    let first = true;
    for (const [p, f] of files) {
        const row: FileRow = [p, f.source, f.identity, f.offset, f.tail, f.project, f.session, codexRow(f.codex)];
        yield* add(`${first ? '[' : ','}${JSON.stringify(row)}`);
        first = false;
    }
    yield* add(first ? '[]' : ']');
    if (used > 0)
        yield buffer.subarray(0, used);
}

/**
 * Writes the state, and the answer it gave last (0600, atomically: a reader sees the old file
 * or the new one). The store is written from views of its columns: no copy of it is made.
 */
export function saveState(path: string, fingerprint: string, state: ScanState, answer: LocalUsage | null = null): void {
    const encoder = new TextEncoder();
    const answerLine = encoder.encode(`${JSON.stringify(answer)}\n`);
    const answerSum = checksum(answerLine.subarray(0, answerLine.length - 1)); // as read back: without its newline
    const binary = state.store.toParts();
    const binarySum = binary.reduce((sum, part) => sum.update(part), new Checksum()).digest();
    const savedAt = new Date().toISOString();
    const headerLine = (filesChecksum: string): Uint8Array => encoder.encode(`${JSON.stringify({format: FORMAT,
        version: FORMAT_VERSION, fingerprint, savedAt, counters: state.counters, answerChecksum: answerSum, filesChecksum,
        checksum: binarySum})}\n`);
    // The files line is checksummed as it is written, and the header, whose checksums have a
    // fixed width, written over its placeholder at the end. The line is padded with spaces
    // (JSON allows them) so that the store starts 8-aligned in the file, where its columns are
    // then read without a copy.
    const placeholder = headerLine('0'.repeat(16));
    const filesSum = new Checksum();
    function* parts(): Generator<Uint8Array> {
        yield placeholder;
        yield answerLine;
        let written = placeholder.length + answerLine.length;
        for (const piece of filesParts(state.files, encoder)) {
            filesSum.update(piece);
            written += piece.length;
            yield piece;
        }
        const padding = new Uint8Array((8 - ((written + 1) % 8)) % 8 + 1).fill(0x20);
        padding[padding.length - 1] = 0x0a;
        filesSum.update(padding);
        yield padding;
        yield* binary;
    }
    GLib.mkdir_with_parents(GLib.path_get_dirname(path), 0o700);
    // Written beside the state under a temporary name of ours, then renamed over it; what a
    // killed worker left is swept when the next one starts (LogScanner).
    writePrivateFileSync(path, parts(), () => headerLine(filesSum.digest()));
}
