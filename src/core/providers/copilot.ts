// GitHub Copilot (personal) quota: our own GitHub sign-in (device flow, token in the keyring),
// then GitHub's Copilot user endpoint. GitHub OAuth tokens do not expire and are never refreshed.

import type Gio from 'gi://Gio';

import {emptySnapshot, quotaSnapshot} from '../contract.js';
import type {QuotaWindow, UsageSnapshot} from '../contract.js';
import type {DeviceFlowEndpoints} from '../deviceFlow.js';
import {ProviderError} from '../errors.js';
import type {HttpClient} from '../http.js';
import {capitalize} from '../format.js';
import {_, format} from '../i18n.js';
import {
    isObject, optionalBoolean, optionalNumeric, optionalObject, optionalString, parseIsoTime, sanePercent,
} from '../json.js';
import {fetchAccounts, gatedRequest, tokenFingerprint, unexpectedResponse} from '../provider.js';
import type {FetchContext, Provider} from '../provider.js';
import {redactJson} from '../redact.js';
import type {SecretStore} from '../secrets.js';

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
    premium_interactions: () => _('Premium requests'),
    chat: () => _('Chat'),
    completions: () => _('Completions'),
};

/** `2026-10-01` (a UTC date) or an ISO timestamp. */
function parseResetDate(value: unknown): number | null {
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
        return Date.parse(`${value}T00:00:00Z`);
    return parseIsoTime(value);
}

export interface CopilotUsage {
    plan: string | null;
    windows: QuotaWindow[];
}

export function parseCopilotUsage(json: unknown): CopilotUsage {
    if (!isObject(json))
        throw unexpectedResponse(_('the Copilot response is not an object'));
    const resetsAt = parseResetDate(json['quota_reset_date']);
    const windows: QuotaWindow[] = [];
    let unlimited = false;
    const snapshots = optionalObject(json, 'quota_snapshots');
    for (const [key, value] of Object.entries(snapshots ?? {})) {
        if (!isObject(value))
            continue;
        if (optionalBoolean(value, 'unlimited') === true) {
            unlimited = true;
            continue;
        }
        const entitlement = optionalNumeric(value, 'entitlement');
        const remaining = optionalNumeric(value, 'remaining');
        let percentRemaining = optionalNumeric(value, 'percent_remaining');
        if (percentRemaining === null && entitlement !== null && entitlement > 0 && remaining !== null)
            percentRemaining = (remaining / entitlement) * 100;
        const usedPercent = percentRemaining === null ? null : sanePercent(100 - percentRemaining);
        // A zero entitlement with nothing left is a placeholder (token-billed plans), not a limit.
        if (usedPercent === null || (entitlement === 0 && (remaining ?? 0) === 0))
            continue;
        windows.push({id: key, label: QUOTA_LABELS[key]?.() ?? key.replace(/_/g, ' '), usedPercent, resetsAt,
            windowSeconds: null});
    }
    // The free plan reports monthly allowances and what is left of them.
    const monthly = optionalObject(json, 'monthly_quotas');
    const left = optionalObject(json, 'limited_user_quotas');
    for (const [key, total] of Object.entries(monthly ?? {})) {
        const remaining = left ? optionalNumeric(left, key) : null;
        const usedPercent = typeof total === 'number' && total > 0 && remaining !== null
            ? sanePercent((1 - remaining / total) * 100) : null;
        if (usedPercent === null || windows.some(w => w.id === key))
            continue;
        windows.push({id: key, label: QUOTA_LABELS[key]?.() ?? key, usedPercent, resetsAt, windowSeconds: null});
    }
    const order = (id: string): number => id === 'premium_interactions' ? 0 : id === 'chat' ? 1 : 2;
    windows.sort((a, b) => order(a.id) - order(b.id));
    if (windows.length === 0 && !unlimited)
        throw unexpectedResponse(_('no Copilot quotas in the response'));
    const plan = optionalString(json, 'copilot_plan');
    return {plan: plan === null ? null : capitalize(plan), windows};
}

/** The GitHub login a token belongs to; labels the account and keys its keyring entry. */
export async function githubLogin(http: HttpClient, token: string, cancellable: Gio.Cancellable): Promise<string> {
    const response = await http.request({url: GITHUB_USER_URL, headers: {Authorization: `token ${token}`}}, cancellable);
    const login = isObject(response.body) ? optionalString(response.body, 'login') : null;
    if (response.status !== 200 || login === null)
        throw new ProviderError('auth', format(_('GitHub did not accept the new token (%d).'), response.status), signInHint());
    return login;
}

interface CopilotAccount {
    login: string;
    token: string;
}

export class CopilotProvider implements Provider {
    readonly id = 'copilot' as const;
    readonly name = 'Copilot';
    readonly usagePageUrl = 'https://github.com/settings/copilot';

    /** `logins()` lists the GitHub accounts signed in from the preferences. */
    constructor(private readonly _secrets: SecretStore, private readonly _logins: () => readonly string[]) {}

    /** Our tokens live in the keyring, not in files. */
    watchedPaths(): string[] {
        return [];
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const logins = this._logins();
        if (logins.length === 0) {
            return Promise.resolve([{
                ...emptySnapshot(this.id, 'default', this.name),
                error: {kind: 'not-configured', message: _('Not signed in to GitHub.'),
                    hint: _('Sign in from the preferences (Providers → Copilot).'), retryAt: null},
            }]);
        }
        return fetchAccounts(this.id, logins.map(login => ({
            id: `github:${login}`,
            label: login,
            read: async (): Promise<CopilotAccount> => {
                // Not cancellable (see SecretStore); a cancelled refresh stops at its HTTP request.
                const token = await this._secrets.lookup(this.id, login);
                if (token === null) {
                    throw new ProviderError('auth', format(_('The keyring holds no GitHub token for %s.'), login),
                        signInHint());
                }
                return {login, token};
            },
        })), {
            identity: account => tokenFingerprint(account.token),
            accountId: account => `github:${account.login}`,
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
        });
        const usage = parseCopilotUsage(response.body);
        return {
            ...quotaSnapshot(this.id, `github:${account.login}`, label, usage.windows),
            plan: usage.plan,
            updatedAt: ctx.env.now(),
            raw: redactJson(response.body),
        };
    }
}
