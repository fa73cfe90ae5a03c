// Our own OAuth sign-in (authorization code + PKCE) for users without the CLI, or for an account
// the CLI does not hold. These tokens are ours: they live in the keyring, and only these are ever
// refreshed. Refresh tokens are single-use, so a refresh is never lost or doubled: it runs under a
// lock file shared by the Shell and the CLI, re-reads the keyring under it, is never aborted once
// sent, and keeps the new tokens in memory until the keyring has them.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {ProviderId} from './contract.js';
import {ProviderError} from './errors.js';
import {LockBusyError, randomBytes, withLockFile, type LockOptions} from './files.js';
import type {HttpClient} from './http.js';
import {_, format} from './i18n.js';
import {isObject, optionalNumber, optionalString, parseJson, type JsonObject} from './json.js';
import type {SecretStore} from './secrets.js';

export interface OAuthClient {
    authorizeUrl: string;
    tokenUrl: string;
    clientId: string;
    redirectUri: string;
    scope: string;
    /** Anthropic's token endpoint takes JSON; OpenAI's takes a form. */
    tokenBody: 'json' | 'form';
    extraAuthorizeParams?: Record<string, string>;
}

export interface OwnTokens {
    accessToken: string;
    refreshToken: string;
    /** Epoch ms. */
    expiresAt: number;
    idToken: string | null;
}

export interface Pkce {
    verifier: string;
    challenge: string;
    state: string;
}

function base64Url(bytes: Uint8Array): string {
    return GLib.base64_encode(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 7636 S256: base64url(sha256(verifier)). */
export function pkceChallenge(verifier: string): string {
    const hex = GLib.compute_checksum_for_string(GLib.ChecksumType.SHA256, verifier, -1) ?? '';
    return base64Url(new Uint8Array((hex.match(/../g) ?? []).map(pair => parseInt(pair, 16))));
}

export async function createPkce(cancellable: Gio.Cancellable | null): Promise<Pkce> {
    const verifier = base64Url(await randomBytes(48, cancellable));
    return {verifier, challenge: pkceChallenge(verifier), state: base64Url(await randomBytes(24, cancellable))};
}

export function authorizeUrl(client: OAuthClient, pkce: Pkce): string {
    const params: Record<string, string> = {
        ...client.extraAuthorizeParams,
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        scope: client.scope,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
        state: pkce.state,
    };
    const query = Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return `${client.authorizeUrl}?${query}`;
}

/** The code page shows `code#state`; the state must be the one we sent. */
export function parsePastedCode(text: string, pkce: Pkce): string {
    const [code, state] = text.trim().split('#');
    if (!code || (state !== undefined && state !== pkce.state))
        throw new ProviderError('auth', _('That code does not belong to this sign-in.'), _('Start the sign-in again.'));
    return code;
}

const signInAgain = (): string => _('Sign in again from the preferences.');

/** When a token response does not say how long its token lasts. */
const DEFAULT_LIFETIME_S = 3600;
/** For a lifetime of zero, negative or past a year: wrong, so short, but not renewed at every fetch. */
const FALLBACK_LIFETIME_S = 15 * 60;
const MAX_LIFETIME_S = 365 * 86400;

/** How long a token from a token response lasts, in ms, from its `expires_in` (seconds), held to sane bounds. */
export function tokenLifetimeMs(json: JsonObject): number {
    const seconds = optionalNumber(json, 'expires_in');
    if (seconds === null)
        return DEFAULT_LIFETIME_S * 1000;
    return (seconds > 0 && seconds <= MAX_LIFETIME_S ? seconds : FALLBACK_LIFETIME_S) * 1000;
}

async function tokenRequest(http: HttpClient, client: OAuthClient, fields: Record<string, string>, now: number,
    cancellable: Gio.Cancellable, previousRefresh: string | null): Promise<OwnTokens> {
    const body = {...fields, client_id: client.clientId};
    // Once sent, the server may rotate the refresh token: the answer must be read whatever happens.
    const response = await http.request(client.tokenBody === 'json'
        ? {method: 'POST', url: client.tokenUrl, json: body, survivesDestroy: true}
        : {method: 'POST', url: client.tokenUrl, form: body, survivesDestroy: true}, cancellable);
    const json = isObject(response.body) ? response.body : {};
    const accessToken = optionalString(json, 'access_token');
    if (response.status >= 500)
        throw new ProviderError('server', format(_('The sign-in server had a problem (%d).'), response.status),
            _('Try again in a moment.'));
    if (response.status !== 200 || accessToken === null) {
        const reason = optionalString(json, 'error') ?? String(response.status);
        throw new ProviderError('auth', format(_('The sign-in was refused (%s).'), reason), signInAgain());
    }
    return {
        accessToken,
        // Some servers keep the refresh token and do not send it again.
        refreshToken: optionalString(json, 'refresh_token') ?? previousRefresh ?? '',
        expiresAt: now + tokenLifetimeMs(json),
        idToken: optionalString(json, 'id_token'),
    };
}

export function exchangeCode(http: HttpClient, client: OAuthClient, code: string, pkce: Pkce, now: number,
    cancellable: Gio.Cancellable): Promise<OwnTokens> {
    return tokenRequest(http, client, {grant_type: 'authorization_code', code, redirect_uri: client.redirectUri,
        code_verifier: pkce.verifier, state: pkce.state}, now, cancellable, null);
}

/** Refresh a little before the expiry so that a request never races it. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

function parseStored(text: string | null): OwnTokens | null {
    const json = text === null ? undefined : parseJson(text);
    if (!isObject(json))
        return null;
    const accessToken = optionalString(json, 'accessToken');
    const refreshToken = optionalString(json, 'refreshToken');
    const expiresAt = optionalNumber(json, 'expiresAt');
    if (accessToken === null || refreshToken === null || expiresAt === null)
        return null;
    return {accessToken, refreshToken, expiresAt, idToken: optionalString(json, 'idToken')};
}

/** The lock of a refresh: held at most as long as a token request can take (its deadline), twice. */
const REFRESH_LOCK: LockOptions = {staleMs: 90_000, waitMs: 45_000, pollMs: 100};

/** Where refresh locks live: the user's runtime folder, shared by the Shell, the CLI and the preferences. */
export function defaultLockDir(): string {
    return GLib.build_filenamev([GLib.get_user_runtime_dir(), 'ai-usage-meter']);
}

/** Our own tokens in the keyring, one entry per signed-in account, refreshed one at a time. */
export class OwnTokenStore {
    /** The renewal running per account in this process; others in this process wait for it. */
    private readonly _refreshing = new Map<string, Promise<OwnTokens>>();
    /** Renewed tokens the keyring has not taken yet: the only copy of a rotated refresh token. */
    private readonly _unsaved = new Map<string, OwnTokens>();

    constructor(private readonly _secrets: SecretStore, private readonly _lockDir = defaultLockDir(),
        private readonly _lock: LockOptions = REFRESH_LOCK) {}

    /** The stored tokens; `fresh` reads the keyring itself, not what the store kept of it. */
    async load(provider: ProviderId, account: string, fresh = false): Promise<OwnTokens | null> {
        return parseStored(await this._secrets.lookup(provider, account, fresh));
    }

    async save(provider: ProviderId, account: string, label: string, tokens: OwnTokens): Promise<void> {
        if (!await this._secrets.store(provider, account, label, JSON.stringify(tokens)))
            throw new Error('the keyring did not store the token');
    }

    forget(provider: ProviderId, account: string): Promise<boolean> {
        this._unsaved.delete(`${provider}:${account}`);
        return this._secrets.clear(provider, account);
    }

    /**
     * A valid access token for the account, renewing it when it is about to expire. Renewed
     * tokens are stored before they are used; when the keyring refuses them they are kept in
     * memory, the account says so, and the next call stores them (no second renewal).
     */
    accessToken(provider: ProviderId, account: string, label: string, client: OAuthClient, http: HttpClient,
        now: number): Promise<OwnTokens> {
        const key = `${provider}:${account}`;
        let pending = this._refreshing.get(key);
        if (pending === undefined) {
            pending = this._valid(provider, account, label, client, http, now).finally(() => this._refreshing.delete(key));
            this._refreshing.set(key, pending);
        }
        return pending;
    }

    private async _valid(provider: ProviderId, account: string, label: string, client: OAuthClient, http: HttpClient,
        now: number): Promise<OwnTokens> {
        const key = `${provider}:${account}`;
        const unsaved = this._unsaved.get(key);
        if (unsaved !== undefined)
            await this._store(provider, account, label, unsaved);
        const tokens = unsaved ?? await this._loadOrFail(provider, account, label);
        if (isFresh(tokens, now))
            return tokens;
        const lockPath = GLib.build_filenamev([this._lockDir,
            `refresh-${GLib.compute_checksum_for_string(GLib.ChecksumType.SHA256, key, -1)?.slice(0, 16) ?? ''}.lock`]);
        try {
            return await withLockFile(lockPath, this._lock, async () => {
                // Another process may have renewed it while we waited: its refresh token is the live one.
                const current = await this._loadOrFail(provider, account, label, true);
                if (isFresh(current, now))
                    return current;
                return this._renew(provider, account, label, client, http, current, now);
            });
        } catch (error) {
            if (!(error instanceof LockBusyError))
                throw error;
            throw new ProviderError('timeout', format(_('Another program is renewing the sign-in for %s.'), label),
                _('The next refresh will use the renewed sign-in.'));
        }
    }

    private async _loadOrFail(provider: ProviderId, account: string, label: string, fresh = false): Promise<OwnTokens> {
        const tokens = await this.load(provider, account, fresh);
        if (tokens === null)
            throw new ProviderError('auth', format(_('The keyring holds no sign-in for %s.'), label), signInAgain());
        return tokens;
    }

    private async _renew(provider: ProviderId, account: string, label: string, client: OAuthClient, http: HttpClient,
        tokens: OwnTokens, now: number): Promise<OwnTokens> {
        // A failure before the answer leaves the stored tokens untouched and usable.
        const fresh = await tokenRequest(http, client, {grant_type: 'refresh_token', refresh_token: tokens.refreshToken},
            now, new Gio.Cancellable(), tokens.refreshToken);
        this._unsaved.set(`${provider}:${account}`, fresh);
        await this._store(provider, account, label, fresh);
        return fresh;
    }

    /** Stores renewed tokens; they stay in memory until this succeeds. */
    private async _store(provider: ProviderId, account: string, label: string, tokens: OwnTokens): Promise<void> {
        try {
            await this.save(provider, account, label, tokens);
        } catch {
            throw new ProviderError('auth', format(_('The renewed sign-in for %s could not be saved in the keyring; ' +
                'it is kept in memory until it can be.'), label),
            _('Unlock the keyring (Passwords and Keys): the next refresh saves it. Ending the session before that ' +
                'loses it, and then you sign in again from the preferences.'));
        }
        this._unsaved.delete(`${provider}:${account}`);
    }
}

/** Valid for a while yet: renewing a little before the expiry keeps a request from racing it. */
function isFresh(tokens: OwnTokens, now: number): boolean {
    return tokens.expiresAt - EXPIRY_MARGIN_MS > now;
}
