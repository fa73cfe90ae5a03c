// The last good snapshots, kept in the user cache (0600) so the menu has something to show
// right after login or while a provider is failing; and the rate-limit pauses and failure
// back-offs, in a file of their own that the Shell and the CLI share, so that neither hits an
// endpoint that asked to wait or keeps failing.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {mergePauses, type BackoffGate} from './backoff.js';
import type {UsageSnapshot} from './contract.js';
import {ensureDirectory, readTextFile, writePrivateFile} from './files.js';
import {isObject, parseJson} from './json.js';

const CACHE_VERSION = 4; // 3: snapshots carry `spend`; 4: money limits are windows

/** Accepts what we wrote ourselves; anything else (older format, hand edits) is dropped. */
function isCachedSnapshot(value: unknown): value is UsageSnapshot {
    return isObject(value) &&
        typeof value['provider'] === 'string' &&
        typeof value['accountId'] === 'string' &&
        typeof value['accountLabel'] === 'string' &&
        typeof value['updatedAt'] === 'number' &&
        Array.isArray(value['windows']) &&
        Array.isArray(value['balances']);
}

export class SnapshotCache {
    readonly path: string;
    /** Rate-limit pauses and failure back-offs (keyed by token fingerprints), shared by every process of ours. */
    readonly pausesPath: string;

    constructor(cacheDir: string) {
        this.path = GLib.build_filenamev([cacheDir, 'ai-usage-meter', 'snapshots.json']);
        this.pausesPath = GLib.build_filenamev([cacheDir, 'ai-usage-meter', 'rate-limits.json']);
    }

    async load(cancellable: Gio.Cancellable | null): Promise<UsageSnapshot[]> {
        const json = await readJson(this.path, cancellable);
        if (!isObject(json) || json['version'] !== CACHE_VERSION || !Array.isArray(json['snapshots']))
            return [];
        return json['snapshots'].filter(isCachedSnapshot);
    }

    /** Saves snapshots that hold data (error-only ones are not worth keeping). */
    async save(snapshots: readonly UsageSnapshot[], cancellable: Gio.Cancellable | null): Promise<void> {
        const withData = snapshots.filter(s => s.updatedAt !== null);
        await ensureDirectory(GLib.path_get_dirname(this.path), cancellable);
        await writePrivateFile(this.path, JSON.stringify({version: CACHE_VERSION, snapshots: withData}), cancellable);
    }

    /** Takes the pauses another process (or an earlier session) saved into `gate`. */
    async restorePauses(gate: BackoffGate, now: number, cancellable: Gio.Cancellable | null): Promise<void> {
        gate.restore(await readJson(this.pausesPath, cancellable), now);
    }

    /**
     * Merges `gate`'s pauses and back-offs into the shared file: the file's own stay unless this
     * process saw them end in a success; the later end of a pause wins. A write between our read
     * and our write is lost at worst for one pause, which its next 429 or failure records again.
     */
    async savePauses(gate: BackoffGate, now: number, cancellable: Gio.Cancellable | null): Promise<void> {
        const saved = await readTextFile(this.pausesPath, cancellable);
        const merged = JSON.stringify(mergePauses(saved === null ? undefined : parseJson(saved), gate.shared(now), gate.cleared(), now));
        // Every refresh saves; most find nothing changed, and a write would only wear the disk.
        if (merged === saved)
            return;
        await ensureDirectory(GLib.path_get_dirname(this.pausesPath), cancellable);
        await writePrivateFile(this.pausesPath, merged, cancellable);
    }
}

async function readJson(path: string, cancellable: Gio.Cancellable | null): Promise<unknown> {
    const text = await readTextFile(path, cancellable);
    return text === null ? undefined : parseJson(text);
}
