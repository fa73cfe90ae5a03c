// Provider preferences: which providers to show and where their sign-in was found.
import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';

import {formatClock} from '../core/format.js';
import {systemEnvironment} from '../core/environment.js';
import {ProviderError, isCancelled} from '../core/errors.js';
import {_, format} from '../core/i18n.js';
import {claudePlanLabel, readClaudeCredentials} from '../core/providers/claude.js';

/** Describes the Claude Code sign-in the extension will use, without showing any token. */
async function describeClaudeSignIn(cancellable: Gio.Cancellable): Promise<{title: string; subtitle: string}> {
    const env = systemEnvironment();
    try {
        const credentials = await readClaudeCredentials(env, {cancellable});
        const plan = claudePlanLabel(credentials.subscriptionType, credentials.rateLimitTier);
        const parts = [format(_('From %s'), credentials.source.replace(env.homeDir, '~'))];
        if (plan !== null)
            parts.push(plan);
        if (credentials.expiresAt !== null) {
            parts.push(credentials.expiresAt > env.now()
                ? format(_('token valid until %s'), formatClock(credentials.expiresAt, env.now()))
                : _('token expired: run `claude` once to refresh it'));
        }
        return {title: _('Signed in with Claude Code'), subtitle: parts.join(' · ')};
    } catch (error) {
        if (error instanceof ProviderError)
            return {title: error.message, subtitle: error.hint};
        throw error;
    }
}

export const ProvidersPage = GObject.registerClass({GTypeName: 'AiUsageMeterProvidersPage'},
class ProvidersPage extends Adw.PreferencesPage {
    private readonly _cancellable = new Gio.Cancellable();

    constructor(settings: Gio.Settings) {
        super({title: _('Providers'), icon_name: 'network-server-symbolic', name: 'providers'});

        const claude = new Adw.PreferencesGroup({
            title: _('Claude'),
            description: _('Subscription quota (Pro, Max, Team) read from Claude Code’s sign-in. ' +
                'The meter only reads that sign-in and never refreshes it.'),
        });
        const enabled = new Adw.SwitchRow({title: _('Show Claude'), subtitle: _('Session, weekly and per-model limits')});
        settings.bind('claude-enabled', enabled, 'active', Gio.SettingsBindFlags.DEFAULT);
        claude.add(enabled);

        const status = new Adw.ActionRow({title: _('Checking sign-in…'), subtitle_lines: 3});
        claude.add(status);
        this.add(claude);

        describeClaudeSignIn(this._cancellable).then(({title, subtitle}) => {
            status.title = title;
            status.subtitle = subtitle;
        }).catch((error: unknown) => {
            if (!isCancelled(error))
                console.error('ai-usage-meter: cannot read the Claude sign-in', error);
        });
        this.connect('unrealize', () => this._cancellable.cancel());
    }
});
