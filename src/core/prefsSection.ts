// A provider's part of the preferences, as data: the provider module says what to show and how
// to read or test its sign-in; prefs/sections.ts turns each kind into widgets. A provider of an
// existing kind needs no preferences code of its own.

import type Gio from 'gi://Gio';

import type {UsageSnapshot} from './contract.js';
import type {DeviceFlowEndpoints} from './deviceFlow.js';
import type {Environment} from './environment.js';
import type {HttpClient} from './http.js';
import type {OAuthClient} from './ownSignIn.js';
import type {FetchContext} from './provider.js';
import type {SettingKey} from './settings.js';

/** A sign-in as the preferences show it: where it was read, never the token. */
export interface SignIn {
    /** The account id: where the credentials were read. */
    source: string;
    /** A fingerprint of the token, to refuse a folder that holds an account already shown. */
    identity: string;
    plan: string | null;
    email: string | null;
    expiresAt: number | null;
}

interface SectionText {
    /** Which page it goes on: subscription quotas, or API spend. */
    page: 'providers' | 'spend';
    title: string;
    description: string;
    switchTitle: string;
    switchSubtitle: string;
}

/** A CLI's own sign-in, extra configuration folders and our own sign-in (Claude, Codex, Gemini). */
export interface AccountsSection extends SectionText {
    kind: 'accounts';
    readDefault: (env: Environment, cancellable: Gio.Cancellable) => Promise<SignIn>;
    /** For CLIs that take another configuration folder (CLAUDE_CONFIG_DIR, CODEX_HOME). */
    folder?: {title: string; read: (dir: string, cancellable: Gio.Cancellable) => Promise<SignIn>};
    /** Our own sign-in, for providers that allow one. */
    ownSignIn?: {client: OAuthClient; title: string; callback?: {port: number; path: string}};
    /** Something of ours the user can put into the CLI's settings, and take out again (Claude Code's statusline). */
    install?: InstallSection;
    expiredHint: string;
}

/** Whether it is installed, and the state in words (what it chains, what an install would keep). */
export interface InstallState {
    installed: boolean;
    text: string;
}

/**
 * An install into another program's settings, done only when the user asks, for the CLI's default
 * configuration folder (`folder` null) or one the user added. Each call reads the file again and
 * says the state after it; a file that cannot be read or written throws, with a message meant for
 * the user.
 */
export interface InstallSection {
    title: string;
    /** An error in words, %s its reason (the files are left as they were). */
    failed: string;
    read: (env: Environment, folder: string | null, cancellable: Gio.Cancellable) => Promise<InstallState>;
    install: (env: Environment, folder: string | null, cancellable: Gio.Cancellable) => Promise<InstallState>;
    remove: (env: Environment, folder: string | null, cancellable: Gio.Cancellable) => Promise<InstallState>;
}

/** A key of the provider's own (an admin key), kept in the keyring, with a Test button. */
export interface KeySection extends SectionText {
    kind: 'key';
    keyTitle: string;
    /** Environment variables that are used instead when set (never stored). */
    keyVariables: readonly string[];
    /** A monthly budget and a balance can be entered (money providers). */
    money: boolean;
    /** An organisation the key reads (Copilot metrics): its name and whether it is an enterprise. */
    organisation?: {name: SettingKey<string>; nameTitle: string; enterprise: SettingKey<boolean>; enterpriseTitle: string};
    /** Why the key cannot be tested yet (e.g. no organisation entered), or null. */
    cannotTest: () => string | null;
    test: (ctx: FetchContext, key: string) => Promise<UsageSnapshot>;
}

/**
 * A device-code sign-in of our own (GitHub's for Copilot): the preferences and `login` run the
 * flow, the provider keeps the accounts. An account is known by its login.
 */
export interface DeviceSignIn {
    flow: DeviceFlowEndpoints;
    /** The row that starts it, e.g. "Sign in with GitHub…", and what it does. */
    startTitle: string;
    startSubtitle: string;
    /** The list of logins, and the setting that holds it (watched by the preferences). */
    accountsKey: SettingKey<string[]>;
    accountId: (login: string) => string;
    hasToken: (login: string) => Promise<boolean>;
    /** Keeps a granted token; returns the login it belongs to. */
    add: (http: HttpClient, token: string, cancellable: Gio.Cancellable) => Promise<string>;
    /** Forgets a login and its token (the login leaves the list even when the keyring fails). */
    remove: (login: string) => Promise<void>;
}

/** Accounts of our own device-code sign-in only; prefs/deviceSignIn.ts has its widgets. */
export interface DeviceSection extends SectionText {
    kind: 'device';
    signIn: DeviceSignIn;
}

export type PrefsSection = AccountsSection | KeySection | DeviceSection;
