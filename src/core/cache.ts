// The last good snapshots, kept in the user cache (0600) so the menu has something to show
// right after login or while a provider is failing.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

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

export interface CachedState {
    snapshots: UsageSnapshot[];
    /** Rate-limit pauses as BackoffGate.pauses() saved them (validated by BackoffGate.restore()). */
    pauses: unknown;
}

export class SnapshotCache {
    readonly path: string;

    constructor(cacheDir: string) {
        this.path = GLib.build_filenamev([cacheDir, 'ai-usage-meter', 'snapshots.json']);
    }

    async load(cancellable: Gio.Cancellable | null): Promise<CachedState> {
        const text = await readTextFile(this.path, cancellable);
        const json = text === null ? undefined : parseJson(text);
        if (!isObject(json))
            return {snapshots: [], pauses: {}};
        // Pauses outlive a format change (BackoffGate.restore() checks them); snapshots do not.
        const snapshots = json['version'] === CACHE_VERSION && Array.isArray(json['snapshots']) ? json['snapshots'] : [];
        return {snapshots: snapshots.filter(isCachedSnapshot), pauses: json['pauses'] ?? {}};
    }

    /**
     * Saves snapshots that hold data (error-only ones are not worth keeping) and the rate-limit
     * pauses still running, so that a restart does not hit an endpoint that asked us to wait.
     */
    async save(snapshots: readonly UsageSnapshot[], pauses: unknown, cancellable: Gio.Cancellable | null): Promise<void> {
        const withData = snapshots.filter(s => s.updatedAt !== null);
        await ensureDirectory(GLib.path_get_dirname(this.path), cancellable);
        await writePrivateFile(this.path, JSON.stringify({version: CACHE_VERSION, snapshots: withData, pauses}),
            cancellable);
    }
}
