// Anthropic API spend: the Admin API's cost report (amounts in cents, as decimal strings), the
// messages usage report by model, and the Claude Code analytics report of the last 7 days.

import type {UsageSnapshot} from '../contract.js';
import {AdminKeyProvider, adminKeyHints, fetchAllPages, fetchReports, type BillingKey} from '../billing.js';
import {isCancelled, ProviderError} from '../errors.js';
import {formatMoney} from '../format.js';
import {_, format} from '../i18n.js';
import {isObject, optionalNumeric, optionalObject, optionalString, parseIsoTime, type JsonObject} from '../json.js';
import type {FetchContext} from '../provider.js';
import {isoDay, last30DaysStart, spendParts, spendWindowEnd, spendWindowStart, utcDayStart, type DailySpend} from '../spend.js';

export const ANTHROPIC_COST_URL = 'https://api.anthropic.com/v1/organizations/cost_report';
export const ANTHROPIC_MESSAGES_URL = 'https://api.anthropic.com/v1/organizations/usage_report/messages';
export const ANTHROPIC_CLAUDE_CODE_URL = 'https://api.anthropic.com/v1/organizations/usage_report/claude_code';
export const ANTHROPIC_KEY_VARIABLES = ['ANTHROPIC_ADMIN_KEY', 'ANTHROPIC_ADMIN_API_KEY'];
const KEYS_PAGE = 'console.anthropic.com/settings/admin-keys';
const DAY = 86_400_000;
const CLAUDE_CODE_DAYS = 7;

const bucketStart = (bucket: JsonObject): number | null => {
    const start = parseIsoTime(bucket['starting_at']);
    return start === null ? null : utcDayStart(start);
};
const results = (bucket: JsonObject): JsonObject[] => Array.isArray(bucket['results']) ? bucket['results'].filter(isObject) : [];

/** Cost report buckets → dollars per day and per model (or description when there is no model). */
export function parseAnthropicCosts(buckets: readonly JsonObject[], partsSince: number):
    {days: DailySpend[]; parts: Map<string, number>; currency: string} {
    const days: DailySpend[] = [];
    const parts = new Map<string, number>();
    let currency = 'USD';
    for (const bucket of buckets) {
        const start = bucketStart(bucket);
        if (start === null)
            continue;
        let cost = 0;
        for (const result of results(bucket)) {
            const dollars = (optionalNumeric(result, 'amount') ?? 0) / 100; // cents, as a decimal string
            cost += dollars;
            currency = optionalString(result, 'currency') ?? currency;
            const part = optionalString(result, 'model') ?? optionalString(result, 'description') ?? _('Other');
            if (start >= partsSince)
                parts.set(part, (parts.get(part) ?? 0) + dollars);
        }
        days.push({start, cost, inputTokens: null, outputTokens: null, requests: null});
    }
    return {days, parts, currency};
}

/** Messages usage buckets → tokens per day (input counts cache writes and reads) and per model. */
export function parseAnthropicUsage(buckets: readonly JsonObject[], partsSince: number): {days: DailySpend[]; models: Map<string, number>} {
    const days: DailySpend[] = [];
    const models = new Map<string, number>();
    for (const bucket of buckets) {
        const start = bucketStart(bucket);
        if (start === null)
            continue;
        let input = 0;
        let output = 0;
        for (const result of results(bucket)) {
            const writes = optionalObject(result, 'cache_creation');
            const i = (optionalNumeric(result, 'uncached_input_tokens') ?? 0) + (optionalNumeric(result, 'cache_read_input_tokens') ?? 0) +
                (writes ? (optionalNumeric(writes, 'ephemeral_5m_input_tokens') ?? 0) + (optionalNumeric(writes, 'ephemeral_1h_input_tokens') ?? 0) : 0);
            const o = optionalNumeric(result, 'output_tokens') ?? 0;
            input += i;
            output += o;
            const model = optionalString(result, 'model') ?? _('Other');
            if (start >= partsSince)
                models.set(model, (models.get(model) ?? 0) + i + o);
        }
        days.push({start, cost: 0, inputTokens: input, outputTokens: output, requests: null});
    }
    return {days, models};
}

export interface ClaudeCodeTotals {
    users: number;
    sessions: number;
    linesAdded: number;
    linesRemoved: number;
    commits: number;
    pullRequests: number;
    estimatedCost: number;
    /** Of the estimated cost, as the report gives it (USD when it does not say). */
    currency: string;
}

/** Claude Code analytics records (one per user and day) → totals. */
export function parseClaudeCodeAnalytics(records: readonly JsonObject[]): ClaudeCodeTotals {
    const users = new Set<string>();
    const totals: ClaudeCodeTotals = {users: 0, sessions: 0, linesAdded: 0, linesRemoved: 0, commits: 0, pullRequests: 0,
        estimatedCost: 0, currency: 'USD'};
    for (const record of records) {
        const actor = optionalObject(record, 'actor');
        const who = actor ? optionalString(actor, 'email_address') ?? optionalString(actor, 'api_key_name') : null;
        if (who !== null)
            users.add(who);
        const core = optionalObject(record, 'core_metrics');
        const lines = core ? optionalObject(core, 'lines_of_code') : null;
        totals.sessions += core ? optionalNumeric(core, 'num_sessions') ?? 0 : 0;
        totals.linesAdded += lines ? optionalNumeric(lines, 'added') ?? 0 : 0;
        totals.linesRemoved += lines ? optionalNumeric(lines, 'removed') ?? 0 : 0;
        totals.commits += core ? optionalNumeric(core, 'commits_by_claude_code') ?? 0 : 0;
        totals.pullRequests += core ? optionalNumeric(core, 'pull_requests_by_claude_code') ?? 0 : 0;
        for (const model of Array.isArray(record['model_breakdown']) ? record['model_breakdown'].filter(isObject) : []) {
            const cost = optionalObject(model, 'estimated_cost');
            totals.estimatedCost += cost ? (optionalNumeric(cost, 'amount') ?? 0) / 100 : 0; // cents
            totals.currency = (cost ? optionalString(cost, 'currency') : null) ?? totals.currency;
        }
    }
    totals.users = users.size;
    return totals;
}

export class AnthropicAdminProvider extends AdminKeyProvider {
    readonly id = 'anthropic';
    readonly name = 'Anthropic API';
    readonly links = {usage: 'https://console.anthropic.com/usage', status: 'https://status.anthropic.com'};
    readonly endpoints = [ANTHROPIC_COST_URL];
    protected readonly keyVariables = ANTHROPIC_KEY_VARIABLES;
    readonly prefs = this.keySection({title: this.name, keyTitle: _('Admin key (sk-ant-admin…)'),
        description: _('Organisation costs, token usage and Claude Code analytics from the Anthropic Admin API. Admin ' +
            'keys are made at console.anthropic.com → Settings → Admin keys. ANTHROPIC_ADMIN_KEY is used when set.')});

    protected setUpHint(): string {
        return _('Enter an Anthropic Admin key in the preferences (Spend), or set ANTHROPIC_ADMIN_KEY.');
    }

    async fetchWithKey(ctx: FetchContext, key: BillingKey): Promise<UsageSnapshot> {
        const now = ctx.env.now();
        const params = [['starting_at', new Date(spendWindowStart(now)).toISOString()],
            ['ending_at', new Date(spendWindowEnd(now)).toISOString()], ['bucket_width', '1d'], ['limit', '31']] as const;
        const headers = {'x-api-key': key.key, 'anthropic-version': '2023-06-01'};
        const hints = adminKeyHints(_('Anthropic Admin key'), KEYS_PAGE);
        const [{items: [costBuckets = null, usageBuckets = null], failure}, figures] = await Promise.all([fetchReports([
            {label: _('cost report'), read: () => fetchAllPages(ctx, key.key, ANTHROPIC_COST_URL, [...params, ['group_by[]', 'description']], headers, hints)},
            {label: _('usage report'), read: () => fetchAllPages(ctx, key.key, ANTHROPIC_MESSAGES_URL, [...params, ['group_by[]', 'model']], headers, hints)},
        ]), this._claudeCode(ctx, key, headers, hints, now)]);
        const costs = parseAnthropicCosts(costBuckets ?? [], last30DaysStart(now));
        const usage = parseAnthropicUsage(usageBuckets ?? [], last30DaysStart(now));
        return this.snapshot(key, now, {days: [...costs.days, ...usage.days], parts: spendParts(costs.parts, usage.models),
            currency: costs.currency, figures, raw: {costs: costBuckets, usage: usageBuckets}, failure,
            hasCost: costBuckets !== null});
    }

    /** The Claude Code analytics of the last days, worded; a line saying why when unavailable. */
    private async _claudeCode(ctx: FetchContext, key: BillingKey, headers: Record<string, string>,
        hints: ReturnType<typeof adminKeyHints>, now: number): Promise<{label: string; value: string}[]> {
        const days = Array.from({length: CLAUDE_CODE_DAYS}, (_d, i) => isoDay(utcDayStart(now) - i * DAY));
        try {
            const records = (await Promise.all(days.map(day => fetchAllPages(ctx, key.key, ANTHROPIC_CLAUDE_CODE_URL,
                [['starting_at', day], ['limit', '1000']], headers, hints)))).flat();
            const t = parseClaudeCodeAnalytics(records);
            if (records.length === 0)
                return [{label: _('Claude Code, 7 days'), value: _('no activity')}];
            return [
                {label: _('Claude Code, 7 days'), value: format(_('%d users, %d sessions, %s estimated'), t.users, t.sessions,
                    formatMoney(t.estimatedCost, t.currency))},
                {label: _('Lines added / removed'), value: `+${t.linesAdded} / −${t.linesRemoved}`},
                {label: _('Commits / pull requests'), value: `${t.commits} / ${t.pullRequests}`},
            ];
        } catch (error) {
            if (isCancelled(error) || !(error instanceof ProviderError))
                throw error;
            return [{label: _('Claude Code analytics'), value: error.message}];
        }
    }
}
