// Provider preferences: a page per provider (see providerGroup.ts and copilotGroup.ts).

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';

import {systemEnvironment} from '../core/environment.js';
import {HttpClient} from '../core/http.js';
import {_} from '../core/i18n.js';
import {tokenFingerprint} from '../core/provider.js';
import {CLAUDE_OAUTH, claudePlanLabel, readClaudeCredentials, readClaudeFolder} from '../core/providers/claude.js';
import type {ClaudeCredentials} from '../core/providers/claude.js';
import {CODEX_CALLBACK, CODEX_OAUTH, codexHome, readCodexCredentials} from '../core/providers/codex.js';
import type {CodexCredentials} from '../core/providers/codex.js';
import {readGeminiCredentials} from '../core/providers/gemini.js';
import {CopilotGroup} from './copilotGroup.js';
import {ProviderGroup} from './providerGroup.js';
import type {ProviderSection, SignIn} from './providerGroup.js';

const claudeSignIn = (found: ClaudeCredentials): SignIn => ({source: found.source,
    identity: tokenFingerprint(found.accessToken), email: null, expiresAt: found.expiresAt,
    plan: claudePlanLabel(found.subscriptionType, found.rateLimitTier)});

const codexSignIn = (found: CodexCredentials): SignIn => ({source: found.source,
    identity: tokenFingerprint(found.accessToken), email: found.email, expiresAt: found.expiresAt, plan: found.plan});

function sections(): ProviderSection[] {
    const env = systemEnvironment();
    return [
        {
            id: 'claude',
            title: _('Claude'),
            description: _('Subscription quota (Pro, Max, Team) read from Claude Code’s sign-in. ' +
                'The meter only reads that sign-in and never refreshes it.'),
            switchTitle: _('Show Claude'),
            switchSubtitle: _('Session, weekly and per-model limits'),
            readDefault: async cancellable => claudeSignIn(await readClaudeCredentials(env, {cancellable})),
            readFolder: async (dir, cancellable) => claudeSignIn(await readClaudeFolder(dir, cancellable)),
            folderTitle: _('Add a Claude Code folder (CLAUDE_CONFIG_DIR)…'),
            ownSignIn: {provider: 'claude', client: CLAUDE_OAUTH, title: _('Sign in with a Claude account…')},
            expiredHint: _('token expired: run `claude` once to refresh it'),
        },
        {
            id: 'codex',
            title: _('Codex'),
            description: _('ChatGPT plan limits read from the Codex CLI’s sign-in (auth.json), read only. ' +
                'When the API cannot be reached, the newest Codex session log stands in.'),
            switchTitle: _('Show Codex'),
            switchSubtitle: _('5-hour and weekly limits, credits'),
            readDefault: async cancellable => codexSignIn(await readCodexCredentials(codexHome(env), cancellable)),
            readFolder: async (dir, cancellable) => codexSignIn(await readCodexCredentials(dir, cancellable)),
            folderTitle: _('Add a Codex folder (CODEX_HOME)…'),
            ownSignIn: {provider: 'codex', client: CODEX_OAUTH, title: _('Sign in with a ChatGPT account…'),
                callback: CODEX_CALLBACK},
            expiredHint: _('token expired: run `codex` once to refresh it'),
        },
        {
            id: 'gemini',
            title: _('Gemini'),
            description: _('Code Assist quota read from the Gemini CLI’s Google sign-in, read only. ' +
                'An expired access token is refreshed in memory; the CLI’s file is never written.'),
            switchTitle: _('Show Gemini'),
            switchSubtitle: _('Daily requests left per model'),
            readDefault: async cancellable => {
                const found = await readGeminiCredentials(env, cancellable);
                return {source: found.source, identity: found.source, email: found.email, expiresAt: null, plan: null};
            },
            expiredHint: '',
        },
    ];
}

/** One page per provider: its switch, its accounts and their status. */
const ProviderPage = GObject.registerClass({GTypeName: 'AiUsageMeterProviderPage'},
class ProviderPage extends Adw.PreferencesPage {
    constructor(title: string, name: string, build: (cancellable: Gio.Cancellable) => Adw.PreferencesGroup,
        onClose: () => void = () => undefined) {
        super({title, name, icon_name: 'network-server-symbolic'});
        const cancellable = new Gio.Cancellable();
        this.add(build(cancellable));
        this.connect('unrealize', () => {
            cancellable.cancel();
            onClose();
        });
    }
});

/** The provider pages, and the HTTP client they share with the other pages. */
export function providerPages(settings: Gio.Settings): {pages: Adw.PreferencesPage[]; http: HttpClient} {
    const http = new HttpClient('ai-usage-meter (GNOME Shell extension preferences)');
    return {http, pages: [
        ...sections().map(section => new ProviderPage(section.title, section.id,
            cancellable => new ProviderGroup(settings, section, cancellable))),
        new ProviderPage(_('Copilot'), 'copilot', cancellable => new CopilotGroup(settings, http, cancellable),
            () => http.destroy()),
    ]};
}
