// GitHub Copilot (personal) quota: our own GitHub sign-in (device flow, token in the keyring),
// then GitHub's Copilot user endpoint. GitHub OAuth tokens do not expire and are never refreshed.

import type Gio from 'gi://Gio';

import {creditsWindow, quotaSnapshot} from '../contract.js';
import type {Balance, QuotaWindow, UsageSnapshot} from '../contract.js';
import type {DeviceFlowEndpoints} from '../deviceFlow.js';
import {fail, ok, warn, type Finding} from '../diagnosis.js';
import {ProviderError} from '../errors.js';
import type {HttpClient} from '../http.js';
import {capitalize} from '../format.js';
import {_, format, labelFor} from '../i18n.js';
import {isObject, optionalBoolean, optionalNumeric, optionalObject, optionalString, parseIsoTime, sanePercent} from '../json.js';
import type {JsonObject} from '../json.js';
import type {DeviceSection} from '../prefsSection.js';
import {errorSnapshot, fetchAccounts, gatedRequest, tokenFingerprint, unexpectedResponse} from '../provider.js';
import type {FetchContext, Provider, ProviderDeps} from '../provider.js';
import {redactJson} from '../redact.js';
import {isRepresentable} from '../time.js';
import type {SecretStore} from '../secrets.js';
import {stringListKey, type Settings} from '../settings.js';

/** The GitHub logins signed in for Copilot; their tokens are in the keyring under the login. */
export const COPILOT_ACCOUNTS = stringListKey('copilot-accounts');

/** A GitHub login's account id (and the key of its name in `account-names`). */
export const copilotAccountId = (login: string): string => `github:${login}`;

export const COPILOT_USER_URL = 'https://api.github.com/copilot_internal/user';
export const GITHUB_USER_URL = 'https://api.github.com/user';
/** The Copilot editor client's public OAuth app; read:user is all the endpoint needs. */
export const GITHUB_DEVICE_FLOW: DeviceFlowEndpoints = {
    codeUrl: 'https://github.com/login/device/code',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    clientId: 'Iv1.b507a08c87ecfe98',
    scope: 'read:user',
};
/** The endpoint answers editor clients; these are the headers Copilot Chat sends. */
const EDITOR_HEADERS = {
    'Editor-Version': 'vscode/1.96.2',
    'Editor-Plugin-Version': 'copilot-chat/0.26.7',
    'X-Github-Api-Version': '2025-04-01',
};

const signInHint = (): string => _('Sign in to GitHub again from the preferences (Providers → Copilot).');

const QUOTA_LABELS: Record<string, () => string> = {
    // Still called premium_interactions, counted in AI credits since 2026-06-01.
    premium_interactions: () => _('AI credits'),
    chat: () => _('Chat'),
    completions: () => _('Completions'),
};
const quotaLabel = (key: string): string => labelFor(QUOTA_LABELS, key) ?? capitalize(key.replace(/_/g, ' '));

/** `2026-10-01` (a UTC date), an ISO timestamp, or epoch seconds. */
function parseResetDate(value: unknown): number | null {
    if (typeof value === 'number' && Number.isFinite(value))
        return isRepresentable(value * 1000) ? value * 1000 : null;
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
        return Date.parse(`${value}T00:00:00Z`);
    return parseIsoTime(value);
}

/**
 * The plan from GitHub's own fields: the SKU decides, as `copilot_plan` says `individual` for
 * both Free and Pro. An unknown plan is shown as GitHub names it; a bare `individual` not at all.
 */
export function copilotPlan(sku: string | null, plan: string | null): string | null {
    const text = `${sku ?? ''} ${plan ?? ''}`;
    if (sku?.includes('free') === true)
        return _('Free');
    // A seat SKU says what the seat is, even beside another plan word (an enterprise seat with copilot_plan "business").
    if (sku?.includes('enterprise') === true)
        return 'Enterprise';
    if (sku?.includes('business') === true)
        return 'Business';
    if (text.includes('max'))
        return 'Max';
    if (/plus|individual_pro/.test(text))
        return 'Pro+';
    if (text.includes('business'))
        return 'Business';
    if (text.includes('enterprise'))
        return 'Enterprise';
    if (plan === 'individual')
        return sku === null ? null : 'Pro';
    return plan === null ? null : capitalize(plan.replace(/_/g, ' '));
}

/** -1, "-1" and "unlimited" all mean no limit. */
const isUnlimitedValue = (value: unknown): boolean => value === -1 || value === '-1' || value === 'unlimited';

export interface CopilotUsage {
    plan: string | null;
    windows: QuotaWindow[];
    balances: Balance[];
    note: string | null;
}

/**
 * One quota snapshot: a bar when it has an allowance (AI credits in credits), "unlimited", a
 * count of credits used when the seat is billed per use, or nothing for a zero placeholder.
 */
function readSnapshot(key: string, value: JsonObject, resetsAt: number | null, windows: QuotaWindow[], balances: Balance[]): void {
    const entitlement = optionalNumeric(value, 'entitlement');
    const remaining = optionalNumeric(value, 'quota_remaining') ?? optionalNumeric(value, 'remaining');
    const creditsUsed = optionalNumeric(value, 'credits_used');
    const label = quotaLabel(key);
    if (entitlement === null || entitlement <= 0) {
        if (creditsUsed !== null && creditsUsed > 0)
            balances.push({label: _('AI credits used this cycle'), amount: creditsUsed, currency: null, unlimited: false});
        else if (optionalBoolean(value, 'unlimited') === true || isUnlimitedValue(value['entitlement']) || isUnlimitedValue(value['remaining']))
            balances.push({label, amount: 0, currency: null, unlimited: true});
        return;
    }
    const percentRemaining = optionalNumeric(value, 'percent_remaining');
    const used = creditsUsed ?? (remaining !== null ? entitlement - remaining : null);
    if (used === null && percentRemaining === null)
        return;
    // GitHub's percentage wins: it may run past 100 % when overage is allowed.
    const usedPercent = sanePercent(percentRemaining !== null ? 100 - percentRemaining : ((used ?? 0) / entitlement) * 100);
    if (usedPercent === null)
        return;
    windows.push(key === 'premium_interactions'
        ? {...creditsWindow(key, label, used ?? entitlement * usedPercent / 100, entitlement, resetsAt, null), usedPercent}
        : {id: key, label, usedPercent, resetsAt, windowSeconds: null});
    const overage = optionalNumeric(value, 'overage_count');
    if (overage !== null && overage > 0)
        balances.push({label: format(_('%s beyond the allowance'), label), amount: overage, currency: null, unlimited: false});
}

export function parseCopilotUsage(json: unknown): CopilotUsage {
    if (!isObject(json))
        throw unexpectedResponse(_('the Copilot response is not an object'));
    const resetsAt = parseResetDate(json['quota_reset_date_utc'] ?? json['quota_reset_date']);
    const windows: QuotaWindow[] = [];
    const balances: Balance[] = [];
    const snapshots = optionalObject(json, 'quota_snapshots');
    for (const [key, value] of Object.entries(snapshots ?? {})) {
        if (isObject(value))
            readSnapshot(key, value, resetsAt, windows, balances);
    }
    // Free plans from before 2026-06 report allowances and what is left of them; newer answers
    // keep stale copies of these beside quota_snapshots, which then win.
    const monthly = snapshots === null ? optionalObject(json, 'monthly_quotas') : null;
    const left = optionalObject(json, 'limited_user_quotas');
    const limitedResetsAt = parseResetDate(json['limited_user_reset_date']) ?? resetsAt;
    for (const key of Object.keys(monthly ?? {})) {
        const total = monthly ? optionalNumeric(monthly, key) : null;
        const remaining = left ? optionalNumeric(left, key) : null;
        if (total === null || total <= 0 || remaining === null)
            continue;
        const usedPercent = sanePercent((1 - remaining / total) * 100);
        if (usedPercent !== null)
            windows.push({id: key, label: quotaLabel(key), usedPercent, resetsAt: limitedResetsAt, windowSeconds: null});
    }
    const order = (id: string): number => id === 'premium_interactions' ? 0 : id === 'chat' ? 1 : 2;
    windows.sort((a, b) => order(a.id) - order(b.id));
    const sku = optionalString(json, 'access_type_sku');
    const plan = copilotPlan(sku, optionalString(json, 'copilot_plan'));
    // A seat billed per token has no personal allowance: say so instead of empty bars (Free has one).
    const note = optionalBoolean(json, 'token_based_billing') === true && windows.length === 0 && sku?.includes('free') !== true
        ? _('Your organisation is billed per token for this seat, so it has no personal quota.') : null;
    return {plan, windows, balances, note};
}

/** The GitHub login a token belongs to; labels the account and keys its keyring entry. */
export async function githubLogin(http: HttpClient, token: string, cancellable: Gio.Cancellable): Promise<string> {
    const response = await http.request({url: GITHUB_USER_URL, headers: {Authorization: `token ${token}`}}, cancellable);
    const login = isObject(response.body) ? optionalString(response.body, 'login') : null;
    if (response.status !== 200 || login === null)
        throw new ProviderError('auth', format(_('GitHub did not accept the new token (%d).'), response.status), signInHint());
    return login;
}

/** Stores a new GitHub token under its login and lists the login; returns the login. */
export async function addCopilotSignIn(secrets: SecretStore, settings: Settings, http: HttpClient, token: string,
    cancellable: Gio.Cancellable): Promise<string> {
    const login = await githubLogin(http, token, cancellable);
    if (!await secrets.store('copilot', login, format(_('AI Usage Meter: GitHub token for %s'), login), token))
        throw new ProviderError('auth', _('The keyring did not store the token.'), _('Unlock the keyring and sign in again.'));
    settings.set(COPILOT_ACCOUNTS, [...settings.get(COPILOT_ACCOUNTS).filter(l => l !== login), login]);
    return login;
}

/** Forgets a login's token; the login leaves the list even when the keyring fails (which is rethrown). */
export async function removeCopilotSignIn(secrets: SecretStore, settings: Settings, login: string): Promise<void> {
    try {
        await secrets.clear('copilot', login);
    } finally {
        settings.set(COPILOT_ACCOUNTS, settings.get(COPILOT_ACCOUNTS).filter(l => l !== login));
    }
}

interface CopilotAccount {
    login: string;
    token: string;
}

export class CopilotProvider implements Provider {
    readonly id = 'copilot';
    readonly name = 'Copilot';
    readonly links = {usage: 'https://github.com/settings/copilot', status: 'https://www.githubstatus.com'};
    readonly billing = false;
    readonly refetchOn = [COPILOT_ACCOUNTS];
    readonly endpoints = [COPILOT_USER_URL];
    readonly prefs: DeviceSection = {
        kind: 'device',
        page: 'providers',
        title: _('Copilot'),
        description: _('AI credits, chat and completions of GitHub accounts you sign in here. ' +
            'The token goes to your keyring; only the login is kept in the settings.'),
        switchTitle: _('Show Copilot'),
        switchSubtitle: _('Monthly AI credits with the reset date'),
        signIn: {
            flow: GITHUB_DEVICE_FLOW,
            startTitle: _('Sign in with GitHub…'),
            startSubtitle: _('Opens github.com to approve the meter with a one-time code'),
            accountsKey: COPILOT_ACCOUNTS,
            accountId: copilotAccountId,
            hasToken: async login => await this._deps.secrets.lookup(this.id, login) !== null,
            add: (http, token, cancellable) => addCopilotSignIn(this._deps.secrets, this._deps.settings, http, token, cancellable),
            remove: login => removeCopilotSignIn(this._deps.secrets, this._deps.settings, login),
        },
    };

    constructor(private readonly _deps: ProviderDeps) {}

    /** Our tokens live in the keyring, not in files. */
    watchedPaths(): string[] {
        return [];
    }

    async diagnose(): Promise<Finding[]> {
        const logins = this._deps.settings.get(COPILOT_ACCOUNTS);
        if (logins.length === 0)
            return [warn('copilot', _('not signed in'), _('Sign in with GitHub: `ai-usage-meter login copilot` or the preferences.'))];
        return Promise.all(logins.map(async login => await this._deps.secrets.lookup(this.id, login) !== null
            ? ok(`copilot ${login}`, _('token in the keyring (own sign-in)'))
            : fail(`copilot ${login}`, _('no token in the keyring (own sign-in)'),
                _('Sign in with GitHub again: `ai-usage-meter login copilot` or the preferences.'))));
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const logins = this._deps.settings.get(COPILOT_ACCOUNTS);
        if (logins.length === 0) {
            return Promise.resolve([errorSnapshot(this.id, 'default', this.name, new ProviderError('not-configured',
                _('Not signed in to GitHub.'), _('Sign in from the preferences (Providers → Copilot).')))]);
        }
        return fetchAccounts(this.id, logins.map(login => ({
            id: copilotAccountId(login),
            label: login,
            read: async (): Promise<CopilotAccount> => {
                // Not cancellable (see SecretStore); a cancelled refresh stops at its HTTP request.
                const token = await this._deps.secrets.lookup(this.id, login);
                if (token === null) {
                    throw new ProviderError('auth', format(_('The keyring holds no GitHub token for %s.'), login),
                        signInHint());
                }
                return {login, token};
            },
        })), {
            identity: account => tokenFingerprint(account.token),
            accountId: account => copilotAccountId(account.login),
            label: account => account.login,
            fetch: (account, label) => this._fetchAccount(ctx, account, label),
        });
    }

    private async _fetchAccount(ctx: FetchContext, account: CopilotAccount, label: string): Promise<UsageSnapshot> {
        const response = await gatedRequest(ctx, tokenFingerprint(account.token), {url: COPILOT_USER_URL,
            headers: {Authorization: `token ${account.token}`, ...EDITOR_HEADERS}}, {
            unauthorized: signInHint(),
            forbidden: () => new ProviderError('auth', format(_('GitHub refused Copilot data for %s (403).'), account.login),
                _('Check that this account has a Copilot subscription, or sign in again.')),
            notFound: () => new ProviderError('not-configured', _('This GitHub account has no Copilot subscription.'),
                _('Copilot Free is enough: turn it on at github.com/settings/copilot, or sign in with another account.')),
        });
        const usage = parseCopilotUsage(response.body);
        return {
            ...quotaSnapshot(this.id, copilotAccountId(account.login), label, usage.windows),
            plan: usage.plan,
            balances: usage.balances,
            note: usage.note,
            updatedAt: ctx.env.now(),
            raw: redactJson(response.body),
        };
    }
}
