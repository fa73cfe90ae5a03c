// What the billing providers (OpenAI and Anthropic Admin APIs, Copilot organisation metrics)
// share: where their key comes from, paging through reports (a cursor that repeats ends the
// paging, keeping what was read), reading several reports side by side so that each settles on
// its own, and the snapshot they all build.

import type {ProviderId, SpendPart, SpendSummary, UsageSnapshot} from './contract.js';
import {emptySnapshot} from './contract.js';
import {fail, ok, type Finding} from './diagnosis.js';
import type {Environment} from './environment.js';
import {ProviderError, isCancelled} from './errors.js';
import {_, format} from './i18n.js';
import {isObject, optionalBoolean, optionalString, type JsonObject} from './json.js';
import type {KeySection} from './prefsSection.js';
import {errorSnapshot, gatedRequest, settleAccount, tokenFingerprint, unexpectedResponse} from './provider.js';
import type {FetchContext, Provider, ProviderDeps, ProviderLinks, StatusHints} from './provider.js';
import {redactJson} from './redact.js';
import type {SecretStore} from './secrets.js';
import {Keys, enabledKey, type Settings} from './settings.js';
import {budgetWindow, spendSummary, type DailySpend, type SpendSettings} from './spend.js';

/** The keyring account under which a billing provider's key is stored from the preferences. */
export const BILLING_KEY_ACCOUNT = 'admin-key';

/** At most this many pages per report: a month of daily buckets needs one or two. */
const MAX_PAGES = 50;

export interface BillingKey {
    key: string;
    /** Where it came from, for the menu and `doctor`: the variable's name or "keyring". */
    source: string;
}

/**
 * The key of a billing provider: an environment variable first (read, never stored), then
 * the key stored in the keyring from the preferences. Surrounding quotes are dropped.
 */
export async function billingKey(env: Environment, secrets: SecretStore, provider: ProviderId,
    variables: readonly string[]): Promise<BillingKey | null> {
    for (const name of variables) {
        const value = env.getenv(name)?.trim().replace(/^(["'])(.*)\1$/, '$2');
        if (value)
            return {key: value, source: `$${name}`};
    }
    // Not cancellable (see SecretStore); a cancelled refresh stops at its HTTP request.
    const stored = await secrets.lookup(provider, BILLING_KEY_ACCOUNT);
    return stored ? {key: stored, source: _('keyring')} : null;
}

/** `url` with query parameters, each name and value percent-encoded (`group_by[]` included). */
export function withQuery(url: string, params: readonly (readonly [string, string])[]): string {
    const query = params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
    return query === '' ? url : `${url}?${query}`;
}

/**
 * GETs a report and every page after it (`has_more` with `next_page`, sent back as `page`),
 * and returns the `data` items of all pages in order. A cursor seen before (a server looping)
 * or more than MAX_PAGES pages end the paging with what was read: asking again would only
 * repeat pages.
 */
export async function fetchAllPages(ctx: FetchContext, key: string, url: string,
    params: readonly (readonly [string, string])[], headers: Record<string, string>, hints: StatusHints): Promise<JsonObject[]> {
    const items: JsonObject[] = [];
    const seen = new Set<string>();
    let page: string | null = null;
    for (let count = 0; count < MAX_PAGES; count++) {
        const response = await gatedRequest(ctx, tokenFingerprint(key),
            {url: withQuery(url, page === null ? params : [...params, ['page', page]]), headers}, hints);
        const body = response.body;
        if (!isObject(body) || !Array.isArray(body['data']))
            throw unexpectedResponse(format(_('no data list in %s'), url));
        items.push(...body['data'].filter(isObject));
        if (page !== null)
            seen.add(page);
        page = optionalBoolean(body, 'has_more') === true ? optionalString(body, 'next_page') : null;
        if (page === null || seen.has(page))
            return items;
    }
    return items;
}

/** One of the reports a billing provider reads side by side. */
export interface Report {
    /** Names it when it fails: "cost report". */
    label: string;
    read: () => Promise<JsonObject[]>;
}

export interface ReportsRead {
    /** Each report's items, in the order asked; null for a report that failed. */
    items: (JsonObject[] | null)[];
    /** What failed, for the card beside what arrived; null when every report was read. */
    failure: ProviderError | null;
}

/**
 * Reads reports side by side, each settling on its own: one that fails does not throw the others
 * away. Rejects only when every report failed (with the first one's error) or when cancelled.
 */
export async function fetchReports(reports: readonly Report[]): Promise<ReportsRead> {
    const outcomes = await Promise.all(reports.map(async report => {
        try {
            return {items: await report.read(), error: null};
        } catch (error) {
            if (isCancelled(error) || !(error instanceof ProviderError))
                throw error;
            return {items: null, error};
        }
    }));
    const failed = outcomes.flatMap((outcome, index) => outcome.error === null ? []
        : [{label: reports[index]?.label ?? '', error: outcome.error}]);
    const [first] = failed;
    if (first === undefined)
        return {items: outcomes.map(o => o.items), failure: null};
    if (failed.length === reports.length)
        throw first.error;
    return {items: outcomes.map(o => o.items), failure: new ProviderError(first.error.kind,
        format(_('Not shown: the %s (%s).'), failed.map(f => f.label).join(', '), first.error.message),
        first.error.hint, first.error.retryAt)};
}

/** A billing provider's budget, balance and burn-rate period, from the settings. */
export function spendSettings(settings: Settings, provider: ProviderId): SpendSettings {
    const balance = settings.get(Keys.balances)[provider];
    return {budget: settings.get(Keys.budgets)[provider] ?? 0, burnDays: settings.get(Keys.burnRateDays),
        balance: balance ? {amount: balance[0], setAt: balance[1]} : null};
}

/** The settings whose change means a billing provider's figures must be fetched again. */
export const BILLING_SETTINGS = [Keys.budgets, Keys.balances, Keys.burnRateDays, Keys.billingKeyFingerprints];

/** The snapshot of a billing account: the spend, and the monthly budget as a limit with a bar. */
export function spendSnapshot(provider: ProviderId, accountId: string, label: string, spend: SpendSummary,
    settings: SpendSettings, now: number, raw: unknown): UsageSnapshot {
    const budget = spend.hasCost ? budgetWindow(spend.monthToDate.cost, settings, now, spend.currency) : null;
    return {
        ...emptySnapshot(provider, accountId, label),
        windows: budget ? [budget] : [],
        spend,
        updatedAt: now,
        raw,
    };
}

/**
 * Runs a billing provider's fetch for its one account, or says how to set it up when there is
 * no key. Failures become an error snapshot naming the provider, under the account id the
 * data has (so that a failure keeps the last data).
 */
export async function fetchBilling(ctx: FetchContext, provider: ProviderId, name: string, key: BillingKey | null,
    setUp: string, fetch: (key: BillingKey) => Promise<UsageSnapshot>, accountId = 'default'): Promise<UsageSnapshot[]> {
    if (key === null)
        return [errorSnapshot(provider, accountId, name, new ProviderError('not-configured', format(_('No %s key.'), name), setUp))];
    return [await settleAccount(provider, accountId, name, () => fetch(key))];
}

/** The 403 of an admin endpoint: a key of the wrong kind, named. */
export function adminKeyHints(keyKind: string, where: string): StatusHints {
    return {
        unauthorized: format(_('Check the %s in the preferences, or create a new one at %s.'), keyKind, where),
        forbidden: () => new ProviderError('scope', format(_('This key cannot read the organisation’s usage (403).')),
            format(_('It takes an %s (%s); ordinary API keys are refused.'), keyKind, where)),
    };
}

/** What an admin-key provider read: days, parts, currency, other figures, and the raw reports. */
export interface BillingReport {
    days: readonly DailySpend[];
    parts: readonly SpendPart[];
    currency: string;
    figures?: {label: string; value: string}[];
    raw: Record<string, unknown>;
    /** A report that could not be read (fetchReports()); the card shows it beside the rest. */
    failure?: ProviderError | null;
    /** False when the cost report failed: no money is shown rather than $0. */
    hasCost?: boolean;
}

/**
 * A billing provider with an organisation admin key (OpenAI, Anthropic): the key from the
 * environment or the keyring, one account, the spend summary and budget built the same way.
 */
export abstract class AdminKeyProvider implements Provider {
    abstract readonly id: ProviderId;
    abstract readonly name: string;
    abstract readonly links: ProviderLinks;
    abstract readonly endpoints: readonly string[];
    abstract readonly prefs: KeySection;
    readonly billing = true;
    readonly refetchOn = BILLING_SETTINGS;
    /** Environment variables that may hold the key, first match wins. */
    protected abstract readonly keyVariables: readonly string[];
    /** How to set the key up, shown when there is none. */
    protected abstract setUpHint(): string;
    /** Reads the reports with a key; also the preferences' "test key" button. */
    abstract fetchWithKey(ctx: FetchContext, key: BillingKey): Promise<UsageSnapshot>;

    constructor(protected readonly deps: ProviderDeps) {}

    /** The preferences' section: key, test, budget and balance. */
    protected keySection(text: Pick<KeySection, 'title' | 'description' | 'keyTitle'>): KeySection {
        return {kind: 'key', page: 'spend', ...text, switchTitle: format(_('Show %s'), text.title),
            switchSubtitle: _('Today, 7 and 30 days, month to date, by model'), keyVariables: this.keyVariables, money: true,
            cannotTest: () => null, test: (ctx, key) => this.fetchWithKey(ctx, {key, source: _('the entry')})};
    }

    watchedPaths(): string[] {
        return [];
    }

    async diagnose(env: Environment): Promise<Finding[]> {
        const on = this.deps.settings.get(enabledKey(this.id));
        const key = await billingKey(env, this.deps.secrets, this.id, this.keyVariables).catch(() => null);
        if (key !== null)
            return [ok(this.id, format(on ? _('admin key from %s') : _('admin key from %s (spend is turned off in the settings)'), key.source))];
        return [on ? fail(this.id, _('no admin key'), this.setUpHint()) : ok(this.id, _('spend is off (no admin key)'))];
    }

    async fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const key = await billingKey(ctx.env, this.deps.secrets, this.id, this.keyVariables);
        return fetchBilling(ctx, this.id, this.name, key, this.setUpHint(), k => this.fetchWithKey(ctx, k));
    }

    /** The snapshot of what was read, with this provider's budget and balance. */
    protected snapshot(key: BillingKey, now: number, report: BillingReport): UsageSnapshot {
        const settings = spendSettings(this.deps.settings, this.id);
        const spend = spendSummary(report.days, report.parts, settings, now, report.currency);
        spend.figures = report.figures ?? [];
        spend.hasCost = report.hasCost ?? true;
        const snapshot = spendSnapshot(this.id, 'default', this.name, spend, settings, now,
            redactJson({...report.raw, keySource: key.source}));
        const failure = report.failure ?? null;
        return failure === null ? snapshot : {...snapshot, error: {kind: failure.kind, message: failure.message,
            hint: failure.hint, retryAt: failure.retryAt}};
    }
}
