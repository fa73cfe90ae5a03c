// The de-duplicated entries of all logs, in typed arrays: one column per field, the
// de-duplication keys as bytes in one arena with an open-addressing hash table over them. A
// year of logs is a few hundred thousand entries; as objects (and a Map of string keys) they
// cost several times the memory and the garbage collector's time. Keys are compared byte for
// byte after the hash, so de-duplication stays exact.

import {concatBytes} from '../files.js';
import {dayKey} from './localUsage.js';

/** Entry flags. */
export const SIDECHAIN = 1;
export const CODEX = 2;

/** The fields of one entry, as offered to the store (one reused object). */
export interface EntryValues {
    time: number;
    /** Uncached input (Codex: input minus cached input). */
    input: number;
    output: number;
    cacheWrite: number;
    cacheRead: number;
    /** NaN when the model has no known price. */
    cost: number;
    model: string;
    /** The scanner's index of the file the entry came from. */
    file: number;
    flags: number;
}

export const newEntryValues = (): EntryValues =>
    ({time: 0, input: 0, output: 0, cacheWrite: 0, cacheRead: 0, cost: Number.NaN, model: '', file: 0, flags: 0});

/**
 * True when a Claude copy should replace the kept copy of the same response: the main copy
 * wins over a subagent's (sidechain), then the one with the most tokens (the final streamed chunk).
 */
export function preferEntry(sidechain: boolean, size: number, keptSidechain: boolean, keptSize: number): boolean {
    return sidechain !== keptSidechain ? !sidechain : size > keptSize;
}

/** FNV-1a over the key bytes, the source mixed in. */
function hashKey(key: Uint8Array, flags: number): number {
    let h = (0x811c9dc5 ^ (flags & CODEX)) >>> 0;
    for (const c of key)
        h = Math.imul(h ^ c, 0x01000193);
    return h >>> 0;
}

const FLOAT_COLUMNS = ['time', 'input', 'output', 'cacheWrite', 'cacheRead', 'cost'] as const;
const MAGIC = 0x53_4d_55_41; // "AUMS"
const HEADER_WORDS = 4;

const grow = <T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(a: T, length: number): T => {
    const bigger = new (a.constructor as new (n: number) => T)(length);
    bigger.set(a);
    return bigger;
};
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

export class UsageStore {
    count = 0;
    time = new Float64Array(0);
    input = new Float64Array(0);
    output = new Float64Array(0);
    cacheWrite = new Float64Array(0);
    cacheRead = new Float64Array(0);
    cost = new Float64Array(0);
    /** Index into `models`. */
    model = new Uint16Array(0);
    /** Index into `days` (the local calendar day of `time`; derived, not saved). */
    day = new Uint16Array(0);
    file = new Int32Array(0);
    flags = new Uint8Array(0);
    readonly models: string[] = [];
    readonly days: string[] = [];
    /** Days whose entries changed since the caller last took them (see takeTouchedDays). */
    private _touchedDays = new Set<number>();
    private readonly _modelIds = new Map<string, number>();
    private readonly _dayIds = new Map<string, number>();
    private _hash = new Uint32Array(0);
    private _keyStart = new Uint32Array(0);
    private _keyLength = new Uint16Array(0);
    private _arena = new Uint8Array(0);
    private _arenaUsed = 0;
    /** Entry index + 1 per slot; 0 is free. */
    private _table = new Int32Array(1024);

    constructor(capacity = 1024) {
        this._resize(capacity);
    }

    private _resize(capacity: number): void {
        for (const name of FLOAT_COLUMNS)
            this[name] = grow(this[name], capacity);
        this.model = grow(this.model, capacity);
        this.day = grow(this.day, capacity);
        this.file = grow(this.file, capacity);
        this.flags = grow(this.flags, capacity);
        this._hash = grow(this._hash, capacity);
        this._keyStart = grow(this._keyStart, capacity);
        this._keyLength = grow(this._keyLength, capacity);
    }

    private _modelId(name: string): number {
        if (name === this.models[this._lastModelId])
            return this._lastModelId;
        let id = this._modelIds.get(name);
        if (id === undefined) {
            id = this.models.push(name) - 1;
            this._modelIds.set(name, id);
        }
        this._lastModelId = id;
        return id;
    }

    private _dayId(time: number): number {
        // Local days change on quarter hours in every time zone; entries come in time order.
        const quarter = Math.floor(time / 900_000);
        if (quarter === this._lastQuarter)
            return this._lastDayId;
        const day = dayKey(time);
        let id = this._dayIds.get(day);
        if (id === undefined) {
            id = this.days.push(day) - 1;
            this._dayIds.set(day, id);
        }
        this._lastQuarter = quarter;
        this._lastDayId = id;
        return id;
    }

    /** The entry with this key, or -1; `at` receives the table slot where it is or would go. */
    private _find(key: Uint8Array, hash: number, flags: number): number {
        const mask = this._table.length - 1;
        for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
            const entry = (this._table[slot] ?? 0) - 1;
            if (entry < 0) {
                this._freeSlot = slot;
                return -1;
            }
            if (this._hash[entry] === hash && this._keyLength[entry] === key.length &&
                ((this.flags[entry] ?? 0) & CODEX) === (flags & CODEX) && this._keyEquals(entry, key))
                return entry;
        }
    }

    private _freeSlot = 0;
    private _lastQuarter = Number.NaN;
    private _lastDayId = 0;
    private _lastModelId = 0;

    /** The days whose entries changed since the last call, by name. */
    takeTouchedDays(): Set<string> {
        const days = new Set([...this._touchedDays].map(d => this.days[d] ?? ''));
        this._touchedDays = new Set();
        return days;
    }

    private _keyEquals(entry: number, key: Uint8Array): boolean {
        const start = this._keyStart[entry] ?? 0;
        for (let k = 0; k < key.length; k++) {
            if (this._arena[start + k] !== key[k])
                return false;
        }
        return true;
    }

    private _write(entry: number, v: EntryValues): void {
        this.time[entry] = v.time;
        this.input[entry] = v.input;
        this.output[entry] = v.output;
        this.cacheWrite[entry] = v.cacheWrite;
        this.cacheRead[entry] = v.cacheRead;
        this.cost[entry] = v.cost;
        this.model[entry] = this._modelId(v.model);
        this.day[entry] = this._dayId(v.time);
        this._touchedDays.add(this.day[entry] ?? 0);
        this.file[entry] = v.file;
        this.flags[entry] = v.flags;
    }

    /**
     * Adds an entry, or replaces the kept copy of the same key when this one is preferred
     * (Claude, see preferEntry; a Codex event's first copy stays). Entries without a key are
     * always added. Returns whether the store changed.
     */
    offer(key: Uint8Array | null, v: EntryValues): boolean {
        if (key === null) {
            this._append(v, 0, 0);
            return true;
        }
        const hash = hashKey(key, v.flags);
        const kept = this._find(key, hash, v.flags);
        if (kept >= 0) {
            if (v.flags & CODEX || !preferEntry((v.flags & SIDECHAIN) !== 0, v.input + v.output + v.cacheWrite + v.cacheRead,
                ((this.flags[kept] ?? 0) & SIDECHAIN) !== 0, this.size(kept)))
                return false;
            this._touchedDays.add(this.day[kept] ?? 0); // the copy it replaces may be on another day
            this._write(kept, v);
            return true;
        }
        if (key.length > 0xffff)
            return false; // not an id any tool writes
        if (this._arenaUsed + key.length > this._arena.length)
            this._arena = grow(this._arena, Math.max(1 << 16, 2 * (this._arenaUsed + key.length)));
        this._arena.set(key, this._arenaUsed);
        this._table[this._freeSlot] = this.count + 1;
        this._append(v, hash, key.length);
        this._arenaUsed += key.length;
        return true;
    }

    private _append(v: EntryValues, hash: number, keyLength: number): void {
        if (this.count === this.time.length)
            this._resize(this.count * 2);
        const entry = this.count++;
        this._write(entry, v);
        this._hash[entry] = hash;
        this._keyStart[entry] = this._arenaUsed;
        this._keyLength[entry] = keyLength;
        if (keyLength > 0 && this.count * 2 > this._table.length)
            this._rehash(this._table.length * 2);
    }

    private _rehash(slots: number): void {
        this._table = new Int32Array(slots);
        const mask = slots - 1;
        for (let entry = 0; entry < this.count; entry++) {
            if (this._keyLength[entry] === 0)
                continue;
            let slot = (this._hash[entry] ?? 0) & mask;
            while (this._table[slot] !== 0)
                slot = (slot + 1) & mask;
            this._table[slot] = entry + 1;
        }
    }

    /** All tokens of an entry. */
    size(entry: number): number {
        return (this.input[entry] ?? 0) + (this.output[entry] ?? 0) + (this.cacheWrite[entry] ?? 0) + (this.cacheRead[entry] ?? 0);
    }

    /** The entry's fields, into `into` (for sending them to another process). */
    read(entry: number, into: EntryValues): EntryValues {
        into.time = this.time[entry] ?? 0;
        into.input = this.input[entry] ?? 0;
        into.output = this.output[entry] ?? 0;
        into.cacheWrite = this.cacheWrite[entry] ?? 0;
        into.cacheRead = this.cacheRead[entry] ?? 0;
        into.cost = this.cost[entry] ?? Number.NaN;
        into.model = this.models[this.model[entry] ?? 0] ?? '';
        into.file = this.file[entry] ?? 0;
        into.flags = this.flags[entry] ?? 0;
        return into;
    }

    /** The entry's key bytes; null for an entry without a key. */
    key(entry: number): Uint8Array | null {
        const length = this._keyLength[entry] ?? 0;
        const start = this._keyStart[entry] ?? 0;
        return length === 0 ? null : this._arena.subarray(start, start + length);
    }

    /**
     * The store as bytes, in pieces that are views of the columns (not copies), each a multiple
     * of 8 bytes long but the last: native byte order, read back on the same machine only.
     */
    toParts(): Uint8Array[] {
        const models = new TextEncoder().encode(JSON.stringify(this.models));
        const n = this.count;
        const view = (a: Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array, length: number): Uint8Array =>
            new Uint8Array(a.buffer, a.byteOffset, length * a.BYTES_PER_ELEMENT);
        const head = new Uint8Array(pad8(HEADER_WORDS * 4 + models.length));
        new Uint32Array(head.buffer, 0, HEADER_WORDS).set([MAGIC, n, this._arenaUsed, models.length]);
        head.set(models, HEADER_WORDS * 4);
        const halvesAndFlags = 3 * 4 * n + 2 * 2 * n + n;
        return [head, ...FLOAT_COLUMNS.map(name => view(this[name], n)), view(this._hash, n), view(this._keyStart, n),
            view(this.file, n), view(this.model, n), view(this._keyLength, n), view(this.flags, n),
            new Uint8Array(pad8(halvesAndFlags) - halvesAndFlags), view(this._arena, this._arenaUsed)];
    }

    /** The store as one array of bytes (see toParts). */
    toBytes(): Uint8Array {
        return concatBytes(this.toParts());
    }

    /** The bytes of all keys. */
    get keyBytes(): number {
        return this._arenaUsed;
    }

    /**
     * Room for `capacity` entries and `keyBytes` of keys without growing (before a merge of
     * known size: one step, where doubling would leave the old columns and twice the room).
     */
    reserve(capacity: number, keyBytes = 0): void {
        if (capacity > this.time.length)
            this._resize(capacity);
        if (keyBytes > this._arena.length)
            this._arena = grow(this._arena, keyBytes);
    }

    /** A store from toBytes(); null when the bytes are not one (wrong size, bad indexes). */
    static fromBytes(data: Uint8Array): UsageStore | null {
        const stored = StoredEntries.parse(data);
        if (!stored)
            return null;
        const n = stored.count;
        const store = new UsageStore(Math.max(1024, n));
        stored.models.forEach(m => store._modelId(m));
        const c = stored.columns;
        for (const name of FLOAT_COLUMNS)
            store[name].set(c[name]);
        store._hash.set(c.hash);
        store._keyStart.set(c.keyStart);
        store.file.set(c.file);
        store.model.set(c.model);
        store._keyLength.set(c.keyLength);
        store.flags.set(c.flags);
        store._arena = c.arena.slice();
        store._arenaUsed = c.arena.length;
        store.count = n;
        for (let entry = 0; entry < n; entry++) {
            store.day[entry] = store._dayId(store.time[entry] ?? 0);
            store._touchedDays.add(store.day[entry] ?? 0);
        }
        store._rehash(Math.max(1024, 1 << Math.ceil(Math.log2(2 * n + 1))));
        return store;
    }
}

/** The columns of stored entries, viewed where they lie. */
export interface StoredColumns {
    time: Float64Array;
    input: Float64Array;
    output: Float64Array;
    cacheWrite: Float64Array;
    cacheRead: Float64Array;
    cost: Float64Array;
    hash: Uint32Array;
    keyStart: Uint32Array;
    file: Int32Array;
    model: Uint16Array;
    keyLength: Uint16Array;
    flags: Uint8Array;
    arena: Uint8Array;
}

/** The entries of a store's bytes (toBytes), viewed where they lie: checked, then copied into a store. */
export class StoredEntries {
    private constructor(readonly count: number, readonly models: readonly string[], readonly columns: StoredColumns) {}

    /** The entries of `data` (copied first only when not 8-aligned); null when the bytes are not a store's. */
    static parse(data: Uint8Array): StoredEntries | null {
        const bytes = data.byteOffset % 8 === 0 ? data : new Uint8Array(data);
        if (bytes.length < HEADER_WORDS * 4)
            return null;
        const base = bytes.byteOffset;
        const [magic = 0, n = 0, arenaUsed = 0, modelsLength = 0] = new Uint32Array(bytes.buffer, base, HEADER_WORDS);
        const floats = pad8(HEADER_WORDS * 4 + modelsLength);
        const words = floats + FLOAT_COLUMNS.length * 8 * n;
        const halves = words + 3 * 4 * n;
        const flagsAt = halves + 2 * 2 * n;
        const arena = pad8(flagsAt + n);
        if (magic !== MAGIC || bytes.length !== arena + arenaUsed)
            return null;
        let models: unknown;
        try {
            models = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_WORDS * 4, HEADER_WORDS * 4 + modelsLength)));
        } catch {
            return null;
        }
        if (!Array.isArray(models) || !models.every((m): m is string => typeof m === 'string'))
            return null;
        const column = (c: number): Float64Array => new Float64Array(bytes.buffer, base + floats + c * 8 * n, n);
        const c: StoredColumns = {time: column(0), input: column(1), output: column(2), cacheWrite: column(3), cacheRead: column(4),
            cost: column(5), hash: new Uint32Array(bytes.buffer, base + words, n), keyStart: new Uint32Array(bytes.buffer, base + words + 4 * n, n),
            file: new Int32Array(bytes.buffer, base + words + 8 * n, n), model: new Uint16Array(bytes.buffer, base + halves, n),
            keyLength: new Uint16Array(bytes.buffer, base + halves + 2 * n, n), flags: bytes.subarray(flagsAt, flagsAt + n),
            arena: bytes.subarray(arena, arena + arenaUsed)};
        for (let entry = 0; entry < n; entry++) {
            if ((c.model[entry] ?? 0) >= models.length || (c.keyStart[entry] ?? 0) + (c.keyLength[entry] ?? 0) > arenaUsed)
                return null;
        }
        return new StoredEntries(n, models, c);
    }
}
