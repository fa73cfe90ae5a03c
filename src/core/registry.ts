// The providers and the account settings they read, shared by the extension and the CLI.

import type Gio from 'gi://Gio';

import type {ProviderId} from './contract.js';
import {OwnTokenStore} from './ownSignIn.js';
import type {Provider} from './provider.js';
import {AnthropicAdminProvider} from './providers/anthropicAdmin.js';
import {ClaudeProvider} from './providers/claude.js';
import {CodexProvider} from './providers/codex.js';
import {CopilotProvider} from './providers/copilot.js';
import {CopilotOrgProvider, type CopilotOrgTarget} from './providers/copilotOrg.js';
import {GeminiProvider} from './providers/gemini.js';
import {OpenAIAdminProvider} from './providers/openaiAdmin.js';
import type {SecretStore} from './secrets.js';
import type {SpendSettings} from './spend.js';

export const PROVIDER_IDS: readonly ProviderId[] = ['claude', 'codex', 'gemini', 'copilot', 'openai', 'anthropic', 'copilot-org'];
/** Billing providers are off until set up: most people have no organisation admin key. */
const OFF_BY_DEFAULT: readonly ProviderId[] = ['openai', 'anthropic', 'copilot-org'];

/** What the providers need from the settings; read live, so changes apply at the next refresh. */
export interface AccountSettings {
    enabled(id: ProviderId): boolean;
    accountDirs(id: ProviderId): string[];
    ownSignIns(id: ProviderId): string[];
    copilotLogins(): string[];
    accountNames(): Map<string, string>;
    spend(id: ProviderId): SpendSettings;
    copilotOrg(): CopilotOrgTarget;
}

export function settingsAccounts(settings: Gio.Settings): AccountSettings {
    const map = <T>(key: string): Record<string, T> => settings.get_value(key).deepUnpack() as Record<string, T>;
    return {
        enabled: id => settings.get_boolean(`${id}-enabled`),
        accountDirs: id => map<string[]>('account-dirs')[id] ?? [],
        ownSignIns: id => map<string[]>('own-signins')[id] ?? [],
        copilotLogins: () => settings.get_strv('copilot-accounts'),
        accountNames: () => new Map(Object.entries(map<string>('account-names'))),
        spend: id => {
            const balance = map<[number, number]>('balances')[id];
            return {budget: map<number>('budgets')[id] ?? 0, burnDays: settings.get_uint('burn-rate-days'),
                balance: balance ? {amount: balance[0], setAt: balance[1]} : null};
        },
        copilotOrg: () => ({name: settings.get_string('copilot-org').trim(), enterprise: settings.get_boolean('copilot-org-enterprise')}),
    };
}

/** The defaults of the schema, for a CLI run where the schema is not installed. */
export const DEFAULT_ACCOUNTS: AccountSettings = {
    enabled: id => !OFF_BY_DEFAULT.includes(id),
    accountDirs: () => [],
    ownSignIns: () => [],
    copilotLogins: () => [],
    accountNames: () => new Map(),
    spend: () => ({budget: 0, burnDays: 7, balance: null}),
    copilotOrg: () => ({name: '', enterprise: false}),
};

export function createProviders(secrets: SecretStore, accounts: AccountSettings): Provider[] {
    const ownTokens = new OwnTokenStore(secrets);
    return [
        new ClaudeProvider(ownTokens, () => accounts.ownSignIns('claude')),
        new CodexProvider(ownTokens, () => accounts.ownSignIns('codex')),
        new GeminiProvider(),
        new CopilotProvider(secrets, () => accounts.copilotLogins()),
        new OpenAIAdminProvider(secrets, accounts),
        new AnthropicAdminProvider(secrets, accounts),
        new CopilotOrgProvider(secrets, accounts, () => accounts.copilotOrg()),
    ];
}
