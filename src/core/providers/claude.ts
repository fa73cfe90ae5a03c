// Claude subscription quota: the OAuth usage endpoint with Claude Code's own credentials.
// Claude Code owns those credentials: we only ever read them. Refresh tokens are single-use,
// so refreshing one here would log the user out of their CLI.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {claudeFolders} from '../cliFolders.js';
import {moneyWindow, quotaSnapshot} from '../contract.js';
import type {QuotaWindow, UsageSnapshot} from '../contract.js';
import {attempt, expiry, fail, ok, ownSignInFindings, warn, type Finding} from '../diagnosis.js';
import type {Environment} from '../environment.js';
import {ProviderError} from '../errors.js';
import {readTextFile} from '../files.js';
import {capitalize, formatClock} from '../format.js';
import {_, format} from '../i18n.js';
import {
    isObject, optionalBoolean, optionalNumber, optionalObject, optionalPercent, optionalString, optionalStringArray,
    parseIsoTime, parseJson,
} from '../json.js';
import type {JsonObject} from '../json.js';
import {redactJson} from '../redact.js';
import type {OAuthClient} from '../ownSignIn.js';
import type {AccountsSection, InstallState, SignIn} from '../prefsSection.js';
import {
    displayPath, extraFolders, fetchAccounts, folderSources, gatedRequest, ownSignIns, ownSignInSources,
    tokenFingerprint, unexpectedResponse,
} from '../provider.js';
import type {AccountSource, FetchContext, Provider, ProviderDeps} from '../provider.js';
import {Keys} from '../settings.js';
import {
    SettingsFileError, describeStatuslineState, freshWindows, installStatusline, meterStatuslineCommand, readStatuslineRecord, readStatuslineState,
    statuslineConfigDir, statuslineRecordPath, statuslineWindow, uninstallStatusline, type RecordedWindow,
} from './claudeStatusline.js';

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
/** While the statusline reports both windows, the usage endpoint is asked this rarely, for the rest. */
const FILL_IN_MS = 30 * 60_000;
/** How many windows the statusline can report (5 h and 7 d). */
const STATUSLINE_WINDOWS = 2;
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

/** Credential files in the order Claude Code uses them; ~/.claude last, where it keeps them by default. */
export function claudeCredentialPaths(env: Environment): string[] {
    const home = GLib.build_filenamev([env.homeDir, '.claude']);
    return [...new Set([...claudeFolders(env), home])].map(dir => GLib.build_filenamev([dir, '.credentials.json']));
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

/** The plans a rate-limit tier can name; `default_claude_ai` is the tier of several plans and names none. */
const TIER_PLANS = new Set(['pro', 'max', 'team', 'enterprise']);

/**
 * "max" + "default_claude_max_20x" → "Max 20x". Without a subscription type the tier names the
 * plan only when it holds a plan's name: "default_claude_ai" (Pro, and some Max accounts) says nothing.
 */
export function claudePlanLabel(subscriptionType: string | null, rateLimitTier: string | null): string | null {
    const tierMultiplier = rateLimitTier ? /_(\d+x)$/.exec(rateLimitTier)?.[1] ?? null : null;
    const tierPlan = rateLimitTier ? /claude_([a-z]+)/.exec(rateLimitTier)?.[1] ?? null : null;
    const base = subscriptionType ?? (tierPlan !== null && TIER_PLANS.has(tierPlan) ? tierPlan : null);
    if (base === null)
        return null;
    const name = capitalize(base);
    return tierMultiplier ? `${name} ${tierMultiplier}` : name;
}

/**
 * The account's e-mail and plan from the OAuth profile, for sign-ins whose credentials do not say
 * the plan (our own sign-in, CLAUDE_CODE_OAUTH_TOKEN): `organization.organization_type`
 * ("claude_max") and its `rate_limit_tier` ("default_claude_max_5x") → "Max 5x".
 */
export function parseClaudeProfile(json: unknown): {email: string | null; plan: string | null} {
    const account = isObject(json) ? optionalObject(json, 'account') : null;
    const organization = isObject(json) ? optionalObject(json, 'organization') : null;
    const type = organization ? optionalString(organization, 'organization_type') : null;
    const plan = type?.startsWith('claude_') === true ? type.slice('claude_'.length) : null;
    return {
        email: account ? optionalString(account, 'email_address') ?? optionalString(account, 'email') : null,
        plan: claudePlanLabel(plan, organization ? optionalString(organization, 'rate_limit_tier') : null),
    };
}

const NUMBER_WORDS: Record<string, number> = {
    one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, ten: 10, fourteen: 14, thirty: 30,
};
const UNIT_SECONDS: Record<string, [string, number]> = {
    hour: ['h', 3600], day: ['d', 86400], week: ['w', 604800], month: ['mo', 2592000],
};
const KEYS_THAT_ARE_NOT_WINDOWS = new Set(['extra_usage', 'limits', 'spend', 'seven_day_breakdown',
    // Shares the main weekly limit (CodexBar ignores it too); a row of its own would count it twice.
    'seven_day_omelette']);
/** Aliases of one limit, in order of preference: the first that has a value is shown, once, under `label`. */
const ALIASES: readonly {keys: readonly string[]; label: () => string}[] = [
    {keys: ['seven_day_routines', 'seven_day_cowork'], label: () => `7d ${_('Daily Routines')}`},
];
/** A codename key known to hold a model-scoped weekly limit. */
const SCOPED_WEEKLY_CODENAME = 'iguana_necktie';
const WEEK_SECONDS = 7 * 86400;

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

/** Known windows first (session, week, the rest), then the money cap, codenames last: never the headline. */
function bucketOrder(window: QuotaWindow): number {
    if (window.money !== undefined)
        return 3;
    if (window.id.startsWith('other:'))
        return 4;
    return window.id === 'five_hour' ? 0 : window.id === 'seven_day' ? 1 : 2;
}

/**
 * One legacy bucket as a window. A key that does not read as a window length is a codename:
 * Anthropic keeps such keys at 0 for features not in use, so a zero one is hidden and a used
 * one is shown generically, under its own name.
 */
function legacyWindow(key: string, bucket: JsonObject): QuotaWindow | null {
    const used = optionalPercent(bucket, 'utilization');
    if (used === null)
        return null;
    const resetsAt = parseIsoTime(bucket['resets_at']);
    if (key === SCOPED_WEEKLY_CODENAME)
        return {id: key, label: _('7d scoped'), usedPercent: used, resetsAt, windowSeconds: WEEK_SECONDS};
    const {label, windowSeconds} = describeBucket(key);
    if (windowSeconds !== null)
        return {id: key, label, usedPercent: used, resetsAt, windowSeconds};
    if (used === 0)
        return null;
    return {id: `other:${key}`, label: format(_('Other limit (%s)'), key), usedPercent: used, resetsAt, windowSeconds: null};
}

/**
 * Reads every limit the endpoint returns, including ones we have never seen, and the extra-usage
 * cap. An answer with no limit at all (every bucket null) is a success with no windows.
 */
export function parseClaudeUsage(json: unknown): QuotaWindow[] {
    if (!isObject(json))
        throw unexpectedResponse(_('the usage response is not an object'));

    // The 2026 `limits[]` describes the same limits as the legacy keys: it wins, each shows once.
    const windows = limitsArray(json);
    const seen = new Set(windows.flatMap(w => [w.id, w.label]));
    const aliased = new Set(ALIASES.flatMap(a => a.keys));
    const add = (key: string, label?: string): void => {
        const bucket = optionalObject(json, key);
        const window = bucket === null || KEYS_THAT_ARE_NOT_WINDOWS.has(key) ? null : legacyWindow(key, bucket);
        const shown = window === null || label === undefined ? window : {...window, label};
        if (shown === null || seen.has(shown.id) || seen.has(shown.label))
            return;
        seen.add(shown.id).add(shown.label);
        windows.push(shown);
    };
    for (const key of Object.keys(json).filter(k => !aliased.has(k)))
        add(key);
    for (const alias of ALIASES) {
        const key = alias.keys.find(k => optionalPercent(optionalObject(json, k) ?? {}, 'utilization') !== null);
        if (key !== undefined)
            add(key, alias.label());
    }

    const extra = optionalObject(json, 'extra_usage');
    if (extra && optionalBoolean(extra, 'is_enabled') === true) {
        const used = optionalNumber(extra, 'used_credits');
        const limit = optionalNumber(extra, 'monthly_limit');
        if (used !== null && limit !== null) {
            // The endpoint reports minor units (cents); the cap resets with the month.
            const scale = 10 ** (optionalNumber(extra, 'decimal_places') ?? 2);
            windows.push(moneyWindow('extra_usage', _('Extra usage'), used / scale, limit / scale,
                optionalString(extra, 'currency') ?? 'USD', null, null));
        }
    }
    return windows.sort((a, b) => bucketOrder(a) - bucketOrder(b) || a.label.localeCompare(b.label));
}

/**
 * The `limits[]` entries: the session, the week, model-scoped weeks (a scoped entry without a
 * model name is not given one: it is skipped) and kinds we have never seen, shown under their
 * own name. `is_active` is false on limits that are enforced, so it hides nothing.
 */
function limitsArray(json: JsonObject): QuotaWindow[] {
    const limits = json['limits'];
    if (!Array.isArray(limits))
        return [];
    const windows: QuotaWindow[] = [];
    for (const entry of limits) {
        const kind = isObject(entry) ? optionalString(entry, 'kind') : null;
        const percent = isObject(entry) ? optionalPercent(entry, 'percent') : null;
        if (!isObject(entry) || kind === null || percent === null)
            continue;
        const resetsAt = parseIsoTime(entry['resets_at']);
        const model = optionalObject(optionalObject(entry, 'scope') ?? {}, 'model');
        const name = model ? optionalString(model, 'display_name') : null;
        let window: QuotaWindow | null;
        if (kind === 'session')
            window = {id: 'five_hour', label: '5h', usedPercent: percent, resetsAt, windowSeconds: 5 * 3600};
        else if (kind === 'weekly_all')
            window = {id: 'seven_day', label: '7d', usedPercent: percent, resetsAt, windowSeconds: WEEK_SECONDS};
        else if (kind === 'weekly_scoped')
            window = name === null ? null : {id: `limits:${name}`, label: `7d ${name}`, usedPercent: percent, resetsAt, windowSeconds: WEEK_SECONDS};
        else
            window = {id: `other:${kind}`, label: format(_('Other limit (%s)'), kind), usedPercent: percent, resetsAt, windowSeconds: null};
        if (window !== null && !windows.some(w => w.id === window.id))
            windows.push(window);
    }
    return windows;
}

const reloginHint = (): string =>
    _('Run `claude` once so that it refreshes its sign-in, or `claude login` to sign in again.');
const missingScopeError = (): ProviderError => new ProviderError('scope',
    _('The Claude token lacks the “user:profile” scope.'),
    _('Sign in with `claude login` (tokens from `claude setup-token` cannot read usage).'));

/** An account's credentials and where its statusline is recorded (null: own sign-ins have none). */
type ClaudeAccount = ClaudeCredentials & {statuslineRecord: string | null};

/** The last answer of the usage endpoint for an account. */
interface UsageAnswer {
    windows: QuotaWindow[];
    at: number;
    raw: unknown;
}

/** Errors that say nothing about the numbers: a later fill-in will try again. */
const TRANSIENT = new Set(['rate-limited', 'server', 'network']);

/**
 * The statusline's windows and the usage endpoint's, each marked with its source and time: of
 * the 5 h and 7 d windows the newer reading wins; the endpoint adds the others.
 */
function mergeSources(recorded: readonly RecordedWindow[], answer: UsageAnswer | undefined, now: number): QuotaWindow[] {
    const api = answer?.windows ?? [];
    const fromApi = (window: QuotaWindow, at: number): QuotaWindow =>
        ({...window, source: format(_('from the usage API, %s'), formatClock(at, now))});
    const merged = api.map(window => {
        const reading = recorded.find(r => r.id === window.id);
        return reading !== undefined && (answer === undefined || reading.recordedAt > answer.at)
            ? statuslineWindow(reading, now) : fromApi(window, answer?.at ?? now);
    });
    const missing = recorded.filter(r => !api.some(w => w.id === r.id)).map(r => statuslineWindow(r, now));
    return [...missing, ...merged];
}

/** Claude Code's environment when it runs with one of its folders (null: as it is). */
function inFolder(env: Environment, folder: string | null): Environment {
    return folder === null ? env : {...env, getenv: name => name === 'CLAUDE_CONFIG_DIR' ? folder : env.getenv(name)};
}

/** The statusline of a Claude Code folder, as the preferences show it. */
async function statuslineInstallState(env: Environment, cancellable: Gio.Cancellable): Promise<InstallState> {
    const state = await readStatuslineState(env, await meterStatuslineCommand(env, cancellable), cancellable);
    return {installed: state.kind === 'installed', text: describeStatuslineState(state)};
}

/** What `doctor` says of the statusline: installed (and what it chains) or not, or why settings.json cannot be read. */
async function statuslineFinding(env: Environment): Promise<Finding> {
    const scope = 'claude statusline';
    try {
        const state = await readStatuslineState(env, await meterStatuslineCommand(env, null), null);
        return state.kind === 'installed' ? ok(scope, describeStatuslineState(state))
            : ok(scope, `${describeStatuslineState(state)} ${_('Optional: `ai-usage-meter statusline --install` saves requests.')}`);
    } catch (error) {
        if (!(error instanceof SettingsFileError) && !(error instanceof GLib.Error))
            throw error;
        return warn(scope, error.message, _('Correct Claude Code’s settings.json; the meter leaves it as it is until then.'));
    }
}

const claudeSignIn = (found: ClaudeCredentials): SignIn => ({source: found.source,
    identity: tokenFingerprint(found.accessToken), email: null, expiresAt: found.expiresAt,
    plan: claudePlanLabel(found.subscriptionType, found.rateLimitTier)});

export class ClaudeProvider implements Provider {
    readonly id = 'claude';
    readonly name = 'Claude';
    readonly links = {usage: 'https://claude.ai/settings/usage', status: 'https://status.anthropic.com'};
    readonly billing = false;
    readonly refetchOn = [Keys.accountDirs, Keys.ownSignIns];
    readonly endpoints = [CLAUDE_USAGE_URL];
    readonly prefs: AccountsSection;
    /** Account e-mail and plan per token fingerprint, looked up once per token. */
    private readonly _profiles = new Map<string, {email: string | null; plan: string | null}>();
    /** The usage endpoint's last answer per account, and since when its statusline is current. */
    private readonly _answers = new Map<string, UsageAnswer>();
    private readonly _statuslineSince = new Map<string, number>();

    constructor(private readonly _deps: ProviderDeps) {
        this.prefs = {
            kind: 'accounts',
            page: 'providers',
            title: _('Claude'),
            description: _('Subscription quota (Pro, Max, Team) read from Claude Code’s sign-in. ' +
                'The meter only reads that sign-in and never refreshes it.'),
            switchTitle: _('Show Claude'),
            switchSubtitle: _('Session, weekly and per-model limits'),
            readDefault: async (env, cancellable) => claudeSignIn(await readClaudeCredentials(env, {cancellable})),
            folder: {title: _('Add a Claude Code folder (CLAUDE_CONFIG_DIR)…'),
                read: async (dir, cancellable) => claudeSignIn(await readClaudeFolder(dir, cancellable))},
            ownSignIn: {client: CLAUDE_OAUTH, title: _('Sign in with a Claude account…')},
            install: {
                title: _('Claude Code statusline'),
                failed: _('Claude Code’s settings were left as they are: %s'),
                read: async (env, folder, cancellable) => statuslineInstallState(inFolder(env, folder), cancellable),
                install: async (env, folder, cancellable) => {
                    const claudeEnv = inFolder(env, folder);
                    await installStatusline(claudeEnv, await meterStatuslineCommand(claudeEnv, cancellable), cancellable);
                    return statuslineInstallState(claudeEnv, cancellable);
                },
                remove: async (env, folder, cancellable) => {
                    await uninstallStatusline(inFolder(env, folder), cancellable);
                    return statuslineInstallState(inFolder(env, folder), cancellable);
                },
            },
            expiredHint: _('token expired: run `claude` once to refresh it'),
        };
    }

    watchedPaths(env: Environment): string[] {
        const folders = extraFolders(this._deps.settings, this.id);
        return [...claudeCredentialPaths(env), ...folders.map(dir => GLib.build_filenamev([dir, '.credentials.json'])),
            statuslineRecordPath(env, statuslineConfigDir(env)), ...folders.map(dir => statuslineRecordPath(env, dir))];
    }

    async diagnose(env: Environment): Promise<Finding[]> {
        const now = env.now();
        const findings = await attempt('claude', async () => {
            const found = await readClaudeCredentials(env, {cancellable: null});
            const plan = claudePlanLabel(found.subscriptionType, found.rateLimitTier);
            return [ok('claude', format(_('signed in (%s)'), [displayPath(found.source, env), plan].filter(Boolean).join(', '))),
                ...found.scopes !== null && !found.scopes.includes(REQUIRED_SCOPE)
                    ? [fail('claude', format(_('the token lacks the %s scope'), REQUIRED_SCOPE), _('Run `claude login`.'))] : [],
                ...expiry('claude', found.expiresAt, now, _('Run `claude` once so that it refreshes its sign-in.'))];
        });
        for (const dir of extraFolders(this._deps.settings, this.id)) {
            const scope = `claude ${displayPath(dir, env)}`;
            findings.push(...await attempt(scope, async () => {
                const found = await readClaudeFolder(dir, null);
                return [ok(scope, _('signed in')), ...expiry(scope, found.expiresAt, now,
                    format(_('Run `CLAUDE_CONFIG_DIR=%s claude` once.'), dir))];
            }));
        }
        findings.push(await statuslineFinding(env));
        findings.push(...await ownSignInFindings(this._deps.ownTokens, this.id, ownSignIns(this._deps.settings, this.id), 'claude'));
        return findings;
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const withRecord = (credentials: ClaudeCredentials, dir: string | null): ClaudeAccount =>
            ({...credentials, statuslineRecord: statuslineRecordPath(ctx.env, dir)});
        const sources: AccountSource<ClaudeAccount>[] = [
            {id: 'default', label: this.name,
                read: async () => withRecord(await readClaudeCredentials(ctx.env, ctx), statuslineConfigDir(ctx.env))},
            ...folderSources(this.name, extraFolders(this._deps.settings, this.id), ctx.env,
                async dir => withRecord(await readClaudeFolder(dir, ctx.cancellable), dir)),
            ...ownSignInSources(this.id, this.name, ownSignIns(this._deps.settings, this.id), this._deps.ownTokens, CLAUDE_OAUTH, ctx,
                (tokens, source): ClaudeAccount => ({source, accessToken: tokens.accessToken,
                    expiresAt: tokens.expiresAt, scopes: null, subscriptionType: null, rateLimitTier: null, statuslineRecord: null})),
        ];
        return fetchAccounts(this.id, sources, {
            identity: credentials => tokenFingerprint(credentials.accessToken),
            accountId: credentials => credentials.source,
            label: (_credentials, source) => source.label,
            fetch: (credentials, label) => this._fetchAccount(ctx, credentials, label),
        });
    }

    /**
     * With a current statusline recording, the 5 h and 7 d windows come from it and the usage
     * endpoint is asked only every FILL_IN_MS, for the other limits; without one, on every refresh.
     */
    private async _fetchAccount(ctx: FetchContext, account: ClaudeAccount, label: string): Promise<UsageSnapshot> {
        const now = ctx.env.now();
        const recorded = account.statuslineRecord === null ? []
            : freshWindows(await readStatuslineRecord(account.statuslineRecord, ctx.cancellable), now);
        if (recorded.length === 0) {
            this._statuslineSince.delete(account.source);
            return this._fetchUsage(ctx, account, label);
        }
        const since = this._statuslineSince.get(account.source) ?? now;
        this._statuslineSince.set(account.source, since);
        const last = this._answers.get(account.source);
        const key = tokenFingerprint(account.accessToken);
        const snapshot = (error: ProviderError | null): UsageSnapshot => {
            const answer = this._answers.get(account.source);
            const profile = this._profiles.get(key);
            return {
                ...quotaSnapshot(this.id, account.source, profile?.email ?? label, mergeSources(recorded, answer, now)),
                plan: claudePlanLabel(account.subscriptionType, account.rateLimitTier) ?? profile?.plan ?? null,
                updatedAt: Math.max(answer?.at ?? -Infinity, ...recorded.map(r => r.recordedAt)),
                error: error === null ? null : {kind: error.kind, message: error.message, hint: error.hint, retryAt: error.retryAt},
                raw: {statusline: recorded, usage: answer?.raw ?? null},
            };
        };
        const covered = recorded.length === STATUSLINE_WINDOWS;
        if (covered && now - Math.max(last?.at ?? -Infinity, since) < FILL_IN_MS)
            return snapshot(null);
        try {
            await this._fetchUsage(ctx, account, label);
            return snapshot(null);
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
            return snapshot(covered && TRANSIENT.has(error.kind) ? null : error);
        }
    }

    private async _fetchUsage(ctx: FetchContext, credentials: ClaudeCredentials, label: string): Promise<UsageSnapshot> {
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
        const windows = parseClaudeUsage(response.body);
        const profile = await this._profile(ctx, key, headers);
        const raw = redactJson(response.body);
        this._answers.set(credentials.source, {windows, at: ctx.env.now(), raw});
        return {
            ...quotaSnapshot(this.id, credentials.source, profile.email ?? label, windows),
            plan: claudePlanLabel(credentials.subscriptionType, credentials.rateLimitTier) ?? profile.plan,
            updatedAt: ctx.env.now(),
            raw,
        };
    }

    /** The account e-mail labels the card, the plan fills in; a failed lookup is not an error worth showing. */
    private async _profile(ctx: FetchContext, key: string, headers: Record<string, string>):
        Promise<{email: string | null; plan: string | null}> {
        const known = this._profiles.get(key);
        if (known !== undefined)
            return known;
        let profile = {email: null as string | null, plan: null as string | null};
        try {
            const response = await gatedRequest(ctx, `${key}:profile`,
                {url: CLAUDE_PROFILE_URL, headers: {Authorization: headers['Authorization'] ?? ''}},
                {unauthorized: ''});
            profile = parseClaudeProfile(response.body);
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
        }
        this._profiles.set(key, profile);
        return profile;
    }
}
