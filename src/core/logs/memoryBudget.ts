// When a log reader collects garbage. A mapped log file counts as the process's memory until
// the garbage collector frees the ArrayBuffer over it (GJS has no other way to unmap it), and
// every full collection costs 4-8 ms, and as much again while the readers' code warms up
// after it: collecting after a fixed number of bytes spent a quarter of a cold scan on it.
// So a reader collects only when the next file would take the process past its budget: the
// resident size is measured after each collection, and what was mapped since is counted.

import GLib from 'gi://GLib';

/** The least room a collection leaves: a process whose other memory fills its budget still reads at a fair pace. */
const MIN_ROOM_BYTES = 4 * 1024 * 1024;
/**
 * The most: the rest of a process grows while it reads too (its heap, the store), most early
 * on, and that growth is only seen at the next collection.
 */
const MAX_ROOM_BYTES = 16 * 1024 * 1024;

export interface MemoryBudgetOptions {
    /** Frees what is no longer referenced (System.gc in a worker). */
    collect: () => void;
    /** The resident size the process may reach while reading, in bytes. */
    budgetBytes: number;
    /** The process's resident size now, in bytes; null when it cannot be known. */
    resident?: () => number | null;
    /** The room after a collection when the resident size is not known. */
    fixedRoomBytes: number;
}

/** The resident size of this process (VmRSS, which counts mapped file pages too); null where /proc cannot tell. */
export function residentBytes(): number | null {
    try {
        const [, status] = GLib.file_get_contents('/proc/self/status');
        const kB = /\nVmRSS:\s+(\d+) kB/.exec(new TextDecoder().decode(status));
        return kB ? Number(kB[1]) * 1024 : null;
    } catch {
        return null;
    }
}

/** What a log-reading process may reach (the worker, a one-shot scan, a helper): under 64 MB with its answer. */
const READING_BUDGET_BYTES = 56 * 1024 * 1024;
/** Where the resident size cannot be measured: collect after this many bytes. */
const FIXED_ROOM_BYTES = 8 * 1024 * 1024;

export class MemoryBudget {
    /** A budget that never collects (a process that leaves it to the garbage collector). */
    static unlimited(): MemoryBudget {
        return new MemoryBudget({collect: () => undefined, budgetBytes: Infinity, fixedRoomBytes: Infinity});
    }

    /** The budget of a log-reading process, which `collect` keeps (System.gc). */
    static forReading(collect: () => void): MemoryBudget {
        return new MemoryBudget({collect, budgetBytes: READING_BUDGET_BYTES, resident: residentBytes, fixedRoomBytes: FIXED_ROOM_BYTES});
    }

    /** Bytes mapped (or otherwise held until a collection) since the last one. */
    private _held = 0;
    private _room: number;
    private readonly _options: MemoryBudgetOptions;
    private _collections = 0;

    constructor(options: MemoryBudgetOptions) {
        this._options = options;
        this._room = this._roomNow();
    }

    /** How many collections the budget asked for (the bench prints it). */
    get collections(): number {
        return this._collections;
    }

    /**
     * Makes room for `bytes` about to be mapped or held until the next collection: collects
     * first when they would not fit. A file larger than any room is mapped after a collection.
     */
    take(bytes: number): void {
        if (this._held > 0 && this._held + bytes > this._room)
            this.collect();
        this._held += bytes;
    }

    /** Collects now (after work whose garbage is known to be large) and measures the room again. */
    collect(): void {
        this._options.collect();
        this._collections++;
        this._held = 0;
        this._room = this._roomNow();
    }

    private _roomNow(): number {
        const resident = this._options.resident?.() ?? null;
        return resident === null ? this._options.fixedRoomBytes : Math.min(MAX_ROOM_BYTES, Math.max(MIN_ROOM_BYTES, this._options.budgetBytes - resident));
    }
}
