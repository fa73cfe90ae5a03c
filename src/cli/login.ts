// `login` and `logout`: the same own sign-ins as the preferences, for desktops that have none
// (Waybar, i3…). PKCE with the code pasted back (Claude), PKCE with the loopback callback
// (Codex), the GitHub device flow (Copilot). Tokens go to the keyring and are never printed.

import type Gio from 'gi://Gio';

import type {ProviderId} from '../core/contract.js';
import {pollForToken, requestDeviceCode} from '../core/deviceFlow.js';
import type {Environment} from '../core/environment.js';
import {ProviderError, isCancelled} from '../core/errors.js';
import type {HttpClient} from '../core/http.js';
import {waitForCallback} from '../core/oauthCallback.js';
import {addOwnSignIn, removeOwnSignIn} from '../core/ownAccounts.js';
import {authorizeUrl, createPkce, exchangeCode, parsePastedCode, type OwnTokenStore} from '../core/ownSignIn.js';
import type {AccountsSection, DeviceSignIn} from '../core/prefsSection.js';
import {ownAccountId, ownSignIns, type Provider} from '../core/provider.js';
import {Keys, type Settings} from '../core/settings.js';
import {accountNameKey} from '../core/usageService.js';
import {_, format} from '../core/i18n.js';
import {EXIT_OK, EXIT_PROVIDER_FAILED, EXIT_USAGE} from './exitCodes.js';

/** The terminal, injectable for the specs. */
export interface LoginIo {
    out(text: string): void;
    err(text: string): void;
    /** The next line typed, or null at the end of the input. */
    readLine(): Promise<string | null>;
}

export interface LoginContext {
    env: Environment;
    http: HttpClient;
    tokens: OwnTokenStore;
    settings: Settings;
    io: LoginIo;
    cancellable: Gio.Cancellable;
    /** The shortest wait between device-flow polls (GitHub's 5 s; specs use 0). */
    minPollSeconds?: number;
}

type Method = {kind: 'pkce'; signIn: NonNullable<AccountsSection['ownSignIn']>} | {kind: 'device'; signIn: DeviceSignIn};

/** How a provider signs in with our own sign-in, from its preferences section; null when it cannot. */
function signInMethod(provider: Provider): Method | null {
    if (provider.prefs.kind === 'accounts' && provider.prefs.ownSignIn !== undefined)
        return {kind: 'pkce', signIn: provider.prefs.ownSignIn};
    return provider.prefs.kind === 'device' ? {kind: 'device', signIn: provider.prefs.signIn} : null;
}

/** The providers `login` and `logout` take. */
export const signInProviders = (providers: readonly Provider[]): ProviderId[] =>
    providers.filter(p => signInMethod(p) !== null).map(p => p.id);

/** Runs `provider`'s own sign-in and stores the account. Returns the exit status. */
export async function login(ctx: LoginContext, provider: Provider): Promise<number> {
    const method = signInMethod(provider);
    if (method === null) {
        ctx.io.err(format(_('ai-usage-meter: %s has no sign-in of its own'), provider.name));
        return EXIT_USAGE;
    }
    try {
        const name = method.kind === 'pkce' ? await pkceLogin(ctx, provider, method.signIn) : await deviceLogin(ctx, method.signIn);
        ctx.io.out(format(_('Signed in to %s (%s). The token is in your keyring; the account appears in the ' +
            'extension and the CLI from the next refresh.'), provider.name, name));
        return EXIT_OK;
    } catch (error) {
        if (error instanceof ProviderError) {
            ctx.io.err(`ai-usage-meter: ${error.message} ${error.hint}`.trim());
            return EXIT_PROVIDER_FAILED;
        }
        if (isCancelled(error))
            return EXIT_PROVIDER_FAILED;
        throw error;
    }
}

async function pkceLogin(ctx: LoginContext, provider: Provider, signIn: NonNullable<AccountsSection['ownSignIn']>):
    Promise<string> {
    const pkce = await createPkce(ctx.cancellable);
    const callback = signIn.callback;
    const url = authorizeUrl(signIn.client, pkce);
    let code: string;
    if (callback !== undefined) {
        // Listening before the address is shown: the browser may come back at once.
        const received = waitForCallback(callback.port, callback.path, pkce.state, ctx.cancellable);
        ctx.io.out(format(_('Open this address in a browser on this computer and approve the sign-in:\n\n  %s\n\n' +
            'Waiting for the browser to come back to localhost:%d…'), url, callback.port));
        code = await received;
    } else {
        ctx.io.out(format(_('Open this address in a browser and approve the sign-in:\n\n  %s\n\nThen paste the code shown:'), url));
        const pasted = await ctx.io.readLine();
        if (pasted === null || pasted.trim() === '')
            throw new ProviderError('auth', _('No code was entered.'), _('Run the login again and paste the code shown.'));
        code = parsePastedCode(pasted, pkce);
    }
    const tokens = await exchangeCode(ctx.http, signIn.client, code, pkce, ctx.env.now(), ctx.cancellable);
    return addOwnSignIn(ctx.tokens, ctx.settings, provider.id, tokens, ctx.cancellable);
}

async function deviceLogin(ctx: LoginContext, signIn: DeviceSignIn): Promise<string> {
    const code = await requestDeviceCode(ctx.http, signIn.flow, ctx.env.now(), ctx.cancellable);
    ctx.io.out(format(_('Open %s and enter the code %s\nWaiting for GitHub…'), code.verificationUri, code.userCode));
    // GitHub's 5 s between polls, unless a spec says otherwise.
    const polled = ctx.minPollSeconds === undefined ? code : {...code, intervalSeconds: ctx.minPollSeconds};
    const token = await pollForToken(ctx.http, signIn.flow, polled, () => ctx.env.now(), ctx.cancellable, ctx.minPollSeconds);
    return signIn.add(ctx.http, token, ctx.cancellable);
}

/** The accounts of our own sign-in for `provider`: what `logout` takes, and their account ids. */
function ownAccounts(ctx: LoginContext, provider: Provider): {account: string; accountId: string}[] {
    const method = signInMethod(provider);
    if (method?.kind === 'device')
        return ctx.settings.get(method.signIn.accountsKey).map(login => ({account: login, accountId: method.signIn.accountId(login)}));
    return ownSignIns(ctx.settings, provider.id).map(account => ({account, accountId: ownAccountId(account)}));
}

/**
 * Signs an account of our own sign-in out: its token leaves the keyring. `wanted` is the account
 * (as `doctor` names it) or the name given to it; it may be left out when there is only one.
 */
export async function logout(ctx: LoginContext, provider: Provider, wanted: string | null): Promise<number> {
    const method = signInMethod(provider);
    if (method === null) {
        ctx.io.err(format(_('ai-usage-meter: %s has no sign-in of its own'), provider.name));
        return EXIT_USAGE;
    }
    const names = ctx.settings.get(Keys.accountNames);
    const accounts = ownAccounts(ctx, provider).map(a => ({...a, name: names[accountNameKey(provider.id, a.accountId)] ?? null}));
    const chosen = wanted === null ? accounts.length === 1 ? accounts : []
        : accounts.filter(a => a.account === wanted || a.accountId === wanted || a.name === wanted);
    const [match] = chosen;
    if (match === undefined || chosen.length > 1) {
        if (accounts.length === 0) {
            ctx.io.err(format(_('ai-usage-meter: no %s account is signed in here'), provider.name));
            return EXIT_PROVIDER_FAILED;
        }
        const listed = accounts.map(a => a.name === null ? a.account : `${a.account} (${a.name})`).join(', ');
        ctx.io.err(wanted === null ? format(_('ai-usage-meter: say which account; signed in here: %s'), listed)
            : format(_('ai-usage-meter: no account “%s”; signed in here: %s'), wanted, listed));
        return EXIT_USAGE;
    }
    try {
        if (method.kind === 'device')
            await method.signIn.remove(match.account);
        else
            await removeOwnSignIn(ctx.tokens, ctx.settings, provider.id, match.account);
    } catch (error) {
        ctx.io.err(format(_('ai-usage-meter: the account was removed, but its token could not be: %s'), String(error)));
        return EXIT_PROVIDER_FAILED;
    }
    ctx.io.out(format(_('Signed out of %s (%s); its token left the keyring.'), provider.name, match.name ?? match.account));
    return EXIT_OK;
}
