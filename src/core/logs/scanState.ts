// The worker's scan state on disk, so that a restarted worker (every login, every unlock:
// the lock screen disables extensions) answers at once instead of reading the whole log tree
// again: per file its identity, how far it was read and a hash of the bytes before that point;
// the de-duplicated entries with their keys (usageStore); counters.
//
// The file is one JSON header line, then the entries as bytes. It is ours alone (0600),
// replaced atomically, and tied to a fingerprint of everything the numbers depend on (rules
// version, price table, the user's price file, the roots, the byte order). Anything that does
// not match — another version, a corrupt or foreign file — is ignored: a full scan follows,
// never wrong numbers.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {isObject, optionalNumber, optionalString} from '../json.js';
import {PRICE_TABLE_DATE, PRICES} from '../priceTable.js';
import type {CodexCounts, CodexFileState} from './codexLog.js';
import type {Root} from './discovery.js';
import type {LogSource} from './localUsage.js';
import {UsageStore} from './usageStore.js';

/** Bump when what is read from a line, or how entries are de-duplicated or priced, changes. */
const RULES_VERSION = 1;
const FORMAT = 'ai-usage-meter local scan state';
const FORMAT_VERSION = 1;

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

const md5 = (data: Uint8Array | string): string =>
    typeof data === 'string' ? GLib.compute_checksum_for_string(GLib.ChecksumType.MD5, data, -1) ?? ''
        : GLib.compute_checksum_for_bytes(GLib.ChecksumType.MD5, new GLib.Bytes(data)) ?? '';

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

/** The state saved at `path` for this fingerprint; null when there is none that can be trusted. */
export function loadState(path: string, fingerprint: string): ScanState | null {
    let data: Uint8Array;
    try {
        data = GLib.file_get_contents(path)[1];
    } catch {
        return null;
    }
    const newline = data.indexOf(0x0a);
    let header: unknown;
    try {
        header = JSON.parse(new TextDecoder().decode(data.subarray(0, newline < 0 ? 0 : newline)));
    } catch {
        return null;
    }
    if (!isObject(header) || header['format'] !== FORMAT || header['version'] !== FORMAT_VERSION ||
        header['fingerprint'] !== fingerprint || !Array.isArray(header['files']) || !isObject(header['counters']))
        return null;
    const binary = data.subarray(newline + 1);
    if (optionalString(header, 'checksum') !== md5(binary))
        return null;
    const rows = (header['files'] as unknown[]).map(fileFrom);
    const store = UsageStore.fromBytes(binary);
    if (!store || rows.some(r => r === null))
        return null;
    const files = new Map(rows as [string, TrackedFile][]);
    for (let e = 0; e < store.count; e++) {
        if ((store.file[e] ?? 0) >= files.size)
            return null;
    }
    const counters = header['counters'];
    return {files, store, counters: {fullScans: optionalNumber(counters, 'fullScans') ?? 0, restores: optionalNumber(counters, 'restores') ?? 0}};
}

/** Writes the state (0600, atomically: a reader sees the old file or the new one). */
export function saveState(path: string, fingerprint: string, state: ScanState): void {
    const binary = state.store.toBytes();
    const files: FileRow[] = [...state.files].map(([p, f]) =>
        [p, f.source, f.identity, f.offset, f.tail, f.project, f.session, codexRow(f.codex)]);
    const header = new TextEncoder().encode(`${JSON.stringify({format: FORMAT, version: FORMAT_VERSION, fingerprint,
        savedAt: new Date().toISOString(), counters: state.counters, checksum: md5(binary), files})}\n`);
    const data = new Uint8Array(header.length + binary.length);
    data.set(header);
    data.set(binary, header.length);
    GLib.mkdir_with_parents(GLib.path_get_dirname(path), 0o700);
    Gio.File.new_for_path(path).replace_contents(data, null, false,
        Gio.FileCreateFlags.PRIVATE | Gio.FileCreateFlags.REPLACE_DESTINATION, null);
}
