// Runs the providers: on a timer, on demand and when credentials change. Publishes one sorted
// list of snapshots per refresh, keeps the last good data (marked stale) when a refresh fails,
// and persists it. Owns every source, monitor and cancellable it creates; destroy() ends them.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {BackoffGate} from './backoff.js';
import type {SnapshotCache} from './cache.js';
import type {ProviderId, UsageSnapshot} from './contract.js';
import type {Environment} from './environment.js';
import {isCancelled} from './errors.js';
import type {HttpClient} from './http.js';
import type {Provider} from './provider.js';
import {FileWatcher} from './watcher.js';

export interface MeterState {
    snapshots: UsageSnapshot[];
    refreshing: boolean;
}

export interface UsageServiceOptions {
    providers: readonly Provider[];
    env: Environment;
    http: HttpClient;
    cache: SnapshotCache | null;
    /** Called for unexpected failures (bugs), never for provider errors. */
    onError: (error: unknown) => void;
}

export class UsageService {
    private readonly _options: UsageServiceOptions;
    private readonly _gate = new BackoffGate();
    private readonly _lifetime = new Gio.Cancellable();
    private _enabled = new Set<ProviderId>();
    private _snapshots: UsageSnapshot[] = [];
    private _refresh: Gio.Cancellable | null = null;
    private _running: Promise<void> | null = null;
    private _queued: Promise<void> | null = null;
    private _queuedManual = false;
    private _timerId = 0;
    private _intervalSeconds = 300;
    private _billingIntervalSeconds = 3600;
    /** When each billing provider was last fetched: they refresh on their own, longer interval. */
    private readonly _billedAt = new Map<ProviderId, number>();
    private _watcher: FileWatcher | null = null;
    private _destroyed = false;
    private _accountNames: ReadonlyMap<string, string> = new Map();
    private readonly _listeners = new Set<(state: MeterState) => void>();

    constructor(options: UsageServiceOptions) {
        this._options = options;
    }

    get state(): MeterState {
        return {snapshots: this._snapshots, refreshing: this._refresh !== null};
    }

    /** Registers a listener; returns the function that removes it. */
    subscribe(listener: (state: MeterState) => void): () => void {
        this._listeners.add(listener);
        return () => this._listeners.delete(listener);
    }

    /** Shows cached data at once (stale), then refreshes. */
    async start(enabled: Iterable<ProviderId>, intervalSeconds: number): Promise<void> {
        this._enabled = new Set(enabled);
        this._intervalSeconds = intervalSeconds;
        this._watchCredentials();
        try {
            const loaded = await this._options.cache?.load(this._lifetime) ?? {snapshots: [], pauses: {}};
            this._gate.restore(loaded.pauses, this._options.env.now());
            const cached = loaded.snapshots;
            for (const s of cached) {
                if (s.spend !== null && s.updatedAt !== null)
                    this._billedAt.set(s.provider, Math.max(this._billedAt.get(s.provider) ?? 0, s.updatedAt));
            }
            if (this._snapshots.length === 0) {
                this._snapshots = this._sorted(cached.filter(s => this._enabled.has(s.provider))
                    .map(s => ({...s, stale: true, error: null})));
                this._publish();
            }
        } catch (error) {
            if (isCancelled(error))
                return;
            this._options.onError(error);
        }
        this._schedule();
        await this.refresh(false);
    }

    setInterval(seconds: number): void {
        this._intervalSeconds = seconds;
        this._schedule();
    }

    /** Billing APIs change slowly: they are fetched at most this often, unless asked for. */
    setBillingInterval(seconds: number): void {
        this._billingIntervalSeconds = seconds;
    }

    /** A billing key or setting changed: fetch the billing providers at the next refresh. */
    invalidateBilling(): void {
        this._billedAt.clear();
    }

    /** The names the user gave accounts, keyed by accountNameKey(); shown at once. */
    setAccountNames(names: ReadonlyMap<string, string>): void {
        this._accountNames = names;
        this._snapshots = this._sorted(this._snapshots.map(s => withAccountName(s, names)));
        this._publish();
    }

    /** The accounts changed (a folder, a sign-in): watch their credentials and fetch again. */
    accountsChanged(): void {
        if (this._watcher !== null)
            this._watchCredentials();
        void this.refresh(false);
    }

    private _sorted(snapshots: UsageSnapshot[]): UsageSnapshot[] {
        return sortSnapshots(snapshots, this._options.providers.map(p => p.id));
    }

    setEnabledProviders(enabled: Iterable<ProviderId>): void {
        this._enabled = new Set(enabled);
        this._snapshots = this._snapshots.filter(s => this._enabled.has(s.provider));
        this._publish();
        void this.refresh(false);
    }

    /**
     * Fetches every enabled provider in parallel. A refresh asked for while one runs is not
     * started beside it and does not cancel it: it runs once, right after, for all who asked.
     * (Cancelling Soup requests in flight crashed GNOME Shell 48 in our end-to-end test; the
     * endpoints also rate-limit, so overlapping bursts are worth avoiding anyway.)
     */
    refresh(manual: boolean): Promise<void> {
        if (this._destroyed)
            return Promise.resolve();
        if (this._running === null) {
            this._running = this._run(manual).finally(() => {
                this._running = null;
            });
            return this._running;
        }
        this._queuedManual ||= manual;
        this._queued ??= this._running.then(() => {
            const queuedManual = this._queuedManual;
            this._queued = null;
            this._queuedManual = false;
            return this.refresh(queuedManual);
        });
        return this._queued;
    }

    private async _run(manual: boolean): Promise<void> {
        const cancellable = new Gio.Cancellable();
        this._refresh = cancellable;
        this._publish();

        const now = this._options.env.now();
        const due = (p: Provider): boolean => !p.billing || manual ||
            now - (this._billedAt.get(p.id) ?? -Infinity) >= this._billingIntervalSeconds * 1000;
        const providers = this._options.providers.filter(p => this._enabled.has(p.id));
        try {
            const results = await Promise.all(providers.map(provider => {
                if (!due(provider))
                    return Promise.resolve(this._snapshots.filter(s => s.provider === provider.id));
                if (provider.billing)
                    this._billedAt.set(provider.id, now);
                return provider.fetch({
                    http: this._options.http, env: this._options.env, gate: this._gate, cancellable, manual,
                });
            }));
            if (cancellable.is_cancelled())
                return;
            // Providers disabled while the refresh ran are dropped.
            this._snapshots = this._sorted(results.flat().filter(s => this._enabled.has(s.provider))
                .map(s => this._mergeWithPrevious(this._named(s))));
            this._refresh = null;
            this._publish();
            await this._options.cache?.save(this._snapshots, this._gate.pauses(this._options.env.now()), this._lifetime);
        } catch (error) {
            if (!isCancelled(error))
                this._options.onError(error);
        } finally {
            if (this._refresh === cancellable) {
                this._refresh = null;
                this._publish();
            }
        }
    }

    private _named(snapshot: UsageSnapshot): UsageSnapshot {
        return withAccountName(snapshot, this._accountNames);
    }

    /** A failed account keeps its newest data (ours or a fallback's), marked stale, with the new error. */
    private _mergeWithPrevious(snapshot: UsageSnapshot): UsageSnapshot {
        if (snapshot.error === null)
            return snapshot;
        const key = accountKey(snapshot);
        const previous = this._snapshots.find(s => accountKey(s) === key && s.updatedAt !== null);
        if (previous === undefined || (snapshot.updatedAt ?? -Infinity) >= (previous.updatedAt ?? -Infinity))
            return snapshot;
        return {...previous, stale: true, error: snapshot.error};
    }

    /** Watches the credentials of every provider, enabled or not, so that toggling one never churns monitors. */
    private _watchCredentials(): void {
        if (this._destroyed)
            return;
        this._watcher ??= new FileWatcher(() => void this.refresh(false));
        this._watcher.update(this._options.providers
            .flatMap(p => p.watchedPaths(this._options.env)));
    }

    private _schedule(): void {
        if (this._timerId !== 0)
            GLib.source_remove(this._timerId);
        this._timerId = 0;
        if (this._destroyed)
            return;
        this._timerId = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, Math.max(30, this._intervalSeconds), () => {
            void this.refresh(false);
            return GLib.SOURCE_CONTINUE;
        });
    }

    private _publish(): void {
        const state = this.state;
        for (const listener of this._listeners)
            listener(state);
    }

    /** Cancels everything in flight and removes every source and monitor. */
    destroy(): void {
        this._destroyed = true;
        this._listeners.clear();
        this._lifetime.cancel();
        this._refresh?.cancel();
        this._refresh = null;
        if (this._timerId !== 0)
            GLib.source_remove(this._timerId);
        this._timerId = 0;
        this._watcher?.destroy();
        this._watcher = null;
        this._options.http.destroy();
    }
}

/** The key of an account's user-given name in the `account-names` setting. */
export function accountNameKey(provider: ProviderId, accountId: string): string {
    return `${provider}:${accountId}`;
}

/** Applies the name the user gave the account, if any. */
export function withAccountName(snapshot: UsageSnapshot, names: ReadonlyMap<string, string>): UsageSnapshot {
    const name = names.get(accountNameKey(snapshot.provider, snapshot.accountId));
    return name ? {...snapshot, accountLabel: name} : snapshot;
}

const accountKey = (snapshot: UsageSnapshot): string => `${snapshot.provider}\n${snapshot.accountId}`;

/** By provider in `order` (the registry's), then account label (case-insensitive). */
export function sortSnapshots(snapshots: readonly UsageSnapshot[], order: readonly ProviderId[]): UsageSnapshot[] {
    return [...snapshots].sort((a, b) =>
        order.indexOf(a.provider) - order.indexOf(b.provider) ||
        a.accountLabel.localeCompare(b.accountLabel, undefined, {sensitivity: 'base'}) ||
        a.accountId.localeCompare(b.accountId));
}
