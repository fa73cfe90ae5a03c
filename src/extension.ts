// The composition root: the only file that touches Main. It builds the meter, the panel button
// and the notification source and connects them; the decisions are in core/meter.ts. Everything
// enable() creates is owned by one Lifetime, which disable() ends.

import Gio from 'gi://Gio';

import * as Main from 'resource:///org/gnome/shell/ui/main.js';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

import {SnapshotCache} from './core/cache.js';
import {systemEnvironment} from './core/environment.js';
import {HttpClient} from './core/http.js';
import {Lifetime} from './core/lifetime.js';
import {Meter} from './core/meter.js';
import {OwnTokenStore} from './core/ownSignIn.js';
import {createProviders} from './core/registry.js';
import {SecretStore} from './core/secrets.js';
import {Settings} from './core/settings.js';
import {UsageService} from './core/usageService.js';
import {MeterIndicator} from './shell/indicator.js';
import {Notifier} from './shell/notifier.js';
import {openUrl} from './shell/urlLauncher.js';

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
        const onError = (error: unknown): void => console.error(`${this.uuid}:`, error);
        const settings = new Settings(this.getSettings());
        const env = systemEnvironment();
        // The Shell reads its tokens on every refresh: the store keeps them until the keyring says one changed.
        const secrets = lifetime.add(new SecretStore({watch: Gio.DBus.session}));
        const providers = createProviders({secrets, ownTokens: new OwnTokenStore(secrets), settings});
        const version = this.metadata['version-name'] ?? (this.metadata.version ?? 'dev');
        const service = new UsageService({
            providers,
            env,
            http: new HttpClient(`ai-usage-meter/${version} (GNOME Shell extension; +${this.metadata.url ?? ''})`),
            cache: new SnapshotCache(env.cacheDir),
            onError,
        });
        const notifier = lifetime.add(new Notifier(Main.messageTray, this.metadata.name, 'dialog-warning-symbolic'));
        const meter = lifetime.add(new Meter({settings, providers, service, env, extensionDir: this.path, onError,
            notify: ({title, body, urgent}) => notifier.notify(title, body, urgent)}));

        const indicator = lifetime.add(new MeterIndicator(this.metadata.name, providers));
        Main.panel.addToStatusArea(this.uuid, indicator);
        const render = (): void => indicator.update(meter.view);
        const unsubscribe = meter.subscribe(render);
        lifetime.defer(unsubscribe);
        // The Shell destroys the panel, and our button with it, when it shuts down without disable().
        lifetime.connect(indicator, 'destroy', unsubscribe);
        lifetime.connect(indicator, 'refresh-requested', () => meter.refresh());
        lifetime.connect(indicator, 'preferences-requested', () => this.openPreferences());
        lifetime.connect(indicator, 'url-requested', (_indicator: unknown, url: string) =>
            openUrl(url, error => console.error(`${this.uuid}: cannot open ${url}`, error)));
        // The cards are built when the menu opens, with fresh countdowns ("resets in 2 h 14 m").
        lifetime.connect(indicator.menu, 'open-state-changed', (_menu: unknown, open: boolean) => {
            if (open)
                render();
        });
        render();
        meter.start();
    }
}
