// Gemini CLI quota: Google's Code Assist quota endpoints with the Gemini CLI's own sign-in.
// The CLI owns ~/.gemini/oauth_creds.json: we only read it. When its access token has expired
// we refresh it in memory only (Google does not rotate refresh tokens), never writing the file.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {quotaSnapshot} from '../contract.js';
import type {QuotaWindow, UsageSnapshot} from '../contract.js';
import type {Environment} from '../environment.js';
import {ProviderError} from '../errors.js';
import {findProgram, readTextFile} from '../files.js';
import {_, format} from '../i18n.js';
import {isObject, optionalFraction, optionalNumber, optionalObject, optionalString, parseIsoTime, parseJson} from '../json.js';
import type {JsonObject} from '../json.js';
import {jwtClaims} from '../jwt.js';
import {tokenLifetimeMs} from '../ownSignIn.js';
import {fetchAccounts, gatedRequest, tokenFingerprint, unexpectedResponse} from '../provider.js';
import type {FetchContext, Provider} from '../provider.js';
import {redactJson} from '../redact.js';

const CODE_ASSIST = 'https://cloudcode-pa.googleapis.com/v1internal';
export const GEMINI_LOAD_URL = `${CODE_ASSIST}:loadCodeAssist`;
export const GEMINI_QUOTA_URL = `${CODE_ASSIST}:retrieveUserQuota`;
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
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

/** Lowest remaining fraction per model, as used-percent windows: pro, flash, flash-lite, then others. */
export function parseGeminiQuota(json: unknown): QuotaWindow[] {
    const buckets = isObject(json) ? json['buckets'] : undefined;
    if (!Array.isArray(buckets))
        throw unexpectedResponse(_('no quota buckets in the response'));
    const byModel = new Map<string, {fraction: number; resetsAt: number | null}>();
    for (const bucket of buckets) {
        if (!isObject(bucket))
            continue;
        const model = optionalString(bucket, 'modelId');
        const fraction = optionalFraction(bucket, 'remainingFraction');
        if (model === null || fraction === null)
            continue;
        const known = byModel.get(model);
        if (known === undefined || fraction < known.fraction)
            byModel.set(model, {fraction, resetsAt: parseIsoTime(bucket['resetTime'])});
    }
    if (byModel.size === 0)
        throw unexpectedResponse(_('no quota buckets in the response'));
    const rank = (model: string): number =>
        model.includes('flash-lite') ? 2 : model.includes('flash') ? 1 : model.includes('pro') ? 0 : 3;
    return [...byModel.entries()]
        .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
        .map(([model, {fraction, resetsAt}]) => ({
            id: model,
            label: model.replace(/^gemini-/, ''),
            usedPercent: Math.max(0, (1 - fraction) * 100),
            resetsAt,
            windowSeconds: DAY_SECONDS,
        }));
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
    const plan = (paid ? optionalString(paid, 'name') : null) ??
        (tierId === 'standard-tier' ? _('Paid')
            : tierId === 'free-tier' ? (hostedDomain ? _('Workspace') : _('Free'))
                : tierId === 'legacy-tier' ? _('Legacy') : null);
    return {project, plan};
}

/** Google stopped serving Gemini CLI quotas to personal accounts; say so plainly. */
function deprecationError(text: string): ProviderError | null {
    if (!/UNSUPPORTED_CLIENT|IneligibleTier|Antigravity/i.test(text))
        return null;
    return new ProviderError('not-configured',
        _('Google no longer serves Gemini CLI quotas for this account type.'),
        _('Personal Google accounts lost Gemini CLI access; Workspace and paid Code Assist accounts still work.'));
}

export class GeminiProvider implements Provider {
    readonly id = 'gemini' as const;
    readonly name = 'Gemini';
    readonly usagePageUrl = 'https://aistudio.google.com/usage';
    /** Access tokens we refreshed ourselves, in memory only, per refresh-token fingerprint. */
    private readonly _refreshed = new Map<string, {accessToken: string; expiresAt: number}>();

    watchedPaths(env: Environment): string[] {
        return [GLib.build_filenamev([geminiDir(env), 'oauth_creds.json'])];
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
        const token = await this._accessToken(ctx, credentials);
        const key = tokenFingerprint(token);
        const headers = {Authorization: `Bearer ${token}`};
        const hints = {
            unauthorized: signInHint(),
            forbidden: (r: {text: string}) => deprecationError(r.text) ??
                new ProviderError('auth', _('Google refused access to the quota (403).'), signInHint()),
        };
        const load = await gatedRequest(ctx, key, {method: 'POST', url: GEMINI_LOAD_URL, headers,
            json: {metadata: {ideType: 'GEMINI_CLI', pluginType: 'GEMINI'}}}, hints);
        const deprecated = deprecationError(load.text);
        if (deprecated !== null)
            throw deprecated;
        const info = parseLoadCodeAssist(load.body, credentials.hostedDomain);
        const quota = await gatedRequest(ctx, key, {method: 'POST', url: GEMINI_QUOTA_URL, headers,
            json: info.project !== null ? {project: info.project} : {}}, hints);
        return {
            ...quotaSnapshot(this.id, credentials.source, label, parseGeminiQuota(quota.body)),
            plan: info.plan,
            updatedAt: ctx.env.now(),
            raw: redactJson(quota.body),
        };
    }

    /** The file's token while it is valid; otherwise one we refresh and keep in memory. */
    private async _accessToken(ctx: FetchContext, credentials: GeminiCredentials): Promise<string> {
        const now = ctx.env.now();
        if (credentials.accessToken !== null && (credentials.expiresAt === null || credentials.expiresAt - EXPIRY_MARGIN_MS > now))
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
        const response = await gatedRequest(ctx, cacheKey, {method: 'POST', url: GOOGLE_TOKEN_URL, form: {
            client_id: client.id, client_secret: client.secret, refresh_token: credentials.refreshToken,
            grant_type: 'refresh_token',
        }}, {unauthorized: signInHint()}).catch((error: unknown) => {
            if (error instanceof ProviderError && (error.kind === 'auth' || error.kind === 'parse'))
                throw new ProviderError('expired', _('Google refused to refresh the Gemini CLI sign-in.'), signInHint());
            throw error;
        });
        const body: JsonObject = isObject(response.body) ? response.body : {};
        const accessToken = optionalString(body, 'access_token');
        if (accessToken === null)
            throw unexpectedResponse(_('the token response has no access token'));
        this._refreshed.set(cacheKey, {accessToken, expiresAt: now + tokenLifetimeMs(body)});
        return accessToken;
    }
}
