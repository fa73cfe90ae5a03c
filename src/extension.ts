// The composition root: the only file that touches Main. Everything enable() creates is
// owned by one Lifetime, which disable() ends.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import * as Main from 'resource:///org/gnome/shell/ui/main.js';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

import {AlertTracker} from './core/alerts.js';
import {SnapshotCache} from './core/cache.js';
import type {ProviderId} from './core/contract.js';
import {systemEnvironment} from './core/environment.js';
import {alertText} from './core/format.js';
import type {Thresholds} from './core/format.js';
import {HttpClient} from './core/http.js';
import {_} from './core/i18n.js';
import {Lifetime} from './core/lifetime.js';
import {LocalUsageMonitor} from './core/logs/localUsageMonitor.js';
import {createProviders, settingsAccounts} from './core/registry.js';
import {SecretStore} from './core/secrets.js';
import {UsageService} from './core/usageService.js';
import {MeterIndicator} from './shell/indicator.js';
import type {ProviderInfo} from './shell/indicator.js';
import {Notifier} from './shell/notifier.js';

export default class AiUsageMeterExtension extends Extension {
    private _lifetime: Lifetime | null = null;

    override enable(): void {
        const lifetime = new Lifetime();
        this._lifetime = lifetime;
        try {
            this._compose(lifetime);
        } catch (error) {
            lifetime.destroy();
            this._lifetime = null;
            throw error;
        }
    }

    override disable(): void {
        this._lifetime?.destroy();
        this._lifetime = null;
    }

    private _compose(lifetime: Lifetime): void {
        const settings = this.getSettings();
        const env = systemEnvironment();
        const accounts = settingsAccounts(settings);
        const providers = createProviders(new SecretStore(), accounts);
        const providerInfo = new Map<ProviderId, ProviderInfo>(
            providers.map(p => [p.id, {name: p.name, usagePageUrl: p.usagePageUrl}]));
        const enabledProviders = (): ProviderId[] => providers.filter(p => accounts.enabled(p.id)).map(p => p.id);

        const version = this.metadata['version-name'] ?? (this.metadata.version ?? 'dev');
        const service = lifetime.add(new UsageService({
            providers,
            env,
            http: new HttpClient(`ai-usage-meter/${version} (GNOME Shell extension; +${this.metadata.url ?? ''})`),
            cache: new SnapshotCache(env.cacheDir),
            onError: error => console.error(`${this.uuid}:`, error),
        }));

        // Local logs are scanned by a worker process running our CLI under gjs.
        const gjs = GLib.find_program_in_path('gjs');
        let local: LocalUsageMonitor | null = null;
        const localMonitor = (): LocalUsageMonitor | null => local;

        const indicator = lifetime.add(new MeterIndicator(this.metadata.name));
        Main.panel.addToStatusArea(this.uuid, indicator);

        const thresholds = (): Thresholds => ({
            warning: settings.get_uint('warning-threshold'),
            critical: settings.get_uint('critical-threshold'),
        });
        const render = (): void => {
            const state = service.state;
            indicator.update({
                snapshots: state.snapshots,
                refreshing: state.refreshing,
                thresholds: thresholds(),
                providers: providerInfo,
                showUnconfigured: settings.get_boolean('show-unconfigured'),
                local: settings.get_boolean('local-usage-enabled')
                    ? localMonitor()?.state ?? {usage: null, error: gjs === null ? _('the gjs command is not installed') : null}
                    : null,
                now: env.now(),
            });
        };
        const notifier = lifetime.add(new Notifier(Main.messageTray, this.metadata.name, 'dialog-warning-symbolic'));
        const alerts = new AlertTracker();
        const notify = (): void => {
            const found = alerts.update(service.state.snapshots, thresholds());
            if (!settings.get_boolean('notifications'))
                return;
            for (const alert of found) {
                const {title, body} = alertText(alert, providerInfo.get(alert.provider)?.name ?? alert.provider, env.now());
                notifier.notify(title, body, alert.level === 'critical');
            }
        };
        const unsubscribe = service.subscribe(() => {
            render();
            notify();
        });
        lifetime.defer(unsubscribe);
        // The Shell destroys the panel, and our button with it, when it shuts down without disable().
        lifetime.connect(indicator, 'destroy', unsubscribe);
        render();

        // The worker is owned here rather than by the lifetime directly, since a setting can
        // stop and start it; the lifetime ends whichever one runs.
        const startLocal = (): void => {
            local?.destroy();
            local = null;
            if (!settings.get_boolean('local-usage-enabled') || gjs === null) {
                render();
                return;
            }
            // At a lower CPU priority (its helpers inherit it): a first scan of a large log tree
            // keeps every core busy for seconds, and the Shell must win that race.
            const nice = GLib.find_program_in_path('nice');
            const argv = [gjs, '-m', GLib.build_filenamev([this.path, 'cli', 'main.js']), 'scan', '--serve'];
            const monitor = new LocalUsageMonitor(nice === null ? argv : [nice, '-n', '10', ...argv],
                error => console.error(`${this.uuid}: local logs:`, error));
            local = monitor;
            monitor.subscribe(render);
            monitor.start(settings.get_uint('local-refresh-interval'));
        };
        lifetime.defer(() => {
            local?.destroy();
            local = null;
        });
        lifetime.connect(indicator, 'destroy', () => local?.destroy());
        startLocal();
        lifetime.connect(settings, 'changed::local-usage-enabled', startLocal);
        lifetime.connect(settings, 'changed::local-refresh-interval',
            () => local?.setInterval(settings.get_uint('local-refresh-interval')));

        lifetime.connect(indicator, 'refresh-requested', () => {
            void service.refresh(true);
            void local?.refresh();
        });
        lifetime.connect(indicator, 'preferences-requested', () => this.openPreferences());
        lifetime.connect(indicator, 'url-requested', (_indicator: unknown, url: string) => {
            Gio.AppInfo.launch_default_for_uri_async(url, global.create_app_launch_context(0, -1), null,
                (_source, result) => {
                    try {
                        Gio.AppInfo.launch_default_for_uri_finish(result);
                    } catch (error) {
                        console.error(`${this.uuid}: cannot open ${url}`, error);
                    }
                });
        });
        // The cards are built when the menu opens, with fresh countdowns ("resets in 2 h 14 m").
        lifetime.connect(indicator.menu, 'open-state-changed',
            (_menu: unknown, open: boolean) => {
                if (open)
                    render();
            });

        const applyAccounts = (): void => service.setAccounts(
            new Map(providers.map(p => [p.id, accounts.accountDirs(p.id)])), accounts.accountNames());
        applyAccounts();
        for (const key of ['account-dirs', 'account-names', 'copilot-accounts', 'own-signins']) {
            lifetime.connect(settings, `changed::${key}`, () => {
                applyAccounts();
                void service.refresh(false);
            });
        }
        lifetime.connect(settings, 'changed::refresh-interval',
            () => service.setInterval(settings.get_uint('refresh-interval')));
        service.setBillingInterval(settings.get_uint('spend-refresh-interval'));
        lifetime.connect(settings, 'changed::spend-refresh-interval',
            () => service.setBillingInterval(settings.get_uint('spend-refresh-interval')));
        // A key stored from the preferences, a budget, a balance: fetch the billing APIs again.
        for (const key of ['billing-keys-changed', 'budgets', 'balances', 'burn-rate-days', 'copilot-org', 'copilot-org-enterprise']) {
            lifetime.connect(settings, `changed::${key}`, () => {
                service.invalidateBilling();
                void service.refresh(false);
            });
        }
        lifetime.connect(settings, 'changed::warning-threshold', render);
        lifetime.connect(settings, 'changed::critical-threshold', render);
        lifetime.connect(settings, 'changed::show-unconfigured', render);
        for (const provider of providers) {
            lifetime.connect(settings, `changed::${provider.id}-enabled`,
                () => service.setEnabledProviders(enabledProviders()));
        }

        void service.start(enabledProviders(), settings.get_uint('refresh-interval'));
    }
}
