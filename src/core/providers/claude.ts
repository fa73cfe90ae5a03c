// Claude subscription quota: the OAuth usage endpoint with Claude Code's own credentials.
// Claude Code owns those credentials: we only ever read them. Refresh tokens are single-use,
// so refreshing one here would log the user out of their CLI.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {quotaSnapshot} from '../contract.js';
import type {QuotaWindow, SpendLimit, UsageSnapshot} from '../contract.js';
import type {Environment} from '../environment.js';
import {ProviderError} from '../errors.js';
import {readTextFile} from '../files.js';
import {capitalize} from '../format.js';
import {_, format} from '../i18n.js';
import {
    isObject, optionalBoolean, optionalNumber, optionalObject, optionalPercent, optionalString, optionalStringArray,
    parseIsoTime, parseJson,
} from '../json.js';
import type {JsonObject} from '../json.js';
import {redactJson} from '../redact.js';
import type {OAuthClient, OwnTokenStore} from '../ownSignIn.js';
import {
    fetchAccounts, folderSources, gatedRequest, ownSignInSources, tokenFingerprint, unexpectedResponse,
} from '../provider.js';
import type {AccountSource, FetchContext, Provider} from '../provider.js';

export const CLAUDE_USAGE_URL = 'https://api.anthropic.com/api/oauth/usage';
export const CLAUDE_PROFILE_URL = 'https://api.anthropic.com/api/oauth/profile';
const CLAUDE_BETA_HEADER = 'oauth-2025-04-20';
/** Claude Code's public OAuth client, for our own sign-in (the code is pasted back from the callback page). */
export const CLAUDE_OAUTH: OAuthClient = {
    authorizeUrl: 'https://claude.ai/oauth/authorize',
    tokenUrl: 'https://console.anthropic.com/v1/oauth/token',
    clientId: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
    redirectUri: 'https://console.anthropic.com/oauth/code/callback',
    scope: 'org:create_api_key user:profile user:inference',
    tokenBody: 'json',
    extraAuthorizeParams: {code: 'true'},
};
const REQUIRED_SCOPE = 'user:profile';
const TOKEN_ENV = 'CLAUDE_CODE_OAUTH_TOKEN';

export interface ClaudeCredentials {
    /** Where the token came from: the variable name or the file path (never the token). */
    source: string;
    accessToken: string;
    /** Epoch ms, or null when unknown (environment tokens). */
    expiresAt: number | null;
    scopes: string[] | null;
    subscriptionType: string | null;
    rateLimitTier: string | null;
}

/** Credential files in the order Claude Code uses them. */
export function claudeCredentialPaths(env: Environment): string[] {
    const paths: string[] = [];
    const configDir = env.getenv('CLAUDE_CONFIG_DIR');
    if (configDir)
        paths.push(GLib.build_filenamev([configDir, '.credentials.json']));
    paths.push(GLib.build_filenamev([env.homeDir, '.claude', '.credentials.json']));
    return paths;
}

export function parseClaudeCredentials(json: unknown, source: string): ClaudeCredentials {
    const oauth = isObject(json) ? optionalObject(json, 'claudeAiOauth') : null;
    const accessToken = oauth ? optionalString(oauth, 'accessToken') : null;
    if (oauth === null || accessToken === null) {
        throw new ProviderError('not-configured', format(_('%s holds no Claude sign-in.'), source),
            _('Run `claude` and sign in with your Claude account.'));
    }
    return {
        source,
        accessToken,
        expiresAt: optionalNumber(oauth, 'expiresAt'),
        scopes: optionalStringArray(oauth, 'scopes'),
        subscriptionType: optionalString(oauth, 'subscriptionType'),
        rateLimitTier: optionalString(oauth, 'rateLimitTier'),
    };
}

/** Reads one credentials file; null when it does not exist. Never writes it. */
async function readCredentialFile(path: string, cancellable: Gio.Cancellable | null): Promise<ClaudeCredentials | null> {
    const text = await readTextFile(path, cancellable);
    if (text === null)
        return null;
    const json = parseJson(text);
    if (json === undefined) {
        throw new ProviderError('parse', format(_('%s is not valid JSON.'), path),
            _('Run `claude` once so that it rewrites its credentials.'));
    }
    return parseClaudeCredentials(json, path);
}

const notSignedIn = (): ProviderError => new ProviderError('not-configured', _('Not signed in to Claude Code.'),
    _('Install Claude Code and run `claude` to sign in.'));

/** Reads the first credentials available, in Claude Code's order, without ever writing them. */
export async function readClaudeCredentials(env: Environment, ctx: {cancellable: Gio.Cancellable | null}):
    Promise<ClaudeCredentials> {
    const envToken = env.getenv(TOKEN_ENV);
    if (envToken) {
        return {source: TOKEN_ENV, accessToken: envToken, expiresAt: null, scopes: null,
            subscriptionType: null, rateLimitTier: null};
    }
    for (const path of claudeCredentialPaths(env)) {
        const found = await readCredentialFile(path, ctx.cancellable);
        if (found !== null)
            return found;
    }
    throw notSignedIn();
}

/** The sign-in of an extra Claude Code configuration folder (what CLAUDE_CONFIG_DIR would point at). */
export async function readClaudeFolder(dir: string, cancellable: Gio.Cancellable | null): Promise<ClaudeCredentials> {
    const found = await readCredentialFile(GLib.build_filenamev([dir, '.credentials.json']), cancellable);
    if (found === null) {
        throw new ProviderError('not-configured', format(_('No Claude Code sign-in in %s.'), dir),
            format(_('Run `CLAUDE_CONFIG_DIR=%s claude` and sign in.'), dir));
    }
    return found;
}

/** "max" + "default_claude_max_20x" → "Max 20x". */
export function claudePlanLabel(subscriptionType: string | null, rateLimitTier: string | null): string | null {
    const tierMultiplier = rateLimitTier ? /_(\d+x)$/.exec(rateLimitTier)?.[1] ?? null : null;
    const base = subscriptionType ?? (rateLimitTier ? /claude_([a-z]+)/.exec(rateLimitTier)?.[1] ?? null : null);
    if (base === null)
        return null;
    const name = capitalize(base);
    return tierMultiplier ? `${name} ${tierMultiplier}` : name;
}

const NUMBER_WORDS: Record<string, number> = {
    one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, ten: 10, fourteen: 14, thirty: 30,
};
const UNIT_SECONDS: Record<string, [string, number]> = {
    hour: ['h', 3600], day: ['d', 86400], week: ['w', 604800], month: ['mo', 2592000],
};
const KEYS_THAT_ARE_NOT_WINDOWS = new Set(['extra_usage', 'limits']);

/** `five_hour` → 5h, `seven_day_opus` → 7d Opus, `something_new` → Something new. */
export function describeBucket(key: string): {label: string; windowSeconds: number | null} {
    const match = /^([a-z]+)_(hour|day|week|month)(?:_(.+))?$/.exec(key);
    const count = match ? NUMBER_WORDS[match[1] ?? ''] : undefined;
    const unit = match ? UNIT_SECONDS[match[2] ?? ''] : undefined;
    if (match && count !== undefined && unit !== undefined) {
        const suffix = match[3] ? ` ${humanize(match[3])}` : '';
        return {label: `${count}${unit[0]}${suffix}`, windowSeconds: count * unit[1]};
    }
    return {label: humanize(key), windowSeconds: null};
}

function humanize(key: string): string {
    const words = key.split('_').filter(w => w.length > 0).map(w => w === 'oauth' ? 'OAuth' : w);
    const text = words.join(' ');
    return capitalize(text);
}

function bucketOrder(key: string): number {
    return key === 'five_hour' ? 0 : key === 'seven_day' ? 1 : 2;
}

export interface ClaudeUsage {
    windows: QuotaWindow[];
    spendLimits: SpendLimit[];
}

/** Reads every bucket the endpoint returns, including ones we have never seen. */
export function parseClaudeUsage(json: unknown): ClaudeUsage {
    if (!isObject(json))
        throw unexpectedResponse(_('the usage response is not an object'));

    const windows: QuotaWindow[] = [];
    const keys = Object.keys(json).filter(k => !KEYS_THAT_ARE_NOT_WINDOWS.has(k))
        .sort((a, b) => bucketOrder(a) - bucketOrder(b) || a.localeCompare(b));
    for (const key of keys) {
        const bucket = optionalObject(json, key);
        const used = bucket ? optionalPercent(bucket, 'utilization') : null;
        if (bucket === null || used === null)
            continue;
        const {label, windowSeconds} = describeBucket(key);
        windows.push({id: key, label, usedPercent: used, resetsAt: parseIsoTime(bucket['resets_at']), windowSeconds});
    }
    windows.push(...scopedLimits(json, new Set(windows.map(w => w.label))));

    const spendLimits: SpendLimit[] = [];
    const extra = optionalObject(json, 'extra_usage');
    if (extra && optionalBoolean(extra, 'is_enabled') === true) {
        const used = optionalNumber(extra, 'used_credits');
        const limit = optionalNumber(extra, 'monthly_limit');
        if (used !== null && limit !== null) {
            // The endpoint reports minor units (cents).
            spendLimits.push({label: _('Extra usage'), used: used / 100, limit: limit / 100,
                currency: optionalString(extra, 'currency') ?? 'USD'});
        }
    }

    if (windows.length === 0 && spendLimits.length === 0)
        throw unexpectedResponse(_('no usage windows in the response'));
    return {windows, spendLimits};
}

/** `limits[]` entries scoped to one model, e.g. a weekly limit for a single model family. */
function scopedLimits(json: JsonObject, seenLabels: Set<string>): QuotaWindow[] {
    const limits = json['limits'];
    if (!Array.isArray(limits))
        return [];
    const windows: QuotaWindow[] = [];
    for (const entry of limits) {
        if (!isObject(entry) || optionalString(entry, 'kind') !== 'weekly_scoped')
            continue;
        const model = optionalObject(optionalObject(entry, 'scope') ?? {}, 'model');
        const name = model ? optionalString(model, 'display_name') : null;
        const percent = optionalPercent(entry, 'percent');
        const label = name ? `7d ${name}` : null;
        if (label === null || percent === null || seenLabels.has(label))
            continue;
        seenLabels.add(label);
        windows.push({id: `limits:${name ?? ''}`, label, usedPercent: percent,
            resetsAt: parseIsoTime(entry['resets_at']), windowSeconds: 7 * 86400});
    }
    return windows;
}

const reloginHint = (): string =>
    _('Run `claude` once so that it refreshes its sign-in, or `claude login` to sign in again.');
const missingScopeError = (): ProviderError => new ProviderError('scope',
    _('The Claude token lacks the “user:profile” scope.'),
    _('Sign in with `claude login` (tokens from `claude setup-token` cannot read usage).'));

export class ClaudeProvider implements Provider {
    readonly id = 'claude' as const;
    readonly name = 'Claude';
    readonly usagePageUrl = 'https://claude.ai/settings/usage';
    /** Account e-mail per token fingerprint, looked up once per token. */
    private readonly _emails = new Map<string, string | null>();

    /** `ownSignIns()` lists the accounts signed in from the preferences (tokens in `tokens`). */
    constructor(private readonly _tokens: OwnTokenStore | null = null,
        private readonly _ownSignIns: () => readonly string[] = () => []) {}

    watchedPaths(env: Environment, accountDirs: readonly string[]): string[] {
        return [...claudeCredentialPaths(env), ...accountDirs.map(dir => GLib.build_filenamev([dir, '.credentials.json']))];
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const sources: AccountSource<ClaudeCredentials>[] = [
            {id: 'default', label: this.name, read: () => readClaudeCredentials(ctx.env, ctx)},
            ...folderSources(this.name, ctx.accountDirs, ctx.env, dir => readClaudeFolder(dir, ctx.cancellable)),
            ...ownSignInSources(this.id, this.name, this._ownSignIns(), this._tokens, CLAUDE_OAUTH, ctx,
                (tokens, source): ClaudeCredentials => ({source, accessToken: tokens.accessToken,
                    expiresAt: tokens.expiresAt, scopes: null, subscriptionType: null, rateLimitTier: null})),
        ];
        return fetchAccounts(this.id, sources, {
            identity: credentials => tokenFingerprint(credentials.accessToken),
            accountId: credentials => credentials.source,
            label: (_credentials, source) => source.label,
            fetch: (credentials, label) => this._fetchAccount(ctx, credentials, label),
        });
    }

    private async _fetchAccount(ctx: FetchContext, credentials: ClaudeCredentials, label: string): Promise<UsageSnapshot> {
        const now = ctx.env.now();
        if (credentials.expiresAt !== null && credentials.expiresAt <= now) {
            throw new ProviderError('expired', _('The Claude Code sign-in has expired.'),
                _('Run `claude` once to refresh it; the meter picks the new token up at once.'));
        }
        if (credentials.scopes !== null && !credentials.scopes.includes(REQUIRED_SCOPE))
            throw missingScopeError();

        const key = tokenFingerprint(credentials.accessToken);
        const headers = {
            'Authorization': `Bearer ${credentials.accessToken}`,
            'anthropic-beta': CLAUDE_BETA_HEADER,
        };
        const response = await gatedRequest(ctx, key, {url: CLAUDE_USAGE_URL, headers}, {
            unauthorized: reloginHint(),
            forbidden: r => r.text.includes(REQUIRED_SCOPE)
                ? missingScopeError()
                : new ProviderError('auth', _('Claude refused access to usage data (403).'), reloginHint()),
        });
        const usage = parseClaudeUsage(response.body);
        const email = await this._email(ctx, key, headers);

        const extra = usage.spendLimits[0] ?? null;
        return {
            ...quotaSnapshot(this.id, credentials.source, email ?? label, usage.windows),
            plan: claudePlanLabel(credentials.subscriptionType, credentials.rateLimitTier),
            cost: extra?.used ?? null,
            currency: extra?.currency ?? null,
            spendLimits: usage.spendLimits,
            updatedAt: ctx.env.now(),
            raw: redactJson(response.body),
        };
    }

    /** The account e-mail labels the card; a failed lookup is not an error worth showing. */
    private async _email(ctx: FetchContext, key: string, headers: Record<string, string>): Promise<string | null> {
        if (this._emails.has(key))
            return this._emails.get(key) ?? null;
        let email: string | null = null;
        try {
            const response = await gatedRequest(ctx, `${key}:profile`,
                {url: CLAUDE_PROFILE_URL, headers: {Authorization: headers['Authorization'] ?? ''}},
                {unauthorized: ''});
            const account = isObject(response.body) ? optionalObject(response.body, 'account') : null;
            email = account ? optionalString(account, 'email_address') ?? optionalString(account, 'email') : null;
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
        }
        this._emails.set(key, email);
        return email;
    }
}
