// Runs the providers: on a timer, on demand and when credentials change. Each provider runs on
// its own, against its own deadline, and publishes as soon as it settles: one provider's bug,
// stall or slowness never holds back another's data or the manual Refresh. Keeps the last good
// data (marked stale) when a refresh fails, holds every published value to sane bounds, and
// persists the data, the rate-limit pauses and the failure back-offs. Owns every source,
// monitor and cancellable it creates; destroy() ends them.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {BackoffGate} from './backoff.js';
import type {SnapshotCache} from './cache.js';
import type {ProviderId, UsageSnapshot} from './contract.js';
import {withDeadline} from './deadline.js';
import type {Environment} from './environment.js';
import {ProviderError, isCancelled} from './errors.js';
import type {HttpClient} from './http.js';
import {_, format} from './i18n.js';
import {MAX_PERCENT} from './json.js';
import {errorSnapshot} from './provider.js';
import type {Provider} from './provider.js';
import {MAX_PAUSE_MS, isRepresentable, saneResetTime} from './time.js';
import {FileWatcher} from './watcher.js';

export interface MeterState {
    snapshots: UsageSnapshot[];
    refreshing: boolean;
}

/** Longest a provider's whole fetch (several requests, pages, a token refresh) may take before its card says so. */
export const DEFAULT_PROVIDER_DEADLINE_MS = 90_000;

export interface UsageServiceOptions {
    providers: readonly Provider[];
    env: Environment;
    http: HttpClient;
    cache: SnapshotCache | null;
    /** Called for unexpected failures (bugs), never for provider errors. */
    onError: (error: unknown) => void;
    /** Test hook: a shorter provider deadline. */
    providerDeadlineMs?: number;
}

/** One provider's runs: the one in flight, and at most one asked for meanwhile (run right after it). */
interface ProviderRuns {
    running: Promise<void> | null;
    queued: Promise<void> | null;
    queuedManual: boolean;
}

export class UsageService {
    private readonly _options: UsageServiceOptions;
    private readonly _gate = new BackoffGate();
    /** Cancelled by destroy() only: cancelling Soup requests in flight otherwise crashed the Shell. */
    private readonly _lifetime = new Gio.Cancellable();
    private _enabled = new Set<ProviderId>();
    private _snapshots: UsageSnapshot[] = [];
    private readonly _runs = new Map<ProviderId, ProviderRuns>();
    /** Saves, one after another, so that an older state never overwrites a newer one. */
    private _saving: Promise<void> = Promise.resolve();
    /** A save is waiting for the one in progress: it will write the newest state, so no other is queued. */
    private _saveQueued = false;
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
        return {snapshots: this._snapshots, refreshing: [...this._runs.values()].some(r => r.running !== null)};
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
            const cached = await this._options.cache?.load(this._lifetime) ?? [];
            for (const s of cached) {
                if (s.spend !== null && s.updatedAt !== null)
                    this._billedAt.set(s.provider, Math.max(this._billedAt.get(s.provider) ?? 0, s.updatedAt));
            }
            if (this._snapshots.length === 0) {
                const now = this._options.env.now();
                this._snapshots = this._sorted(cached.filter(s => this._enabled.has(s.provider))
                    .map(s => saneSnapshot({...s, stale: true, error: null}, now)));
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
     * Fetches every enabled provider, each on its own; resolves when all have settled. A refresh
     * asked for while a provider's fetch runs is not started beside it and does not cancel it:
     * it runs once, right after, for all who asked — for that provider only, so the others go
     * ahead. (Cancelling Soup requests in flight crashed GNOME Shell 48 in our end-to-end test;
     * the endpoints also rate-limit, so overlapping bursts are worth avoiding anyway.)
     */
    async refresh(manual: boolean): Promise<void> {
        if (this._destroyed)
            return;
        // Pauses and back-offs the CLI (or another session) recorded since the last refresh apply here too.
        await this._restorePauses();
        const providers = this._options.providers.filter(p => this._enabled.has(p.id));
        await Promise.all(providers.map(provider => this._request(provider, manual)));
    }

    private _request(provider: Provider, manual: boolean): Promise<void> {
        if (this._destroyed)
            return Promise.resolve();
        let runs = this._runs.get(provider.id);
        if (runs === undefined) {
            runs = {running: null, queued: null, queuedManual: false};
            this._runs.set(provider.id, runs);
        }
        const current = runs;
        if (current.running === null) {
            current.running = this._run(provider, manual).finally(() => {
                current.running = null;
                this._publish();
            });
            this._publish();
            return current.running;
        }
        current.queuedManual ||= manual;
        current.queued ??= current.running.then(() => {
            const queuedManual = current.queuedManual;
            current.queued = null;
            current.queuedManual = false;
            return this._request(provider, queuedManual);
        });
        return current.queued;
    }

    /**
     * One provider's fetch. Past its deadline its cards say so (keeping their last data), and
     * what it sends later is still shown. It never rejects.
     */
    private async _run(provider: Provider, manual: boolean): Promise<void> {
        const now = this._options.env.now();
        if (provider.billing && !manual &&
            now - (this._billedAt.get(provider.id) ?? -Infinity) < this._billingIntervalSeconds * 1000)
            return;
        if (provider.billing)
            this._billedAt.set(provider.id, now);
        const fetched = this._fetch(provider, manual);
        const deadlineMs = this._options.providerDeadlineMs ?? DEFAULT_PROVIDER_DEADLINE_MS;
        try {
            await this._settle(provider.id, await withDeadline(fetched, deadlineMs, () => new ProviderError('timeout',
                format(_('%s did not answer within %d s.'), provider.name, Math.round(deadlineMs / 1000)),
                _('Its server or the network is slow; the next refresh will try again.'))));
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
            void this._settle(provider.id, this._failedAccounts(provider.id, error));
            await this._settle(provider.id, await fetched);
        }
    }

    /** The provider's snapshots, or, when it throws (a bug), an error for its accounts; null when cancelled. */
    private async _fetch(provider: Provider, manual: boolean): Promise<UsageSnapshot[] | null> {
        try {
            return await provider.fetch({
                http: this._options.http, env: this._options.env, gate: this._gate, cancellable: this._lifetime, manual,
            });
        } catch (error) {
            if (isCancelled(error) || this._destroyed)
                return null;
            this._options.onError(error);
            return this._failedAccounts(provider.id, new ProviderError('internal',
                format(_('The %s card hit a problem of ours.'), provider.name),
                _('The other cards are not affected; the next refresh tries again. Please report it with the log.')));
        }
    }

    /** An error for each account the provider showed last (so each keeps its data), or for one new card. */
    private _failedAccounts(provider: ProviderId, error: ProviderError): UsageSnapshot[] {
        const known = this._snapshots.filter(s => s.provider === provider);
        const accounts = known.length > 0 ? known : [{accountId: 'default',
            accountLabel: this._options.providers.find(p => p.id === provider)?.name ?? provider}];
        return accounts.map(a => errorSnapshot(provider, a.accountId, a.accountLabel, error));
    }

    /** Publishes one provider's result in place of what it showed before; resolves once it is saved. */
    private _settle(provider: ProviderId, results: UsageSnapshot[] | null): Promise<void> {
        if (results === null || this._destroyed)
            return Promise.resolve();
        const now = this._options.env.now();
        // Providers disabled while the fetch ran are dropped.
        const fresh = results.filter(s => s.provider === provider && this._enabled.has(s.provider))
            .map(s => saneSnapshot(this._mergeWithPrevious(this._named(s)), now));
        this._snapshots = this._sorted([...this._snapshots.filter(s => s.provider !== provider), ...fresh]);
        this._publish();
        return this._save();
    }

    /** Saves the newest state after the save in progress (one queued save serves every caller meanwhile). */
    private _save(): Promise<void> {
        const cache = this._options.cache;
        if (cache === null || this._saveQueued)
            return this._saving;
        this._saveQueued = true;
        this._saving = this._saving.then(async () => {
            this._saveQueued = false;
            if (this._destroyed)
                return;
            await cache.save(this._snapshots, this._lifetime);
            await cache.savePauses(this._gate, this._options.env.now(), this._lifetime);
        }).catch((error: unknown) => {
            if (!isCancelled(error))
                this._options.onError(error);
        });
        return this._saving;
    }

    private async _restorePauses(): Promise<void> {
        try {
            await this._options.cache?.restorePauses(this._gate, this._options.env.now(), this._lifetime);
        } catch (error) {
            if (!isCancelled(error))
                this._options.onError(error);
        }
    }

    private _named(snapshot: UsageSnapshot): UsageSnapshot {
        return withAccountName(snapshot, this._accountNames);
    }

    private _mergeWithPrevious(snapshot: UsageSnapshot): UsageSnapshot {
        return withLastData(snapshot, this._snapshots);
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
        if (this._destroyed)
            return;
        const state = this.state;
        for (const listener of this._listeners)
            listener(state);
    }

    /** Cancels everything in flight (but token refreshes, which finish) and removes every source and monitor. */
    destroy(): void {
        this._destroyed = true;
        this._listeners.clear();
        this._lifetime.cancel();
        if (this._timerId !== 0)
            GLib.source_remove(this._timerId);
        this._timerId = 0;
        this._watcher?.destroy();
        this._watcher = null;
        this._options.http.destroy();
    }
}

/**
 * A snapshot as views may show it, whatever a parser, a log or a cache file said: percentages
 * finite and within 0–MAX_PERCENT, reset times within the horizon (else unknown), pauses at most
 * a day, no non-finite amounts. Parsers already reject such values; this is the last guard.
 */
export function saneSnapshot(snapshot: UsageSnapshot, now: number): UsageSnapshot {
    const finite = (n: number): boolean => Number.isFinite(n);
    const retryAt = snapshot.error?.retryAt ?? null;
    return {
        ...snapshot,
        windows: snapshot.windows.filter(w => finite(w.usedPercent) &&
            (w.money === undefined || (finite(w.money.used) && finite(w.money.limit) && w.money.used >= 0 && w.money.limit >= 0)))
            .map(w => ({
            ...w,
            usedPercent: Math.min(MAX_PERCENT, Math.max(0, w.usedPercent)),
            resetsAt: saneResetTime(w.resetsAt, now),
            windowSeconds: w.windowSeconds !== null && finite(w.windowSeconds) && w.windowSeconds > 0 ? w.windowSeconds : null,
        })),
        balances: snapshot.balances.filter(b => finite(b.amount)),
        updatedAt: snapshot.updatedAt !== null && isRepresentable(snapshot.updatedAt) ? snapshot.updatedAt : null,
        error: snapshot.error === null ? null : {...snapshot.error,
            retryAt: retryAt === null || !isRepresentable(retryAt) ? null : Math.min(retryAt, now + MAX_PAUSE_MS)},
    };
}

/** A failed account keeps its newest data (ours or a fallback's) from `known`, marked stale, with the new error. */
export function withLastData(snapshot: UsageSnapshot, known: readonly UsageSnapshot[]): UsageSnapshot {
    if (snapshot.error === null)
        return snapshot;
    const key = accountKey(snapshot);
    const previous = known.find(s => accountKey(s) === key && s.updatedAt !== null);
    if (previous === undefined || (snapshot.updatedAt ?? -Infinity) >= (previous.updatedAt ?? -Infinity))
        return snapshot;
    return {...previous, stale: true, error: snapshot.error};
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
