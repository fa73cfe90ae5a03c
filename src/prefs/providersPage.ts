// Provider preferences: which providers to show and which sign-in each one found.
import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';

import {systemEnvironment} from '../core/environment.js';
import type {Environment} from '../core/environment.js';
import {ProviderError, isCancelled} from '../core/errors.js';
import {formatClock} from '../core/format.js';
import {_, format} from '../core/i18n.js';
import {claudePlanLabel, readClaudeCredentials} from '../core/providers/claude.js';
import {codexHome, readCodexCredentials} from '../core/providers/codex.js';
import {readGeminiCredentials} from '../core/providers/gemini.js';

interface SignIn {
    source: string;
    plan: string | null;
    email: string | null;
    expiresAt: number | null;
}

interface ProviderSection {
    title: string;
    description: string;
    settingsKey: string;
    switchTitle: string;
    switchSubtitle: string;
    /** The sign-in the provider would use; throws a ProviderError when there is none. */
    readSignIn: (env: Environment, cancellable: Gio.Cancellable) => Promise<SignIn>;
    refreshHint: string;
}

const SECTIONS = (): ProviderSection[] => [
    {
        title: _('Claude'),
        description: _('Subscription quota (Pro, Max, Team) read from Claude Code’s sign-in. ' +
            'The meter only reads that sign-in and never refreshes it.'),
        settingsKey: 'claude-enabled',
        switchTitle: _('Show Claude'),
        switchSubtitle: _('Session, weekly and per-model limits'),
        readSignIn: async (env, cancellable) => {
            const found = await readClaudeCredentials(env, {cancellable});
            return {source: found.source, email: null, expiresAt: found.expiresAt,
                plan: claudePlanLabel(found.subscriptionType, found.rateLimitTier)};
        },
        refreshHint: _('token expired: run `claude` once to refresh it'),
    },
    {
        title: _('Codex'),
        description: _('ChatGPT plan limits read from the Codex CLI’s sign-in (auth.json), read only. ' +
            'When the API cannot be reached, the newest Codex session log stands in.'),
        settingsKey: 'codex-enabled',
        switchTitle: _('Show Codex'),
        switchSubtitle: _('5-hour and weekly limits, credits'),
        readSignIn: async (env, cancellable) => {
            const found = await readCodexCredentials(codexHome(env), cancellable);
            return {source: found.source, email: found.email, expiresAt: found.expiresAt, plan: found.plan};
        },
        refreshHint: _('token expired: run `codex` once to refresh it'),
    },
    {
        title: _('Gemini'),
        description: _('Code Assist quota read from the Gemini CLI’s Google sign-in, read only. ' +
            'An expired access token is refreshed in memory; the CLI’s file is never written.'),
        settingsKey: 'gemini-enabled',
        switchTitle: _('Show Gemini'),
        switchSubtitle: _('Daily requests left per model'),
        readSignIn: async (env, cancellable) => {
            const found = await readGeminiCredentials(env, cancellable);
            return {source: found.source, email: found.email, expiresAt: null, plan: null};
        },
        refreshHint: '',
    },
];

/** One line about the sign-in a provider found, without ever showing a token. */
async function describeSignIn(section: ProviderSection, cancellable: Gio.Cancellable):
    Promise<{title: string; subtitle: string}> {
    const env = systemEnvironment();
    try {
        const signIn = await section.readSignIn(env, cancellable);
        const parts = [format(_('From %s'), signIn.source.replace(env.homeDir, '~'))];
        if (signIn.plan !== null)
            parts.push(signIn.plan);
        if (signIn.expiresAt !== null) {
            parts.push(signIn.expiresAt > env.now()
                ? format(_('token valid until %s'), formatClock(signIn.expiresAt, env.now()))
                : section.refreshHint);
        }
        return {title: signIn.email ?? _('Signed in'), subtitle: parts.join(' · ')};
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

        for (const section of SECTIONS()) {
            const group = new Adw.PreferencesGroup({title: section.title, description: section.description});
            const enabled = new Adw.SwitchRow({title: section.switchTitle, subtitle: section.switchSubtitle});
            settings.bind(section.settingsKey, enabled, 'active', Gio.SettingsBindFlags.DEFAULT);
            group.add(enabled);

            const status = new Adw.ActionRow({title: _('Checking sign-in…'), subtitle_lines: 3});
            group.add(status);
            this.add(group);
            describeSignIn(section, this._cancellable).then(({title, subtitle}) => {
                status.title = title;
                status.subtitle = subtitle;
            }).catch((error: unknown) => {
                if (!isCancelled(error))
                    console.error(`ai-usage-meter: cannot read the ${section.title} sign-in`, error);
            });
        }
        this.connect('unrealize', () => this._cancellable.cancel());
    }
});
