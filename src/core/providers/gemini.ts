// Gemini CLI quota: Google's Code Assist quota endpoints with the Gemini CLI's own sign-in.
// The CLI owns ~/.gemini/oauth_creds.json: we only read it. When its access token has expired
// we refresh it in memory only (Google does not rotate refresh tokens), never writing the file.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {quotaSnapshot} from '../contract.js';
import type {QuotaWindow, UsageSnapshot} from '../contract.js';
import {attempt, fail, ok, type Finding} from '../diagnosis.js';
import type {Environment} from '../environment.js';
import {ProviderError} from '../errors.js';
import {findProgram, readTextFile} from '../files.js';
import {_, format} from '../i18n.js';
import {isObject, optionalFraction, optionalNumber, optionalObject, optionalString, parseIsoTime, parseJson} from '../json.js';
import type {JsonObject} from '../json.js';
import {jwtClaims} from '../jwt.js';
import type {AccountsSection} from '../prefsSection.js';
import {tokenLifetimeMs} from '../ownSignIn.js';
import type {HttpResponse} from '../http.js';
import {fetchAccounts, gatedRequest, tokenFingerprint, unexpectedResponse} from '../provider.js';
import type {FetchContext, Provider} from '../provider.js';
import {redactJson} from '../redact.js';

const CODE_ASSIST = 'https://cloudcode-pa.googleapis.com/v1internal';
export const GEMINI_LOAD_URL = `${CODE_ASSIST}:loadCodeAssist`;
export const GEMINI_QUOTA_URL = `${CODE_ASSIST}:retrieveUserQuota`;
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_PROJECTS_URL = 'https://cloudresourcemanager.googleapis.com/v1/projects';
/** Where the Gemini CLI keeps its OAuth client, relative to a node_modules folder. */
const OAUTH_MODULE = '@google/gemini-cli-core/dist/src/code_assist/oauth2.js';
/** Refresh a little before the expiry so that a request never races it. */
const EXPIRY_MARGIN_MS = 60_000;
const DAY_SECONDS = 86400;

export interface GeminiCredentials {
    source: string;
    accessToken: string | null;
    refreshToken: string | null;
    expiresAt: number | null;
    email: string | null;
    hostedDomain: string | null;
}

export function geminiDir(env: Environment): string {
    return GLib.build_filenamev([env.homeDir, '.gemini']);
}

const signInHint = (): string => _('Run `gemini` and choose “Login with Google”.');

/** Auth types other than Google sign-in have no Code Assist quota to read. */
export function checkAuthType(settingsJson: unknown): void {
    const security = isObject(settingsJson) ? optionalObject(settingsJson, 'security') : null;
    const auth = security ? optionalObject(security, 'auth') : null;
    const selected = auth ? optionalString(auth, 'selectedType') : null;
    if (selected === 'api-key' || selected === 'vertex-ai' || selected === 'gemini-api-key') {
        throw new ProviderError('not-configured',
            format(_('Gemini CLI uses “%s” sign-in, which has no quota to show.'), selected),
            _('Only “Login with Google” accounts have Code Assist quotas.'));
    }
}

export function parseGeminiCredentials(json: unknown, source: string): GeminiCredentials {
    if (!isObject(json))
        throw new ProviderError('parse', format(_('%s is not valid JSON.'), source), signInHint());
    const accessToken = optionalString(json, 'access_token');
    const refreshToken = optionalString(json, 'refresh_token');
    if (accessToken === null && refreshToken === null)
        throw new ProviderError('not-configured', _('Not signed in to Gemini CLI.'), signInHint());
    const idToken = optionalString(json, 'id_token');
    const claims = idToken ? jwtClaims(idToken) : null;
    return {
        source,
        accessToken,
        refreshToken,
        expiresAt: optionalNumber(json, 'expiry_date'),
        email: claims ? optionalString(claims, 'email') : null,
        hostedDomain: claims ? optionalString(claims, 'hd') : null,
    };
}

export async function readGeminiCredentials(env: Environment, cancellable: Gio.Cancellable | null):
    Promise<GeminiCredentials> {
    const dir = geminiDir(env);
    const settings = await readTextFile(GLib.build_filenamev([dir, 'settings.json']), cancellable);
    if (settings !== null)
        checkAuthType(parseJson(settings));
    const path = GLib.build_filenamev([dir, 'oauth_creds.json']);
    const text = await readTextFile(path, cancellable);
    if (text === null)
        throw new ProviderError('not-configured', _('Not signed in to Gemini CLI.'), signInHint());
    return parseGeminiCredentials(parseJson(text), path);
}

export interface OAuthClient {
    id: string;
    secret: string;
}

/** Reads OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET from the CLI's oauth2.js source. */
export function parseOAuthClient(source: string): OAuthClient | null {
    const id = /OAUTH_CLIENT_ID\s*=\s*['"]([^'"]+)['"]/.exec(source)?.[1];
    const secret = /OAUTH_CLIENT_SECRET\s*=\s*['"]([^'"]+)['"]/.exec(source)?.[1];
    return id && secret ? {id, secret} : null;
}

/**
 * The Gemini CLI's OAuth client: from GEMINI_OAUTH_CLIENT_ID/SECRET, else from the installed
 * CLI's own sources (found from the `gemini` program in $PATH, walking up to node_modules).
 */
export async function findOAuthClient(env: Environment, cancellable: Gio.Cancellable | null): Promise<OAuthClient | null> {
    const id = env.getenv('GEMINI_OAUTH_CLIENT_ID');
    const secret = env.getenv('GEMINI_OAUTH_CLIENT_SECRET');
    if (id && secret)
        return {id, secret};
    const program = await findProgram('gemini', env.getenv('PATH'), cancellable);
    let dir = program === null ? null : GLib.path_get_dirname(program);
    for (let depth = 0; dir !== null && depth < 8; depth++) {
        for (const candidate of [
            GLib.build_filenamev([dir, 'node_modules', OAUTH_MODULE]),
            GLib.build_filenamev([GLib.path_get_dirname(dir), OAUTH_MODULE]),
        ]) {
            const text = await readTextFile(candidate, cancellable);
            const client = text === null ? null : parseOAuthClient(text);
            if (client !== null)
                return client;
        }
        const parent = GLib.path_get_dirname(dir);
        dir = parent === dir ? null : parent;
    }
    return null;
}

const FAMILIES = [
    {id: 'pro', label: 'Pro'},
    {id: 'flash', label: 'Flash'},
    {id: 'flash-lite', label: 'Flash-Lite'},
] as const;

/** `gemini-2.5-flash-lite_vertex` → flash-lite; models outside the three families (embeddings) → null. */
export function geminiFamily(modelId: string): string | null {
    const model = modelId.replace(/_vertex$/, '');
    if (!model.startsWith('gemini-'))
        return null;
    return model.includes('flash-lite') ? 'flash-lite' : model.includes('flash') ? 'flash' : model.includes('pro') ? 'pro' : null;
}

/**
 * One window per family (Pro, Flash, Flash-Lite) at its most-spent bucket, with that bucket's
 * reset. `_vertex` twins and other token types fold into their model. A listed bucket without
 * `remainingFraction` is exhausted (proto3 leaves zero out), never 0 % used. An answer without
 * buckets is a success with no windows.
 */
export function parseGeminiQuota(json: unknown): QuotaWindow[] {
    if (!isObject(json))
        throw unexpectedResponse(_('the quota response is not an object'));
    const buckets = Array.isArray(json['buckets']) ? json['buckets'] : [];
    const lowest = new Map<string, {fraction: number; resetsAt: number | null}>();
    for (const bucket of buckets) {
        const model = isObject(bucket) ? optionalString(bucket, 'modelId') : null;
        const family = model === null ? null : geminiFamily(model);
        if (!isObject(bucket) || family === null)
            continue;
        // Proto3 leaves out a zero: a listed bucket without its fraction is used up. A fraction
        // that is there but impossible drops the bucket.
        const fraction = 'remainingFraction' in bucket ? optionalFraction(bucket, 'remainingFraction') : 0;
        if (fraction === null)
            continue;
        const known = lowest.get(family);
        if (known === undefined || fraction < known.fraction)
            lowest.set(family, {fraction, resetsAt: parseIsoTime(bucket['resetTime'])});
    }
    return FAMILIES.flatMap(({id, label}) => {
        const found = lowest.get(id);
        return found === undefined ? [] : [{id, label, usedPercent: Math.max(0, (1 - found.fraction) * 100),
            resetsAt: found.resetsAt, windowSeconds: DAY_SECONDS}];
    });
}

/**
 * The project of a free-tier account that has none in loadCodeAssist: the one AI Studio made
 * (`gen-lang-client-…`), else one labelled `generative-language`; deleted projects never.
 */
export function pickGeminiProject(json: unknown): string | null {
    const projects = isObject(json) && Array.isArray(json['projects']) ? json['projects'].filter(isObject) : [];
    const live = projects.filter(p => (optionalString(p, 'lifecycleState') ?? 'ACTIVE') === 'ACTIVE');
    const id = (p: JsonObject): string | null => optionalString(p, 'projectId');
    const byPrefix = live.find(p => id(p)?.startsWith('gen-lang-client-') === true);
    const byLabel = live.find(p => optionalObject(p, 'labels')?.['generative-language'] !== undefined);
    return (byPrefix ? id(byPrefix) : null) ?? (byLabel ? id(byLabel) : null);
}

export interface CodeAssistInfo {
    project: string | null;
    plan: string | null;
}

export function parseLoadCodeAssist(json: unknown, hostedDomain: string | null): CodeAssistInfo {
    if (!isObject(json))
        return {project: null, plan: null};
    const projectValue = json['cloudaicompanionProject'];
    const project = typeof projectValue === 'string' ? projectValue
        : isObject(projectValue) ? optionalString(projectValue, 'id') ?? optionalString(projectValue, 'projectId') : null;
    const paid = optionalObject(json, 'paidTier');
    const tier = optionalObject(json, 'currentTier');
    const tierId = tier ? optionalString(tier, 'id') : null;
    // A tier we do not know is shown by the name Google gives it, never as one we do.
    const plan = (paid ? optionalString(paid, 'name') : null) ??
        (tierId === 'standard-tier' ? _('Paid')
            : tierId === 'free-tier' ? (hostedDomain ? _('Workspace') : _('Free'))
                : tierId === 'legacy-tier' ? _('Legacy') : tier ? optionalString(tier, 'name') : null);
    return {project, plan};
}

/** Google stopped serving Gemini CLI quotas to personal accounts on 2026-06-18; say so plainly. */
function antigravityError(): ProviderError {
    return new ProviderError('not-configured',
        _('Google stopped serving Gemini CLI to personal accounts on 2026-06-18.'),
        _('Antigravity is its successor for personal Google accounts: use it (and the meter’s Antigravity card) instead. ' +
            'Workspace and paid Code Assist accounts still work here.'));
}

/** An error body (403 or 400) that names the end of consumer access. */
function isUnsupportedClient(response: {text: string}): boolean {
    return /UNSUPPORTED_CLIENT|IneligibleTierError/.test(response.text);
}

/** A loadCodeAssist answer (HTTP 200) with no current tier and an ineligible one: the same end of access. */
export function isIneligibleAccount(json: unknown): boolean {
    if (!isObject(json) || optionalObject(json, 'currentTier') !== null || optionalObject(json, 'paidTier') !== null)
        return false;
    const ineligible = Array.isArray(json['ineligibleTiers']) ? json['ineligibleTiers'].filter(isObject) : [];
    return ineligible.length > 0;
}

/** Google's own words for another refusal (a service disabled for the account), with its appeal link. */
function googleRefusal(response: {body: unknown}): ProviderError {
    const error = isObject(response.body) ? optionalObject(response.body, 'error') : null;
    const message = error ? optionalString(error, 'message') : null;
    const details = error && Array.isArray(error['details']) ? error['details'].filter(isObject) : [];
    const appeal = details.map(d => optionalString(optionalObject(d, 'metadata') ?? {}, 'appeal_url')).find(u => u !== null);
    if (message === null)
        return new ProviderError('auth', _('Google refused access to the quota (403).'), signInHint());
    return new ProviderError('auth', format(_('Google refused access: %s'), message),
        appeal ? format(_('Google offers an appeal: %s'), appeal) : _('Signing in again does not change this.'));
}

/**
 * Why Google's token endpoint refused to refresh the sign-in, from its OAuth error code, in
 * words that say what to do: the end of personal-account access (UNSUPPORTED_CLIENT) points to
 * Antigravity; a client Google no longer lets this account use (unauthorized_client) or does not
 * know (invalid_client) needs a current Gemini CLI and a new sign-in; a revoked or expired
 * sign-in (invalid_grant) needs a new sign-in.
 */
export function tokenRefusal(response: {status: number; text: string; body: unknown}, env: Environment): ProviderError {
    if (isUnsupportedClient(response))
        return antigravityError();
    const code = isObject(response.body) ? optionalString(response.body, 'error') : null;
    const clientFromEnvironment = env.getenv('GEMINI_OAUTH_CLIENT_ID') !== null;
    switch (code) {
    case 'unauthorized_client':
        return new ProviderError('auth',
            _('Google no longer lets the Gemini CLI’s sign-in renew for this account (unauthorized_client).'),
            _('A personal Google account: use Antigravity, its successor since Google stopped serving the Gemini CLI ' +
                'to personal accounts on 2026-06-18. A Workspace or paid Code Assist account: update the Gemini CLI, ' +
                'then run `gemini` and sign in again.'));
    case 'invalid_client':
        return new ProviderError('auth',
            _('Google does not accept the OAuth client used to renew the Gemini CLI sign-in (invalid_client).'),
            clientFromEnvironment
                ? _('GEMINI_OAUTH_CLIENT_ID and GEMINI_OAUTH_CLIENT_SECRET are set: correct them or unset them.')
                : _('Update the Gemini CLI (the meter uses its client), then run `gemini` and sign in again.'));
    case 'invalid_grant':
        return new ProviderError('expired', _('The Gemini CLI sign-in was revoked or has expired (invalid_grant).'),
            signInHint());
    default:
        return new ProviderError('expired', code === null
            ? format(_('Google refused to refresh the Gemini CLI sign-in (%d).'), response.status)
            : format(_('Google refused to refresh the Gemini CLI sign-in (%s).'), code), signInHint());
    }
}

/** A 401: the access token was refused though it has not expired; refreshed once and retried once. */
class TokenRejected extends ProviderError {}

export class GeminiProvider implements Provider {
    readonly id = 'gemini';
    readonly name = 'Gemini';
    readonly links = {usage: 'https://aistudio.google.com/usage', status: 'https://aistudio.google.com/status'};
    readonly billing = false;
    readonly refetchOn = [];
    readonly endpoints = [GEMINI_QUOTA_URL];
    readonly prefs: AccountsSection = {
        kind: 'accounts',
        page: 'providers',
        title: _('Gemini'),
        description: _('Code Assist quota read from the Gemini CLI’s Google sign-in, read only. ' +
            'An expired access token is refreshed in memory; the CLI’s file is never written.'),
        switchTitle: _('Show Gemini'),
        switchSubtitle: _('Daily requests left per model family (Pro, Flash, Flash-Lite)'),
        readDefault: async (env, cancellable) => {
            const found = await readGeminiCredentials(env, cancellable);
            return {source: found.source, identity: found.source, email: found.email, expiresAt: null, plan: null};
        },
        expiredHint: '',
    };
    /** Access tokens we refreshed ourselves, in memory only, per refresh-token fingerprint. */
    private readonly _refreshed = new Map<string, {accessToken: string; expiresAt: number}>();
    /** Fingerprints of the CLI's access tokens Google refused before they expired. */
    private readonly _rejected = new Set<string>();

    watchedPaths(env: Environment): string[] {
        return [GLib.build_filenamev([geminiDir(env), 'oauth_creds.json'])];
    }

    diagnose(env: Environment): Promise<Finding[]> {
        return attempt('gemini', async () => {
            const found = await readGeminiCredentials(env, null);
            const findings = [ok('gemini', found.email ? format(_('signed in as %s'), found.email) : _('signed in'))];
            if (found.expiresAt !== null && found.expiresAt <= env.now()) {
                findings.push(await findOAuthClient(env, null) !== null
                    ? ok('gemini', _('access token expired; it will be refreshed in memory'))
                    : fail('gemini', _('access token expired and the Gemini CLI was not found to refresh it'),
                        _('Run `gemini` once, or set GEMINI_OAUTH_CLIENT_ID and GEMINI_OAUTH_CLIENT_SECRET.')));
            }
            return findings;
        });
    }

    /** The Gemini CLI has a single configuration folder, so one account. */
    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        return fetchAccounts(this.id, [{id: 'default', label: this.name,
            read: () => readGeminiCredentials(ctx.env, ctx.cancellable)}], {
            identity: credentials => credentials.source,
            accountId: credentials => credentials.source,
            label: (credentials, source) => credentials.email ?? source.label,
            fetch: (credentials, label) => this._fetchAccount(ctx, credentials, label),
        });
    }

    private async _fetchAccount(ctx: FetchContext, credentials: GeminiCredentials, label: string): Promise<UsageSnapshot> {
        try {
            return await this._fetchWith(ctx, credentials, label, await this._accessToken(ctx, credentials));
        } catch (error) {
            if (!(error instanceof TokenRejected) || credentials.accessToken === null)
                throw error;
            this._rejected.add(tokenFingerprint(credentials.accessToken));
            return await this._fetchWith(ctx, credentials, label, await this._accessToken(ctx, credentials));
        }
    }

    private async _fetchWith(ctx: FetchContext, credentials: GeminiCredentials, label: string,
        token: string): Promise<UsageSnapshot> {
        const key = tokenFingerprint(token);
        const headers = {Authorization: `Bearer ${token}`};
        // The file's token is refused once: it is refreshed in memory and the fetch tried again, once.
        const firstTry = credentials.accessToken !== null && token === credentials.accessToken;
        const hints = {
            unauthorized: signInHint(),
            rejected: firstTry && credentials.refreshToken !== null
                ? () => new TokenRejected('auth', _('The server rejected the credentials (401).'), signInHint())
                : undefined,
            forbidden: (r: {text: string; body: unknown}) => isUnsupportedClient(r) ? antigravityError() : googleRefusal(r),
        };
        const load = await gatedRequest(ctx, key, {method: 'POST', url: GEMINI_LOAD_URL, headers,
            json: {metadata: {ideType: 'GEMINI_CLI', pluginType: 'GEMINI'}}}, hints);
        if (isIneligibleAccount(load.body))
            throw antigravityError();
        const info = parseLoadCodeAssist(load.body, credentials.hostedDomain);
        const project = info.project ?? await this._discoverProject(ctx, key, headers);
        const quota = await gatedRequest(ctx, key, {method: 'POST', url: GEMINI_QUOTA_URL, headers,
            json: project !== null ? {project} : {}}, hints);
        return {
            ...quotaSnapshot(this.id, credentials.source, label, parseGeminiQuota(quota.body)),
            plan: info.plan,
            updatedAt: ctx.env.now(),
            raw: redactJson(quota.body),
        };
    }

    /** A free-tier account's project, from its Cloud projects; null when none fits (the quota is asked without). */
    private async _discoverProject(ctx: FetchContext, key: string, headers: Record<string, string>): Promise<string | null> {
        try {
            const response = await gatedRequest(ctx, `${key}:projects`, {url: GOOGLE_PROJECTS_URL, headers},
                {unauthorized: signInHint()});
            return pickGeminiProject(response.body);
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
            return null;
        }
    }

    /** The file's token while it is valid and was not refused; otherwise one we refresh and keep in memory. */
    private async _accessToken(ctx: FetchContext, credentials: GeminiCredentials): Promise<string> {
        const now = ctx.env.now();
        if (credentials.accessToken !== null && !this._rejected.has(tokenFingerprint(credentials.accessToken)) &&
            (credentials.expiresAt === null || credentials.expiresAt - EXPIRY_MARGIN_MS > now))
            return credentials.accessToken;
        if (credentials.refreshToken === null)
            throw new ProviderError('expired', _('The Gemini CLI sign-in has expired.'), signInHint());
        const cacheKey = tokenFingerprint(credentials.refreshToken);
        const cached = this._refreshed.get(cacheKey);
        if (cached !== undefined && cached.expiresAt - EXPIRY_MARGIN_MS > now)
            return cached.accessToken;

        const client = await findOAuthClient(ctx.env, ctx.cancellable);
        if (client === null) {
            throw new ProviderError('expired', _('The Gemini CLI sign-in has expired.'),
                _('Run `gemini` once so that it refreshes its sign-in (the meter could not find the CLI to do it in memory).'));
        }
        // Google answers 400 or 401 with an OAuth error code, and 403 for the end of personal access.
        const refused = (r: HttpResponse): ProviderError => tokenRefusal(r, ctx.env);
        const response = await gatedRequest(ctx, cacheKey, {method: 'POST', url: GOOGLE_TOKEN_URL, form: {
            client_id: client.id, client_secret: client.secret, refresh_token: credentials.refreshToken,
            grant_type: 'refresh_token',
        }}, {unauthorized: signInHint(), rejected: refused, forbidden: refused, badRequest: refused});
        const body: JsonObject = isObject(response.body) ? response.body : {};
        const accessToken = optionalString(body, 'access_token');
        if (accessToken === null)
            throw unexpectedResponse(_('the token response has no access token'));
        this._refreshed.set(cacheKey, {accessToken, expiresAt: now + tokenLifetimeMs(body)});
        return accessToken;
    }
}
