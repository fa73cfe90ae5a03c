// The providers and the account settings they read, shared by the extension and the CLI.
import type Gio from 'gi://Gio';

import type {ProviderId} from './contract.js';
import {OwnTokenStore} from './ownSignIn.js';
import type {Provider} from './provider.js';
import {ClaudeProvider} from './providers/claude.js';
import {CodexProvider} from './providers/codex.js';
import {CopilotProvider} from './providers/copilot.js';
import {GeminiProvider} from './providers/gemini.js';
import type {SecretStore} from './secrets.js';

export const PROVIDER_IDS: readonly ProviderId[] = ['claude', 'codex', 'gemini', 'copilot'];

/** What the providers need from the settings; read live, so changes apply at the next refresh. */
export interface AccountSettings {
    enabled(id: ProviderId): boolean;
    accountDirs(id: ProviderId): string[];
    ownSignIns(id: ProviderId): string[];
    copilotLogins(): string[];
    accountNames(): Map<string, string>;
}

export function settingsAccounts(settings: Gio.Settings): AccountSettings {
    const map = <T>(key: string): Record<string, T> => settings.get_value(key).deepUnpack() as Record<string, T>;
    return {
        enabled: id => settings.get_boolean(`${id}-enabled`),
        accountDirs: id => map<string[]>('account-dirs')[id] ?? [],
        ownSignIns: id => map<string[]>('own-signins')[id] ?? [],
        copilotLogins: () => settings.get_strv('copilot-accounts'),
        accountNames: () => new Map(Object.entries(map<string>('account-names'))),
    };
}

/** The defaults of the schema, for a CLI run where the schema is not installed. */
export const DEFAULT_ACCOUNTS: AccountSettings = {
    enabled: () => true,
    accountDirs: () => [],
    ownSignIns: () => [],
    copilotLogins: () => [],
    accountNames: () => new Map(),
};

export function createProviders(secrets: SecretStore, accounts: AccountSettings): Provider[] {
    const ownTokens = new OwnTokenStore(secrets);
    return [
        new ClaudeProvider(ownTokens, () => accounts.ownSignIns('claude')),
        new CodexProvider(ownTokens, () => accounts.ownSignIns('codex')),
        new GeminiProvider(),
        new CopilotProvider(secrets, () => accounts.copilotLogins()),
    ];
}
