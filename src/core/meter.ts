// The meter as the extension runs it, without any Shell widget: the providers' refreshes, the
// local-log worker, which setting change triggers what, and when a limit deserves a
// notification. The composition root only connects it to the panel button and the tray.

import GLib from 'gi://GLib';

import {AlertTracker} from './alerts.js';
import type {ProviderId, UsageSnapshot} from './contract.js';
import type {Environment} from './environment.js';
import {alertText, type Thresholds} from './format.js';
import {_} from './i18n.js';
import {LocalUsageMonitor, type LocalUsageState} from './logs/localUsageMonitor.js';
import type {Provider} from './provider.js';
import {Keys, enabledKey, type SettingKey, type Settings} from './settings.js';
import type {UsageService} from './usageService.js';

/** Everything the panel button and its menu show. */
export interface MeterView {
    snapshots: readonly UsageSnapshot[];
    refreshing: boolean;
    thresholds: Thresholds;
    /** Show a "set up" row for providers without a sign-in (otherwise hide them). */
    showUnconfigured: boolean;
    /** Estimated cost from local logs; null when turned off. */
    local: Pick<LocalUsageState, 'usage' | 'error'> | null;
    now: number;
}

export interface Notification {
    title: string;
    body: string;
    urgent: boolean;
}

export interface MeterOptions {
    settings: Settings;
    providers: readonly Provider[];
    service: UsageService;
    env: Environment;
    /** The extension's folder: the local-log worker is its command line, `cli/main.js scan --serve`. */
    extensionDir: string;
    notify: (notification: Notification) => void;
    onError: (error: unknown) => void;
}

/**
 * How the worker is started: our CLI under gjs, at a lower CPU priority (its helpers inherit
 * it) — a first scan of a large log tree keeps every core busy for seconds, and the Shell must
 * win that race. Null when gjs is not installed.
 */
export function localWorkerArgv(extensionDir: string): string[] | null {
    const gjs = GLib.find_program_in_path('gjs');
    if (gjs === null)
        return null;
    const argv = [gjs, '-m', GLib.build_filenamev([extensionDir, 'cli', 'main.js']), 'scan', '--serve'];
    const nice = GLib.find_program_in_path('nice');
    return nice === null ? argv : [nice, '-n', '10', ...argv];
}

export class Meter {
    private readonly _options: MeterOptions;
    private readonly _alerts = new AlertTracker();
    private readonly _listeners = new Set<() => void>();
    private readonly _undo: (() => void)[] = [];
    private _local: LocalUsageMonitor | null = null;
    private _workerArgv: string[] | null | undefined;

    constructor(options: MeterOptions) {
        this._options = options;
    }

    private get _settings(): Settings {
        return this._options.settings;
    }

    get view(): MeterView {
        const state = this._options.service.state;
        let local: MeterView['local'] = null;
        if (this._settings.get(Keys.localUsageEnabled))
            local = this._local?.state ?? {usage: null, error: _('the gjs command is not installed')};
        return {
            snapshots: state.snapshots,
            refreshing: state.refreshing,
            thresholds: this.thresholds,
            showUnconfigured: this._settings.get(Keys.showUnconfigured),
            local,
            now: this._options.env.now(),
        };
    }

    get thresholds(): Thresholds {
        return {warning: this._settings.get(Keys.warningThreshold), critical: this._settings.get(Keys.criticalThreshold)};
    }

    /** Registers a listener for any change of the view; returns the function that removes it. */
    subscribe(listener: () => void): () => void {
        this._listeners.add(listener);
        return () => this._listeners.delete(listener);
    }

    /** What each setting change triggers, declared once. */
    private _wire(): void {
        const {settings, service, providers} = this._options;
        const on = (keys: readonly SettingKey<unknown>[], action: () => void): void => {
            this._undo.push(settings.onChange(keys, action));
        };
        on(providers.map(p => enabledKey(p.id)), () => service.setEnabledProviders(this._enabledProviders()));
        // A key several providers read (account folders, budgets) fetches once.
        const refetch = new Map<string, {key: SettingKey<unknown>; billing: boolean}>();
        for (const provider of providers) {
            for (const key of provider.refetchOn)
                refetch.set(key.name, {key, billing: provider.billing || (refetch.get(key.name)?.billing ?? false)});
        }
        for (const {key, billing} of refetch.values()) {
            on([key], () => {
                if (billing)
                    service.invalidateBilling();
                service.accountsChanged();
            });
        }
        on([Keys.accountNames], () => service.setAccountNames(this._accountNames()));
        on([Keys.refreshInterval], () => service.setInterval(settings.get(Keys.refreshInterval)));
        on([Keys.spendRefreshInterval], () => service.setBillingInterval(settings.get(Keys.spendRefreshInterval)));
        on([Keys.warningThreshold, Keys.criticalThreshold, Keys.showUnconfigured], () => this._changed());
        on([Keys.localUsageEnabled], () => this._startLocal());
        on([Keys.localRefreshInterval], () => this._local?.setInterval(settings.get(Keys.localRefreshInterval)));
        this._undo.push(service.subscribe(() => {
            this._notifyAlerts();
            this._changed();
        }));
    }

    start(): void {
        const {settings, service} = this._options;
        this._wire();
        service.setAccountNames(this._accountNames());
        service.setBillingInterval(settings.get(Keys.spendRefreshInterval));
        this._startLocal();
        void service.start(this._enabledProviders(), settings.get(Keys.refreshInterval));
    }

    /** The user asked: every provider now (past a rate-limit pause), and the local logs. */
    refresh(): void {
        void this._options.service.refresh(true);
        void this._local?.refresh();
    }

    private _enabledProviders(): ProviderId[] {
        return this._options.providers.filter(p => this._settings.get(enabledKey(p.id))).map(p => p.id);
    }

    private _accountNames(): Map<string, string> {
        return new Map(Object.entries(this._settings.get(Keys.accountNames)));
    }

    private _changed(): void {
        for (const listener of this._listeners)
            listener();
    }

    /** Limits that rose into the warning or critical level since the last refresh, as notifications. */
    private _notifyAlerts(): void {
        const found = this._alerts.update(this._options.service.state.snapshots, this.thresholds);
        if (!this._settings.get(Keys.notifications))
            return;
        for (const alert of found) {
            const name = this._options.providers.find(p => p.id === alert.provider)?.name ?? alert.provider;
            this._options.notify({...alertText(alert, name, this._options.env.now()), urgent: alert.level === 'critical'});
        }
    }

    /** Starts the worker when local costs are on, ends it when they are off. */
    private _startLocal(): void {
        this._local?.destroy();
        this._local = null;
        this._workerArgv ??= localWorkerArgv(this._options.extensionDir);
        if (this._settings.get(Keys.localUsageEnabled) && this._workerArgv !== null) {
            const monitor = new LocalUsageMonitor(this._workerArgv, error => this._options.onError(error));
            this._local = monitor;
            monitor.subscribe(() => this._changed());
            monitor.start(this._settings.get(Keys.localRefreshInterval));
        }
        this._changed();
    }

    /** Ends the worker, the refreshes and every settings connection. */
    destroy(): void {
        this._listeners.clear();
        for (const undo of this._undo.splice(0).reverse())
            undo();
        this._local?.destroy();
        this._local = null;
        this._options.service.destroy();
    }
}
