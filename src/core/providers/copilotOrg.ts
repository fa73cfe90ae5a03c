// GitHub Copilot for an organisation or enterprise: the usage-metrics report of the last 28
// days. The API answers with short-lived signed links to NDJSON files, downloaded without the
// token (they authorise themselves) and summed here: active users, interactions, code
// suggestions and acceptances, lines. The report carries no money.

import type {SpendSummary, UsageSnapshot} from '../contract.js';
import {BILLING_KEY_ACCOUNT, BILLING_SETTINGS, fetchBilling, spendSettings, spendSnapshot} from '../billing.js';
import {fail, ok, type Finding} from '../diagnosis.js';
import {ProviderError} from '../errors.js';
import {_, format, labelFor} from '../i18n.js';
import {isObject, optionalNumeric, optionalString, parseJson, type JsonObject} from '../json.js';
import type {KeySection} from '../prefsSection.js';
import {gatedRequest, tokenFingerprint, unexpectedResponse} from '../provider.js';
import type {FetchContext, Provider, ProviderDeps, StatusHints} from '../provider.js';
import {redactJson} from '../redact.js';
import {booleanKey, enabledKey, stringKey} from '../settings.js';

/** The organisation login (or enterprise slug) whose metrics are read. */
export const COPILOT_ORG = stringKey('copilot-org');
/** Whether it is an enterprise. */
export const COPILOT_ORG_ENTERPRISE = booleanKey('copilot-org-enterprise');

export interface CopilotOrgTarget {
    /** Organisation login or enterprise slug; empty when not set. */
    name: string;
    enterprise: boolean;
}

export const copilotReportUrl = (target: CopilotOrgTarget): string => target.enterprise
    ? `https://api.github.com/enterprises/${encodeURIComponent(target.name)}/copilot/metrics/reports/enterprise-28-day/latest`
    : `https://api.github.com/orgs/${encodeURIComponent(target.name)}/copilot/metrics/reports/organization-28-day/latest`;

const GITHUB_HEADERS = {'Accept': 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28'};

export interface CopilotOrgMetrics {
    days: number;
    firstDay: string | null;
    lastDay: string | null;
    /** Of the last day in the report. */
    dailyActiveUsers: number | null;
    weeklyActiveUsers: number | null;
    monthlyActiveUsers: number | null;
    /** Every other numeric daily figure (`*_count`, `*_sum`), summed over the report. */
    sums: Map<string, number>;
}

const ACTIVE_USERS = ['daily_active_users', 'weekly_active_users', 'monthly_active_users'];

/** The NDJSON files of a report: each record holds `day_totals` (or is itself a day). */
export function parseCopilotReport(files: readonly string[]): CopilotOrgMetrics {
    const days = new Map<string, JsonObject>();
    for (const file of files) {
        for (const line of file.split('\n')) {
            const record = parseJson(line.trim());
            if (!isObject(record))
                continue;
            const totals = Array.isArray(record['day_totals']) ? record['day_totals'].filter(isObject) : [record];
            for (const day of totals) {
                const date = optionalString(day, 'day')?.slice(0, 10);
                if (date)
                    days.set(date, day);
            }
        }
    }
    const ordered = [...days.keys()].sort();
    const last = ordered.length > 0 ? days.get(ordered[ordered.length - 1] ?? '') ?? null : null;
    const sums = new Map<string, number>();
    for (const day of days.values()) {
        for (const [key, value] of Object.entries(day)) {
            if (typeof value === 'number' && !ACTIVE_USERS.includes(key) && /_(count|sum)$/.test(key))
                sums.set(key, (sums.get(key) ?? 0) + value);
        }
    }
    const active = (key: string): number | null => last ? optionalNumeric(last, key) : null;
    return {days: ordered.length, firstDay: ordered[0] ?? null, lastDay: ordered[ordered.length - 1] ?? null,
        dailyActiveUsers: active('daily_active_users'), weeklyActiveUsers: active('weekly_active_users'),
        monthlyActiveUsers: active('monthly_active_users'), sums};
}

const FIGURE_LABELS: Record<string, () => string> = {
    user_initiated_interaction_count: () => _('Interactions'),
    code_generation_activity_count: () => _('Code suggestions'),
    code_acceptance_activity_count: () => _('Suggestions accepted'),
    loc_suggested_to_add_sum: () => _('Lines suggested'),
    loc_added_sum: () => _('Lines added'),
};

/** The metrics worded for the menu: active users first, then the known sums, then the rest. */
export function copilotFigures(m: CopilotOrgMetrics): {label: string; value: string}[] {
    const figures: {label: string; value: string}[] = [];
    if (m.lastDay !== null)
        figures.push({label: _('Report'), value: format(_('%d days to %s'), m.days, m.lastDay)});
    const users = [[_('daily'), m.dailyActiveUsers], [_('weekly'), m.weeklyActiveUsers], [_('monthly'), m.monthlyActiveUsers]]
        .filter((u): u is [string, number] => u[1] !== null).map(([what, n]) => `${n} ${what}`);
    if (users.length > 0)
        figures.push({label: _('Active users'), value: users.join(', ')});
    for (const [key, label] of Object.entries(FIGURE_LABELS)) {
        const value = m.sums.get(key);
        if (value !== undefined)
            figures.push({label: label(), value: String(value)});
    }
    const generated = m.sums.get('code_generation_activity_count');
    const accepted = m.sums.get('code_acceptance_activity_count');
    if (generated && accepted !== undefined)
        figures.push({label: _('Acceptance rate'), value: `${Math.round((accepted / generated) * 100)}%`});
    for (const [key, value] of m.sums) {
        if (labelFor(FIGURE_LABELS, key) === null)
            figures.push({label: key.replace(/_(count|sum)$/, '').replace(/_/g, ' '), value: String(value)});
    }
    return figures;
}

/** A signed link refused or gone (it expired, or GitHub replaced the report): the next refresh asks for new ones. */
const downloadFailed = (status: number): ProviderError => new ProviderError('server',
    format(_('The report download failed (%d).'), status), _('The links expire quickly; the next refresh asks for new ones.'));

const downloadHints = (): StatusHints => ({
    unauthorized: _('The links expire quickly; the next refresh asks for new ones.'),
    rejected: response => downloadFailed(response.status),
    forbidden: response => downloadFailed(response.status),
    notFound: response => downloadFailed(response.status),
});

/** Whether an NDJSON file holds at least one record (a file cut short before its first line end holds none). */
const holdsRecords = (text: string): boolean => text.split('\n').some(line => isObject(parseJson(line.trim())));

const scopeHint = (): string => _('Use a token of an organisation owner or billing manager with the manage_billing:copilot ' +
    'or read:org scope (classic) or “Organization Copilot metrics: read” (fine-grained); the Copilot usage metrics ' +
    'policy must be enabled.');

export class CopilotOrgProvider implements Provider {
    readonly id = 'copilot-org';
    readonly name = 'Copilot organisation';
    readonly billing = true;
    readonly links = {usage: 'https://github.com/settings/copilot', status: 'https://www.githubstatus.com'};
    readonly refetchOn = [...BILLING_SETTINGS, COPILOT_ORG, COPILOT_ORG_ENTERPRISE];
    readonly endpoints = ['https://api.github.com/'];
    readonly prefs: KeySection;

    constructor(private readonly _deps: ProviderDeps) {
        this.prefs = {
            kind: 'key',
            page: 'spend',
            title: _('Copilot organisation'),
            description: _('Copilot usage metrics of the last 28 days for an organisation or enterprise: active users, ' +
                'interactions, suggestions and acceptances. Needs a token of an owner or billing manager with the ' +
                'manage_billing:copilot or read:org scope, and the usage metrics policy enabled.'),
            switchTitle: _('Show Copilot organisation metrics'),
            switchSubtitle: _('Active users, interactions, acceptance rate'),
            keyTitle: _('GitHub token'),
            keyVariables: [],
            money: false,
            organisation: {name: COPILOT_ORG, nameTitle: _('Organisation (or enterprise)'),
                enterprise: COPILOT_ORG_ENTERPRISE, enterpriseTitle: _('It is an enterprise')},
            cannotTest: () => this._target().name === '' ? _('Enter the organisation first.') : null,
            test: (ctx, token) => this.fetchWithToken(ctx, token, this._target()),
        };
    }

    private _target(): CopilotOrgTarget {
        return {name: this._deps.settings.get(COPILOT_ORG).trim(), enterprise: this._deps.settings.get(COPILOT_ORG_ENTERPRISE)};
    }

    watchedPaths(): string[] {
        return [];
    }

    async diagnose(): Promise<Finding[]> {
        if (!this._deps.settings.get(enabledKey(this.id)))
            return [];
        const target = this._target();
        const token = await this._deps.secrets.lookup(this.id, BILLING_KEY_ACCOUNT).catch(() => null);
        return [target.name === '' ? fail(this.id, _('no organisation set'), _('Enter it in the preferences (Spend).'))
            : ok(this.id, format(target.enterprise ? _('enterprise %s') : _('organisation %s'), target.name)),
        token !== null ? ok(this.id, _('token in the keyring'))
            : fail(this.id, _('no token in the keyring'), _('Enter one in the preferences (Spend).'))];
    }

    async fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const target = this._target();
        const token = target.name === '' ? null : await this._deps.secrets.lookup(this.id, BILLING_KEY_ACCOUNT);
        return fetchBilling(ctx, this.id, this.name, token === null ? null : {key: token, source: _('keyring')},
            _('Enter the organisation and a GitHub token in the preferences (Spend).'),
            key => this.fetchWithToken(ctx, key.key, target), target.name || 'default');
    }

    /** Also the preferences' "test key" button. */
    async fetchWithToken(ctx: FetchContext, token: string, target: CopilotOrgTarget): Promise<UsageSnapshot> {
        // The report and its files back off as one endpoint: while the files fail, the report is not asked for either.
        const endpoint = `${copilotReportUrl(target)} and its files`;
        const fingerprint = tokenFingerprint(token);
        const response = await gatedRequest(ctx, fingerprint, {url: copilotReportUrl(target),
            headers: {...GITHUB_HEADERS, Authorization: `Bearer ${token}`}}, {
            unauthorized: _('The token was refused: enter a new one in the preferences (Spend).'),
            forbidden: () => new ProviderError('scope', format(_('GitHub refused the Copilot metrics of %s (403).'), target.name),
                scopeHint()),
        }, {endpoint, endsBackoff: false});
        const links = isObject(response.body) && Array.isArray(response.body['download_links'])
            ? response.body['download_links'].filter((l): l is string => typeof l === 'string' && l.startsWith('https://'))
            : null;
        if (links === null)
            throw unexpectedResponse(_('no download links in the Copilot metrics report'));
        // The signed links authorise themselves: the token is not sent to the storage host. They go
        // through the same gate as every request (pause, back-off, web-page check, deadline, cap); the
        // link itself (its signature) never reaches an error, a log or the cache.
        // Each download settles before the fetch does: none is left running into the next refresh.
        const downloads = await Promise.allSettled(links.map(url => gatedRequest(ctx, fingerprint, {url}, downloadHints(),
            {endpoint, body: 'text', accept: file => holdsRecords(file.fullText) ? null : new ProviderError('parse',
                _('A Copilot metrics report file holds no record (cut short?).'),
                _('The next refresh downloads it again; please report this if it persists.'))})));
        const files = downloads.map(download => {
            if (download.status === 'rejected')
                throw download.reason;
            return download.value.fullText;
        });
        const metrics = parseCopilotReport(files);
        const now = ctx.env.now();
        const none = {cost: 0, inputTokens: null, outputTokens: null, requests: null};
        const spend: SpendSummary = {hasCost: false, currency: '', today: none, last7Days: none, last30Days: none,
            monthToDate: none, parts: [], daily: [], runway: null, figures: copilotFigures(metrics)};
        return spendSnapshot(this.id, target.name, target.name, spend, spendSettings(this._deps.settings, this.id), now,
            redactJson(response.body));
    }
}
