// The de-duplicated entries of all logs, in typed arrays: one column per field, the
// de-duplication keys as bytes in an arena with an open-addressing hash table over them. A
// year of logs is a few hundred thousand entries; as objects (and a Map of string keys) they
// cost several times the memory and the garbage collector's time. Keys are compared byte for
// byte after the hash, so de-duplication stays exact. Columns and arena grow by fixed blocks:
// doubling one array would hold the old and the new copy at once, the largest moment of a scan.

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
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

type Numbers = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK - 1;
/** The key arena's block; a key (at most 0xffff bytes) never spans two. */
const ARENA_BITS = 16;
const ARENA_BLOCK = 1 << ARENA_BITS;

/** The bytes of the first `length` elements of `a`. */
const bytesOf = (a: Numbers, length: number): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, length * a.BYTES_PER_ELEMENT);

/**
 * One field of every entry, in blocks of BLOCK entries: growing adds a block and never copies,
 * so a store of any size costs at most one unused block per column, and no transient copy.
 */
export class Column<T extends Numbers> {
    private readonly _blocks: T[] = [];

    constructor(private readonly _make: (length: number) => T) {}

    get(entry: number): number {
        return this._blocks[entry >>> BLOCK_BITS]?.[entry & BLOCK_MASK] ?? 0;
    }

    set(entry: number, value: number): void {
        this._blockOf(entry)[entry & BLOCK_MASK] = value;
    }

    /** The block that holds `entry`, added (with any before it) when missing. */
    private _blockOf(entry: number): T {
        for (;;) {
            const block = this._blocks[entry >>> BLOCK_BITS];
            if (block)
                return block;
            this._blocks.push(this._make(BLOCK));
        }
    }

    /** The first `length` values as bytes, one view per block (no copy). */
    parts(length: number): Uint8Array[] {
        const parts: Uint8Array[] = [];
        for (let at = 0; at < length; at += BLOCK)
            parts.push(bytesOf(this._blockOf(at), Math.min(BLOCK, length - at)));
        return parts;
    }

    /** Sets the first `values.length` values. */
    load(values: Numbers): void {
        for (let at = 0; at < values.length; at += BLOCK)
            this._blockOf(at).set(values.subarray(at, Math.min(values.length, at + BLOCK)));
    }
}

export class UsageStore {
    count = 0;
    readonly time = new Column(n => new Float64Array(n));
    readonly input = new Column(n => new Float64Array(n));
    readonly output = new Column(n => new Float64Array(n));
    readonly cacheWrite = new Column(n => new Float64Array(n));
    readonly cacheRead = new Column(n => new Float64Array(n));
    readonly cost = new Column(n => new Float64Array(n));
    /** Index into `models`. */
    readonly model = new Column(n => new Uint16Array(n));
    /** Index into `days` (the local calendar day of `time`; derived, not saved). */
    readonly day = new Column(n => new Uint16Array(n));
    readonly file = new Column(n => new Int32Array(n));
    readonly flags = new Column(n => new Uint8Array(n));
    readonly models: string[] = [];
    readonly days: string[] = [];
    /** Days whose entries changed since the caller last took them (see takeTouchedDays). */
    private _touchedDays = new Set<number>();
    private readonly _modelIds = new Map<string, number>();
    private readonly _dayIds = new Map<string, number>();
    private readonly _hash = new Column(n => new Uint32Array(n));
    /** Where the key is in the arena: its block's index << ARENA_BITS, plus where in the block. */
    private readonly _keyStart = new Column(n => new Uint32Array(n));
    private readonly _keyLength = new Column(n => new Uint16Array(n));
    /** The keys' bytes, in blocks of ARENA_BLOCK (a full one is never copied either). */
    private _arena: Uint8Array[] = [];
    private _arenaUsed = 0;
    /** Entry index + 1 per slot; 0 is free. */
    private _table = new Int32Array(1024);

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
            if (this._hash.get(entry) === hash && this._keyLength.get(entry) === key.length &&
                (this.flags.get(entry) & CODEX) === (flags & CODEX) && this._keyEquals(entry, key))
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
        const start = this._keyStart.get(entry);
        const block = this._arena[start >>> ARENA_BITS];
        if (!block)
            return false;
        for (let k = 0, at = start & (ARENA_BLOCK - 1); k < key.length; k++, at++) {
            if (block[at] !== key[k])
                return false;
        }
        return true;
    }

    private _write(entry: number, v: EntryValues): void {
        this.time.set(entry, v.time);
        this.input.set(entry, v.input);
        this.output.set(entry, v.output);
        this.cacheWrite.set(entry, v.cacheWrite);
        this.cacheRead.set(entry, v.cacheRead);
        this.cost.set(entry, v.cost);
        this.model.set(entry, this._modelId(v.model));
        const day = this._dayId(v.time);
        this.day.set(entry, day);
        this._touchedDays.add(day);
        this.file.set(entry, v.file);
        this.flags.set(entry, v.flags);
    }

    /**
     * Adds an entry, or replaces the kept copy of the same key when this one is preferred
     * (Claude, see preferEntry; a Codex event's first copy stays). Entries without a key are
     * always added. Returns whether the store changed.
     */
    offer(key: Uint8Array | null, v: EntryValues): boolean {
        if (key === null) {
            this._append(v, 0, 0, 0);
            return true;
        }
        const hash = hashKey(key, v.flags);
        const kept = this._find(key, hash, v.flags);
        if (kept >= 0) {
            if (v.flags & CODEX || !preferEntry((v.flags & SIDECHAIN) !== 0, v.input + v.output + v.cacheWrite + v.cacheRead,
                (this.flags.get(kept) & SIDECHAIN) !== 0, this.size(kept)))
                return false;
            this._touchedDays.add(this.day.get(kept)); // the copy it replaces may be on another day
            this._write(kept, v);
            return true;
        }
        if (key.length >= ARENA_BLOCK)
            return false; // not an id any tool writes
        let start = this._arenaUsed;
        if ((start & (ARENA_BLOCK - 1)) + key.length > ARENA_BLOCK)
            start = ((start >>> ARENA_BITS) + 1) * ARENA_BLOCK; // the key goes whole into the next block
        while (this._arena.length <= start >>> ARENA_BITS)
            this._arena.push(new Uint8Array(ARENA_BLOCK));
        this._arena[start >>> ARENA_BITS]?.set(key, start & (ARENA_BLOCK - 1));
        this._table[this._freeSlot] = this.count + 1;
        this._append(v, hash, start, key.length);
        this._arenaUsed = start + key.length;
        return true;
    }

    private _append(v: EntryValues, hash: number, keyStart: number, keyLength: number): void {
        const entry = this.count++;
        this._write(entry, v);
        this._hash.set(entry, hash);
        this._keyStart.set(entry, keyStart);
        this._keyLength.set(entry, keyLength);
        if (keyLength > 0 && this.count * 2 > this._table.length)
            this._rehash(this._table.length * 2);
    }

    private _rehash(slots: number): void {
        this._table = new Int32Array(slots);
        const mask = slots - 1;
        for (let entry = 0; entry < this.count; entry++) {
            if (this._keyLength.get(entry) === 0)
                continue;
            let slot = this._hash.get(entry) & mask;
            while (this._table[slot] !== 0)
                slot = (slot + 1) & mask;
            this._table[slot] = entry + 1;
        }
    }

    /** All tokens of an entry. */
    size(entry: number): number {
        return this.input.get(entry) + this.output.get(entry) + this.cacheWrite.get(entry) + this.cacheRead.get(entry);
    }

    /** The entry's fields, into `into` (for sending them to another process). */
    read(entry: number, into: EntryValues): EntryValues {
        into.time = this.time.get(entry);
        into.input = this.input.get(entry);
        into.output = this.output.get(entry);
        into.cacheWrite = this.cacheWrite.get(entry);
        into.cacheRead = this.cacheRead.get(entry);
        into.cost = this.cost.get(entry);
        into.model = this.models[this.model.get(entry)] ?? '';
        into.file = this.file.get(entry);
        into.flags = this.flags.get(entry);
        return into;
    }

    /** The entry's key bytes; null for an entry without a key. */
    key(entry: number): Uint8Array | null {
        const length = this._keyLength.get(entry);
        const start = this._keyStart.get(entry);
        const at = start & (ARENA_BLOCK - 1);
        return length === 0 ? null : this._arena[start >>> ARENA_BITS]?.subarray(at, at + length) ?? null;
    }

    /**
     * The store as bytes, in pieces that are views of the columns' blocks (not copies): the
     * columns one after the other, so that each starts 8-aligned for StoredEntries; native byte
     * order, read back on the same machine only.
     */
    toParts(): Uint8Array[] {
        const models = new TextEncoder().encode(JSON.stringify(this.models));
        const n = this.count;
        const head = new Uint8Array(pad8(HEADER_WORDS * 4 + models.length));
        new Uint32Array(head.buffer, 0, HEADER_WORDS).set([MAGIC, n, this._arenaUsed, models.length]);
        head.set(models, HEADER_WORDS * 4);
        const halvesAndFlags = 3 * 4 * n + 2 * 2 * n + n;
        const arena = this._arena.map((block, b) => block.subarray(0, Math.max(0, Math.min(ARENA_BLOCK, this._arenaUsed - b * ARENA_BLOCK))));
        return [head, ...FLOAT_COLUMNS.flatMap(name => this[name].parts(n)), ...this._hash.parts(n), ...this._keyStart.parts(n),
            ...this.file.parts(n), ...this.model.parts(n), ...this._keyLength.parts(n), ...this.flags.parts(n),
            new Uint8Array(pad8(halvesAndFlags) - halvesAndFlags), ...arena.filter(part => part.length > 0)];
    }

    /** The store as one array of bytes (see toParts). */
    toBytes(): Uint8Array {
        return concatBytes(this.toParts());
    }

    /** A store from toBytes(); null when the bytes are not one (wrong size, bad indexes). */
    static fromBytes(data: Uint8Array): UsageStore | null {
        const stored = StoredEntries.parse(data);
        if (!stored)
            return null;
        const n = stored.count;
        const store = new UsageStore();
        stored.models.forEach(m => store._modelId(m));
        const c = stored.columns;
        for (const name of FLOAT_COLUMNS)
            store[name].load(c[name]);
        store._hash.load(c.hash);
        store._keyStart.load(c.keyStart);
        store.file.load(c.file);
        store.model.load(c.model);
        store._keyLength.load(c.keyLength);
        store.flags.load(c.flags);
        for (let at = 0; at < c.arena.length; at += ARENA_BLOCK) {
            const block = new Uint8Array(ARENA_BLOCK);
            block.set(c.arena.subarray(at, at + ARENA_BLOCK));
            store._arena.push(block);
        }
        store._arenaUsed = c.arena.length;
        store.count = n;
        for (let entry = 0; entry < n; entry++) {
            const day = store._dayId(store.time.get(entry));
            store.day.set(entry, day);
            store._touchedDays.add(day);
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
            const keyStart = c.keyStart[entry] ?? 0;
            const keyLength = c.keyLength[entry] ?? 0;
            // A key lies whole in one of the arena's blocks (see UsageStore.offer).
            if ((c.model[entry] ?? 0) >= models.length || keyStart + keyLength > arenaUsed ||
                (keyStart & (ARENA_BLOCK - 1)) + keyLength > ARENA_BLOCK)
                return null;
        }
        return new StoredEntries(n, models, c);
    }
}
