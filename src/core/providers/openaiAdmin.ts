// OpenAI API spend: the organisation Costs and Usage (completions) reports of the Admin API,
// daily buckets over the last 30 days and the month, every page followed.

import type {UsageSnapshot} from '../contract.js';
import {AdminKeyProvider, adminKeyHints, fetchAllPages, fetchReports, type BillingKey} from '../billing.js';
import {_} from '../i18n.js';
import {isObject, optionalEpochSeconds, optionalNumeric, optionalObject, optionalString, type JsonObject} from '../json.js';
import type {FetchContext} from '../provider.js';
import {last30DaysStart, spendParts, spendWindowEnd, spendWindowStart, utcDayStart, type DailySpend} from '../spend.js';

export const OPENAI_COSTS_URL = 'https://api.openai.com/v1/organization/costs';
export const OPENAI_COMPLETIONS_URL = 'https://api.openai.com/v1/organization/usage/completions';
export const OPENAI_KEY_VARIABLES = ['OPENAI_ADMIN_KEY'];
const KEYS_PAGE = 'platform.openai.com/settings/organization/admin-keys';

const bucketStart = (bucket: JsonObject): number | null => {
    const start = optionalEpochSeconds(bucket, 'start_time');
    return start === null ? null : utcDayStart(start);
};

/**
 * Costs buckets → cost per day and per line item. A line item reads "gpt-4o-2024-08-06, input":
 * its model part groups input and output of one model.
 */
export function parseOpenAICosts(buckets: readonly JsonObject[], partsSince: number):
    {days: DailySpend[]; parts: Map<string, number>; currency: string} {
    const days: DailySpend[] = [];
    const parts = new Map<string, number>();
    let currency = 'usd';
    for (const bucket of buckets) {
        const start = bucketStart(bucket);
        if (start === null)
            continue;
        let cost = 0;
        for (const result of Array.isArray(bucket['results']) ? bucket['results'].filter(isObject) : []) {
            const amount = optionalObject(result, 'amount');
            const value = amount ? optionalNumeric(amount, 'value') ?? 0 : 0;
            currency = (amount ? optionalString(amount, 'currency') : null) ?? currency;
            cost += value;
            const item = (optionalString(result, 'line_item') ?? _('Other')).split(',')[0]?.trim() ?? '';
            if (start >= partsSince)
                parts.set(item, (parts.get(item) ?? 0) + value);
        }
        days.push({start, cost, inputTokens: null, outputTokens: null, requests: null});
    }
    return {days, parts, currency: currency.toUpperCase()};
}

/** Completions usage buckets → tokens and requests per day and tokens per model. */
export function parseOpenAIUsage(buckets: readonly JsonObject[], partsSince: number): {days: DailySpend[]; models: Map<string, number>} {
    const days: DailySpend[] = [];
    const models = new Map<string, number>();
    for (const bucket of buckets) {
        const start = bucketStart(bucket);
        if (start === null)
            continue;
        const day: DailySpend = {start, cost: 0, inputTokens: 0, outputTokens: 0, requests: 0};
        for (const result of Array.isArray(bucket['results']) ? bucket['results'].filter(isObject) : []) {
            const input = optionalNumeric(result, 'input_tokens') ?? 0;
            const output = optionalNumeric(result, 'output_tokens') ?? 0;
            day.inputTokens = (day.inputTokens ?? 0) + input;
            day.outputTokens = (day.outputTokens ?? 0) + output;
            day.requests = (day.requests ?? 0) + (optionalNumeric(result, 'num_model_requests') ?? 0);
            const model = optionalString(result, 'model') ?? _('Other');
            if (start >= partsSince)
                models.set(model, (models.get(model) ?? 0) + input + output);
        }
        days.push(day);
    }
    return {days, models};
}

export class OpenAIAdminProvider extends AdminKeyProvider {
    readonly id = 'openai';
    readonly name = 'OpenAI API';
    readonly links = {usage: 'https://platform.openai.com/usage', status: 'https://status.openai.com'};
    readonly endpoints = [OPENAI_COSTS_URL];
    protected readonly keyVariables = OPENAI_KEY_VARIABLES;
    readonly prefs = this.keySection({title: this.name, keyTitle: _('Admin key (sk-admin-…)'),
        description: _('Organisation costs and completions usage from the OpenAI Admin API. Admin keys are made at ' +
            'platform.openai.com → Settings → Organization → Admin keys. OPENAI_ADMIN_KEY is used when set (never stored).')});

    protected setUpHint(): string {
        return _('Enter an OpenAI Admin key in the preferences (Spend), or set OPENAI_ADMIN_KEY.');
    }

    async fetchWithKey(ctx: FetchContext, key: BillingKey): Promise<UsageSnapshot> {
        const now = ctx.env.now();
        const params = [['start_time', String(Math.floor(spendWindowStart(now) / 1000))],
            ['end_time', String(Math.floor(spendWindowEnd(now) / 1000))], ['bucket_width', '1d'], ['limit', '31']] as const;
        const headers = {Authorization: `Bearer ${key.key}`};
        const hints = adminKeyHints(_('OpenAI Admin key'), KEYS_PAGE);
        const {items: [costBuckets = null, usageBuckets = null], failure} = await fetchReports([
            {label: _('cost report'), read: () => fetchAllPages(ctx, key.key, OPENAI_COSTS_URL, [...params, ['group_by', 'line_item']], headers, hints)},
            {label: _('usage report'), read: () => fetchAllPages(ctx, key.key, OPENAI_COMPLETIONS_URL, [...params, ['group_by', 'model']], headers, hints)},
        ]);
        const costs = parseOpenAICosts(costBuckets ?? [], last30DaysStart(now));
        const usage = parseOpenAIUsage(usageBuckets ?? [], last30DaysStart(now));
        return this.snapshot(key, now, {days: [...costs.days, ...usage.days], parts: spendParts(costs.parts, usage.models),
            currency: costs.currency, raw: {costs: costBuckets, usage: usageBuckets}, failure,
            hasCost: costBuckets !== null});
    }
}
