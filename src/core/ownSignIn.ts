// Our own OAuth sign-in (authorization code + PKCE) for users without the CLI, or for an account
// the CLI does not hold. These tokens are ours: they live in the keyring, and only these are ever
// refreshed. A rotated refresh token is stored before the new access token is used.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {ProviderId} from './contract.js';
import {ProviderError} from './errors.js';
import {randomBytes} from './files.js';
import type {HttpClient} from './http.js';
import {_, format} from './i18n.js';
import {isObject, optionalNumber, optionalString, parseJson} from './json.js';
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

async function tokenRequest(http: HttpClient, client: OAuthClient, fields: Record<string, string>, now: number,
    cancellable: Gio.Cancellable, previousRefresh: string | null): Promise<OwnTokens> {
    const body = {...fields, client_id: client.clientId};
    const response = await http.request(client.tokenBody === 'json'
        ? {method: 'POST', url: client.tokenUrl, json: body}
        : {method: 'POST', url: client.tokenUrl, form: body}, cancellable);
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
        expiresAt: now + (optionalNumber(json, 'expires_in') ?? 3600) * 1000,
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

/** Our own tokens in the keyring, one entry per signed-in account, refreshed one at a time. */
export class OwnTokenStore {
    private readonly _refreshing = new Map<string, Promise<OwnTokens>>();

    constructor(private readonly _secrets: SecretStore) {}

    async load(provider: ProviderId, account: string): Promise<OwnTokens | null> {
        return parseStored(await this._secrets.lookup(provider, account));
    }

    async save(provider: ProviderId, account: string, label: string, tokens: OwnTokens): Promise<void> {
        if (!await this._secrets.store(provider, account, label, JSON.stringify(tokens)))
            throw new Error('the keyring did not store the token');
    }

    forget(provider: ProviderId, account: string): Promise<boolean> {
        return this._secrets.clear(provider, account);
    }

    /**
     * A valid access token for the account, refreshing it when it is about to expire. The new
     * tokens are stored before the access token is returned; if storing fails, the rotated refresh
     * token is gone and the account says "sign in again" rather than silently losing it.
     */
    async accessToken(provider: ProviderId, account: string, label: string, client: OAuthClient, http: HttpClient,
        now: number): Promise<OwnTokens> {
        const tokens = await this.load(provider, account);
        if (tokens === null) {
            throw new ProviderError('auth', format(_('The keyring holds no sign-in for %s.'), label), signInAgain());
        }
        if (tokens.expiresAt - EXPIRY_MARGIN_MS > now)
            return tokens;
        const key = `${provider}:${account}`;
        let pending = this._refreshing.get(key);
        if (pending === undefined) {
            pending = this._refresh(provider, account, label, client, http, tokens, now)
                .finally(() => this._refreshing.delete(key));
            this._refreshing.set(key, pending);
        }
        return pending;
    }

    private async _refresh(provider: ProviderId, account: string, label: string, client: OAuthClient, http: HttpClient,
        tokens: OwnTokens, now: number): Promise<OwnTokens> {
        // Never cancelled once sent: the server may already have rotated the refresh token, and
        // abandoning the answer would lose it. A failure before the answer leaves the stored
        // tokens untouched and usable.
        const fresh = await tokenRequest(http, client, {grant_type: 'refresh_token', refresh_token: tokens.refreshToken},
            now, new Gio.Cancellable(), tokens.refreshToken);
        try {
            await this.save(provider, account, label, fresh);
        } catch {
            throw new ProviderError('auth', format(_('The renewed sign-in for %s could not be saved in the keyring.'),
                label), signInAgain());
        }
        return fresh;
    }
}
