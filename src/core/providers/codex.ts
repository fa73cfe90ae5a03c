// Codex (ChatGPT plan) quota: the ChatGPT usage endpoint with the Codex CLI's own sign-in.
// The CLI owns ~/.codex/auth.json and its refresh-token lifecycle: we only ever read it.
// When the API cannot be used, the newest session log's rate-limit snapshot stands in.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {codexHomes} from '../cliFolders.js';
import {creditsWindow, quotaSnapshot} from '../contract.js';
import type {Balance, QuotaWindow, UsageSnapshot} from '../contract.js';
import {attempt, expiry, ok, ownSignInFindings, warn, type Finding} from '../diagnosis.js';
import type {Environment} from '../environment.js';
import {ProviderError, isCancelled} from '../errors.js';
import {listDirectory, readTail, readTextFile} from '../files.js';
import {capitalize} from '../format.js';
import {_, format} from '../i18n.js';
import {
    isObject, optionalBoolean, optionalEpochSeconds, optionalNumber, optionalNumeric, optionalObject, optionalPercent,
    optionalString, parseIsoTime, parseJson,
} from '../json.js';
import type {JsonObject} from '../json.js';
import {jwtClaims, jwtExpiry} from '../jwt.js';
import type {OAuthClient} from '../ownSignIn.js';
import type {AccountsSection, SignIn} from '../prefsSection.js';
import {
    displayPath, extraFolders, fetchAccounts, folderSources, gatedRequest, ownSignIns, ownSignInSources,
    tokenFingerprint, unexpectedResponse,
} from '../provider.js';
import type {AccountSource, FetchContext, Provider, ProviderDeps} from '../provider.js';
import {redactJson} from '../redact.js';
import {Keys} from '../settings.js';
import {secondsAfter} from '../time.js';

export const CODEX_USAGE_URL = 'https://chatgpt.com/backend-api/wham/usage';
/** The Codex CLI's public OAuth client; the browser comes back to a loopback port. */
export const CODEX_OAUTH: OAuthClient = {
    authorizeUrl: 'https://auth.openai.com/oauth/authorize',
    tokenUrl: 'https://auth.openai.com/oauth/token',
    clientId: 'app_EMoamEEZ73f0CkXaXp7hrann',
    redirectUri: 'http://localhost:1455/auth/callback',
    scope: 'openid profile email offline_access',
    tokenBody: 'form',
    extraAuthorizeParams: {id_token_add_organizations: 'true', codex_cli_simplified_flow: 'true'},
};
export const CODEX_CALLBACK = {port: 1455, path: '/auth/callback'};
const AUTH_CLAIMS = 'https://api.openai.com/auth';
const PROFILE_CLAIMS = 'https://api.openai.com/profile';
/** How long the spend-controls endpoint rests after a failure (it only adds to the card). */
const MONTHLY_RETRY_MS = 30 * 60_000;
/** How much of the newest session log to read looking for a rate-limit snapshot. */
const ROLLOUT_TAIL_BYTES = 512 * 1024;

export interface CodexCredentials {
    /** The auth.json path, or own:ID for our own sign-in (never the token). */
    source: string;
    /** The CODEX_HOME folder, whose session logs stand in when the API fails; null for our own sign-in. */
    home: string | null;
    accessToken: string;
    accountId: string | null;
    email: string | null;
    plan: string | null;
    expiresAt: number | null;
}

const loginHint = (): string => _('Run `codex login` to sign in with your ChatGPT account.');

export function parseCodexCredentials(json: unknown, source: string, home: string | null): CodexCredentials {
    const tokens = isObject(json) ? optionalObject(json, 'tokens') : null;
    const accessToken = tokens ? optionalString(tokens, 'access_token') ?? optionalString(tokens, 'accessToken') : null;
    if (tokens === null || accessToken === null) {
        const apiKey = isObject(json) ? optionalString(json, 'OPENAI_API_KEY') : null;
        throw new ProviderError('not-configured', apiKey !== null
            ? _('Codex is signed in with an API key, which has no plan limits.')
            : format(_('%s holds no ChatGPT sign-in.'), source), loginHint());
    }
    const idToken = optionalString(tokens, 'id_token') ?? optionalString(tokens, 'idToken');
    const idClaims = idToken ? jwtClaims(idToken) : null;
    const accessClaims = jwtClaims(accessToken);
    const authClaims = optionalObject(idClaims ?? {}, AUTH_CLAIMS) ?? optionalObject(accessClaims ?? {}, AUTH_CLAIMS);
    const profileClaims = optionalObject(idClaims ?? {}, PROFILE_CLAIMS) ?? optionalObject(accessClaims ?? {}, PROFILE_CLAIMS);
    return {
        source,
        home,
        accessToken,
        accountId: optionalString(tokens, 'account_id') ?? optionalString(tokens, 'accountId') ??
            (authClaims ? optionalString(authClaims, 'chatgpt_account_id') : null),
        email: optionalString(idClaims ?? {}, 'email') ?? (profileClaims ? optionalString(profileClaims, 'email') : null),
        plan: authClaims ? optionalString(authClaims, 'chatgpt_plan_type') : null,
        expiresAt: jwtExpiry(accessToken),
    };
}

/** The first sign-in of the Codex folders, as the CLI would use it. */
export async function readDefaultCodexCredentials(env: Environment, cancellable: Gio.Cancellable | null):
    Promise<CodexCredentials> {
    const homes = codexHomes(env);
    for (const [index, home] of homes.entries()) {
        try {
            return await readCodexCredentials(home, cancellable);
        } catch (error) {
            // A folder without a sign-in: the next one may hold it; the last one says why.
            if (!(error instanceof ProviderError) || error.kind !== 'not-configured' || index === homes.length - 1)
                throw error;
        }
    }
    throw new ProviderError('not-configured', _('Not signed in to Codex.'), loginHint());
}

export async function readCodexCredentials(home: string, cancellable: Gio.Cancellable | null): Promise<CodexCredentials> {
    const path = GLib.build_filenamev([home, 'auth.json']);
    const text = await readTextFile(path, cancellable);
    if (text === null)
        throw new ProviderError('not-configured', _('Not signed in to Codex.'), loginHint());
    const json = parseJson(text);
    if (json === undefined)
        throw new ProviderError('parse', format(_('%s is not valid JSON.'), path), loginHint());
    return parseCodexCredentials(json, path, home);
}

/** 18000 s → 5h, 604800 s → 7d, 86400 s → 1d, 2592000 s → 30d. */
export function windowLabel(seconds: number): string {
    if (seconds % 86400 === 0)
        return `${seconds / 86400}d`;
    if (seconds % 3600 === 0)
        return `${seconds / 3600}h`;
    return `${Math.round(seconds / 60)}m`;
}

/** Shorter windows first; windows of unknown length last. */
const byLength = (a: QuotaWindow, b: QuotaWindow): number =>
    (a.windowSeconds ?? Infinity) - (b.windowSeconds ?? Infinity);

/** Reads a window; `resetAt` is unix seconds. The window is classified by its length, not its slot. */
function parseWindow(json: JsonObject | null, id: string, name: string): QuotaWindow | null {
    const used = json ? optionalPercent(json, 'used_percent') : null;
    if (json === null || used === null)
        return null;
    return codexWindow(id, used, optionalNumber(json, 'limit_window_seconds'), optionalEpochSeconds(json, 'reset_at'), name);
}

/**
 * A window named by its length ("5h", "7d GPT-5.3-Codex-Spark"). A window of unknown length (a
 * session log without `window_minutes`) is not given one: it is shown generically, by its slot.
 */
function codexWindow(id: string, usedPercent: number, seconds: number | null, resetsAt: number | null,
    name = ''): QuotaWindow {
    const slot = id.slice(id.lastIndexOf(':') + 1);
    const label = seconds !== null ? (name ? `${windowLabel(seconds)} ${name}` : windowLabel(seconds))
        : name ? `${name} (${slot})` : format(_('Other limit (%s)'), slot);
    return {id, label, usedPercent, resetsAt, windowSeconds: seconds};
}

function windowsOf(rateLimit: JsonObject | null, idPrefix: string, name: string): QuotaWindow[] {
    if (rateLimit === null)
        return [];
    return [
        parseWindow(optionalObject(rateLimit, 'primary_window'), `${idPrefix}primary`, name),
        parseWindow(optionalObject(rateLimit, 'secondary_window'), `${idPrefix}secondary`, name),
    ].filter((w): w is QuotaWindow => w !== null)
        .sort(byLength);
}

/**
 * A team or EDU credit cap (`individual_limit`), its numbers often strings: credits, not money.
 * Null when there is no cap (a null limit is not a cap of 0).
 */
function creditLimit(json: JsonObject | null): QuotaWindow | null {
    const limit = json ? optionalNumeric(json, 'limit') : null;
    if (json === null || limit === null || limit <= 0)
        return null;
    const remainingPercent = optionalNumeric(json, 'remaining_percent');
    const used = optionalNumeric(json, 'used') ??
        (remainingPercent !== null ? limit * (1 - remainingPercent / 100) : null);
    if (used === null)
        return null;
    const resetAt = optionalEpochSeconds(json, 'reset_at') ?? optionalEpochSeconds(json, 'resets_at');
    return creditsWindow('credit_limit', _('Credit limit'), used, limit, resetAt, null);
}

export interface CodexUsage {
    plan: string | null;
    windows: QuotaWindow[];
    balances: Balance[];
}

/** Personal plans, which have no workspace spend controls to ask about. */
const PERSONAL_PLANS = new Set(['guest', 'free', 'go', 'plus', 'pro']);

export function parseCodexUsage(json: unknown): CodexUsage {
    if (!isObject(json))
        throw unexpectedResponse(_('the usage response is not an object'));
    const rateLimit = optionalObject(json, 'rate_limit');
    const windows = windowsOf(rateLimit, '', '');
    const creditCap = creditCapOf(json);
    if (creditCap !== null)
        windows.push(creditCap);
    const additional = json['additional_rate_limits'];
    if (Array.isArray(additional)) {
        for (const [index, entry] of additional.entries()) {
            if (!isObject(entry))
                continue;
            const name = optionalString(entry, 'limit_name') ?? optionalString(entry, 'metered_feature');
            if (name !== null)
                windows.push(...windowsOf(optionalObject(entry, 'rate_limit'), `extra${index}:`, name));
        }
    }
    const balances: Balance[] = [];
    const credits = optionalObject(json, 'credits');
    if (credits) {
        const unlimited = optionalBoolean(credits, 'unlimited') === true;
        const balance = optionalNumeric(credits, 'balance');
        if (unlimited || (optionalBoolean(credits, 'has_credits') === true && balance !== null))
            balances.push({label: _('Credits'), amount: balance ?? 0, currency: null, unlimited});
    }
    return {plan: optionalString(json, 'plan_type'), windows, balances};
}

const spendControlKey = (json: JsonObject): string | undefined => ['spend_control', 'spendControl'].find(key => key in json);

/** The credit cap, at the top, in rate_limit or in spend_control (snake or camel case), in that order. */
function creditCapOf(json: JsonObject): QuotaWindow | null {
    const key = spendControlKey(json);
    const spendControl = key === undefined ? null : optionalObject(json, key);
    return [optionalObject(json, 'individual_limit'), optionalObject(optionalObject(json, 'rate_limit') ?? {}, 'individual_limit'),
        optionalObject(spendControl ?? {}, 'individual_limit')].map(creditLimit).find(cap => cap !== null) ?? null;
}

/**
 * The workspace account whose monthly credit limit is to be asked from the spend-controls
 * endpoint, or null: only when the usage answer says there are spend controls (the key is there,
 * even null) without giving a cap, on a plan that is not a personal one (team, business, EDU,
 * enterprise, and plans we do not know).
 */
export function monthlyLimitAccount(json: unknown, signedInAccount: string | null): string | null {
    if (!isObject(json) || spendControlKey(json) === undefined || creditCapOf(json) !== null)
        return null;
    const plan = optionalString(json, 'plan_type');
    if (plan === null || PERSONAL_PLANS.has(plan))
        return null;
    return signedInAccount ?? optionalString(json, 'account_id') ?? optionalString(json, 'accountId');
}

/** Enforcement modes that mean the workspace sets no monthly limit. */
const NO_LIMIT_MODES = new Set(['none', 'off', 'disabled', 'no_limit']);

/**
 * The answer of the spend-controls endpoint: this member's monthly credit limit in the workspace
 * (`effective_monthly_limit.limit`) and what was used this month (`current_month_usage`), numbers
 * or strings. In credits, never money. Null when there is no limit in force.
 */
export function parseCodexMonthlyUsage(json: unknown): QuotaWindow | null {
    const effective = isObject(json) ? optionalObject(json, 'effective_monthly_limit') : null;
    const limit = effective ? optionalNumeric(effective, 'limit') : null;
    if (!isObject(json) || effective === null || limit === null || limit <= 0)
        return null;
    const mode = optionalString(effective, 'enforcement_mode');
    if (mode !== null && NO_LIMIT_MODES.has(mode.toLowerCase()))
        return null;
    const used = Math.max(0, optionalNumeric(json, 'current_month_usage') ?? 0);
    return creditsWindow('monthly_credit_limit', _('Monthly credit limit'), used, limit, null, null);
}

/** The spend-controls address of a workspace account (ChatGPT's own settings page reads it). */
export function codexMonthlyUsageUrl(accountId: string): string {
    return `https://chatgpt.com/backend-api/accounts/${encodeURIComponent(accountId)}/spend-controls/current-user/monthly-usage`;
}

/** A rate-limit snapshot from a Codex session log: windows and when it was written. */
export interface RolloutSnapshot {
    windows: QuotaWindow[];
    at: number;
    path: string;
}

/** Reads the last `rate_limits` of a session log's text (token_count events). */
export function parseRolloutRateLimits(text: string): Omit<RolloutSnapshot, 'path'> | null {
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i] ?? '';
        if (!line.includes('"rate_limits"'))
            continue;
        const event = parseJson(line);
        const payload = isObject(event) ? optionalObject(event, 'payload') : null;
        const limits = payload ? optionalObject(payload, 'rate_limits') : null;
        const at = isObject(event) ? parseIsoTime(event['timestamp']) : null;
        if (limits === null || at === null)
            continue;
        const windows = ['primary', 'secondary'].map(slot => {
            const window = optionalObject(limits, slot);
            const used = window ? optionalPercent(window, 'used_percent') : null;
            if (window === null || used === null)
                return null;
            const minutes = optionalNumber(window, 'window_minutes');
            // Newer CLIs write resets_at (unix seconds), older ones resets_in_seconds from the event time.
            const resetsAt = optionalEpochSeconds(window, 'resets_at');
            const resetsIn = optionalNumber(window, 'resets_in_seconds');
            return codexWindow(slot, used, minutes !== null ? minutes * 60 : null,
                resetsAt ?? (resetsIn !== null ? secondsAfter(at, resetsIn) : null));
        }).filter((w): w is QuotaWindow => w !== null)
            .sort(byLength);
        if (windows.length > 0)
            return {windows, at};
    }
    return null;
}

/** Day folders (sessions/YYYY/MM/DD), newest first, at most `limit`. */
async function newestDayFolders(root: string, limit: number, cancellable: Gio.Cancellable | null): Promise<string[]> {
    const numbered = async (dir: string): Promise<string[]> =>
        ((await listDirectory(dir, 'standard::name,standard::type', cancellable)) ?? [])
            .filter(e => e.get_file_type() === Gio.FileType.DIRECTORY && /^\d+$/.test(e.get_name()))
            .map(e => e.get_name()).sort((a, b) => Number(b) - Number(a))
            .map(name => GLib.build_filenamev([dir, name]));
    const days: string[] = [];
    for (const year of await numbered(root)) {
        for (const month of await numbered(year)) {
            days.push(...await numbered(month));
            if (days.length >= limit)
                return days.slice(0, limit);
        }
    }
    return days;
}

/**
 * The session log written last. A session that began yesterday may still be running, so the
 * two newest day folders are compared by modification time.
 */
export async function newestRollout(home: string, cancellable: Gio.Cancellable | null): Promise<string | null> {
    let newest: {path: string; mtime: number} | null = null;
    for (const day of await newestDayFolders(GLib.build_filenamev([home, 'sessions']), 2, cancellable)) {
        for (const entry of await listDirectory(day, 'standard::name,time::modified', cancellable) ?? []) {
            const mtime = entry.get_modification_date_time()?.to_unix() ?? 0;
            if (/^rollout-.*\.jsonl$/.test(entry.get_name()) && (newest === null || mtime > newest.mtime))
                newest = {path: GLib.build_filenamev([day, entry.get_name()]), mtime};
        }
    }
    return newest?.path ?? null;
}

export async function readRolloutSnapshot(home: string, cancellable: Gio.Cancellable | null):
    Promise<RolloutSnapshot | null> {
    const path = await newestRollout(home, cancellable);
    const text = path === null ? null : await readTail(path, ROLLOUT_TAIL_BYTES, cancellable);
    const parsed = text === null ? null : parseRolloutRateLimits(text);
    return parsed && path ? {...parsed, path} : null;
}

function planLabel(plan: string | null): string | null {
    return plan === null ? null : capitalize(plan.replace(/_/g, ' '));
}

const codexSignIn = (found: CodexCredentials): SignIn => ({source: found.source,
    identity: tokenFingerprint(found.accessToken), email: found.email, expiresAt: found.expiresAt, plan: found.plan});

export class CodexProvider implements Provider {
    readonly id = 'codex';
    readonly name = 'Codex';
    readonly links = {usage: 'https://chatgpt.com/codex/settings/usage', status: 'https://status.openai.com'};
    readonly billing = false;
    readonly refetchOn = [Keys.accountDirs, Keys.ownSignIns];
    readonly endpoints = [CODEX_USAGE_URL];
    readonly prefs: AccountsSection;
    /** When the spend-controls endpoint last failed, per token. */
    private readonly _monthlyFailedAt = new Map<string, number>();

    constructor(private readonly _deps: ProviderDeps) {
        this.prefs = {
            kind: 'accounts',
            page: 'providers',
            title: _('Codex'),
            description: _('ChatGPT plan limits read from the Codex CLI’s sign-in (auth.json), read only. ' +
                'When the API cannot be reached, the newest Codex session log stands in.'),
            switchTitle: _('Show Codex'),
            switchSubtitle: _('5-hour and weekly limits, credits'),
            readDefault: async (env, cancellable) => codexSignIn(await readDefaultCodexCredentials(env, cancellable)),
            folder: {title: _('Add a Codex folder (CODEX_HOME)…'),
                read: async (dir, cancellable) => codexSignIn(await readCodexCredentials(dir, cancellable))},
            ownSignIn: {client: CODEX_OAUTH, title: _('Sign in with a ChatGPT account…'), callback: CODEX_CALLBACK},
            expiredHint: _('token expired: run `codex` once to refresh it'),
        };
    }

    watchedPaths(env: Environment): string[] {
        return [...codexHomes(env), ...extraFolders(this._deps.settings, this.id)]
            .map(home => GLib.build_filenamev([home, 'auth.json']));
    }

    async diagnose(env: Environment): Promise<Finding[]> {
        const findings: Finding[] = [];
        const defaultHome = (await readDefaultCodexCredentials(env, null).catch(() => null))?.home ?? codexHomes(env)[0];
        for (const home of [...defaultHome ? [defaultHome] : [], ...extraFolders(this._deps.settings, this.id)]) {
            const scope = `codex ${displayPath(home, env)}`;
            findings.push(...await attempt(scope, async () => {
                const found = await readCodexCredentials(home, null);
                const log = await newestRollout(home, null);
                const as = [found.email ? format(_('as %s'), found.email) : '', found.plan ? `(${found.plan})` : '']
                    .filter(Boolean).join(' ');
                return [ok(scope, as ? `${_('signed in')} ${as}` : _('signed in')),
                    ...expiry(scope, found.expiresAt, env.now(), _('Run `codex` once so that it refreshes its sign-in.')),
                    log ? ok(scope, format(_('session log fallback: %s'), displayPath(log, env)))
                        : warn(scope, _('no session log to fall back on'), null)];
            }));
        }
        findings.push(...await ownSignInFindings(this._deps.ownTokens, this.id, ownSignIns(this._deps.settings, this.id), 'codex'));
        return findings;
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const sources: AccountSource<CodexCredentials>[] = [
            {id: 'default', label: this.name, read: () => readDefaultCodexCredentials(ctx.env, ctx.cancellable)},
            ...folderSources(this.name, extraFolders(this._deps.settings, this.id), ctx.env,
                home => readCodexCredentials(home, ctx.cancellable)),
            // Shaped like auth.json, so that account id, e-mail and plan come from the same claims.
            ...ownSignInSources(this.id, this.name, ownSignIns(this._deps.settings, this.id), this._deps.ownTokens, CODEX_OAUTH, ctx,
                (tokens, source) => parseCodexCredentials(
                    {tokens: {access_token: tokens.accessToken, id_token: tokens.idToken}}, source, null)),
        ];
        return fetchAccounts(this.id, sources, {
            identity: credentials => tokenFingerprint(credentials.accessToken),
            accountId: credentials => credentials.source,
            label: (credentials, source) => credentials.email ?? source.label,
            fetch: async (credentials, label) => {
                try {
                    return await this._fetchAccount(ctx, credentials, label);
                } catch (error) {
                    if (!(error instanceof ProviderError))
                        throw error;
                    return await this._fromSessionLog(ctx, credentials, label, error);
                }
            },
        });
    }

    private async _fetchAccount(ctx: FetchContext, credentials: CodexCredentials, label: string): Promise<UsageSnapshot> {
        if (credentials.expiresAt !== null && credentials.expiresAt <= ctx.env.now()) {
            throw new ProviderError('expired', _('The Codex sign-in has expired.'),
                _('Run `codex` once so that it refreshes its sign-in; the meter picks it up at once.'));
        }
        const headers: Record<string, string> = {Authorization: `Bearer ${credentials.accessToken}`};
        if (credentials.accountId !== null)
            headers['ChatGPT-Account-Id'] = credentials.accountId;
        const response = await gatedRequest(ctx, tokenFingerprint(credentials.accessToken),
            {url: CODEX_USAGE_URL, headers},
            {
                unauthorized: loginHint(),
                forbidden: () => new ProviderError('auth', _('ChatGPT refused access to usage data (403).'), loginHint()),
            });
        const usage = parseCodexUsage(response.body);
        const workspace = monthlyLimitAccount(response.body, credentials.accountId);
        const monthly = workspace === null ? null : await this._monthlyLimit(ctx, credentials, workspace, headers);
        return {
            ...quotaSnapshot(this.id, credentials.source, label, monthly === null ? usage.windows : [...usage.windows, monthly]),
            plan: planLabel(usage.plan ?? credentials.plan),
            balances: usage.balances,
            updatedAt: ctx.env.now(),
            raw: redactJson(response.body),
        };
    }

    /**
     * A workspace member's monthly credit limit, asked only when the usage answer says there are
     * spend controls without giving the cap. It adds to the card: when it fails, the card is shown
     * without it and the endpoint rests for a while, rather than being asked on every refresh.
     */
    private async _monthlyLimit(ctx: FetchContext, credentials: CodexCredentials, accountId: string,
        headers: Record<string, string>): Promise<QuotaWindow | null> {
        const key = `${tokenFingerprint(credentials.accessToken)}:spend-controls`;
        const now = ctx.env.now();
        if ((this._monthlyFailedAt.get(key) ?? -Infinity) + MONTHLY_RETRY_MS > now && !ctx.manual)
            return null;
        try {
            const response = await gatedRequest(ctx, key, {url: codexMonthlyUsageUrl(accountId),
                headers: {...headers, 'ChatGPT-Account-Id': accountId}}, {unauthorized: loginHint()});
            this._monthlyFailedAt.delete(key);
            return parseCodexMonthlyUsage(response.body);
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
            this._monthlyFailedAt.set(key, now);
            return null;
        }
    }

    /** The API failed: show the newest session log's snapshot (no request), with the reason. */
    private async _fromSessionLog(ctx: FetchContext, credentials: CodexCredentials, label: string,
        apiError: ProviderError): Promise<UsageSnapshot> {
        let rollout: RolloutSnapshot | null = null;
        if (credentials.home === null)
            throw apiError;
        try {
            rollout = await readRolloutSnapshot(credentials.home, ctx.cancellable);
        } catch (error) {
            if (isCancelled(error))
                throw error;
        }
        if (rollout === null)
            throw apiError;
        return {
            ...quotaSnapshot(this.id, credentials.source, label, rollout.windows),
            plan: planLabel(credentials.plan),
            source: _('Codex session log'),
            updatedAt: rollout.at,
            stale: true,
            error: {kind: apiError.kind, message: apiError.message, hint: apiError.hint, retryAt: apiError.retryAt},
        };
    }
}
