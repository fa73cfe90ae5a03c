import {formatMoney} from '../../src/core/format.js';
import type {JsonObject} from '../../src/core/json.js';
import {AnthropicAdminProvider, parseAnthropicCosts, parseClaudeCodeAnalytics} from '../../src/core/providers/anthropicAdmin.js';
import {BillingFixture, must} from '../support/billing.js';
import {fixtureJson} from '../support/fixtureServer.js';

describe('AnthropicAdminProvider against a loopback server', () => {
    const f = BillingFixture.eachSpec();

    it('shows the cost report when the usage report fails', async () => {
        f.server.route('api.anthropic.com/v1/organizations/cost_report', query => ({status: 200,
            body: fixtureJson(query['page'] ? 'spend/anthropic-cost-2.json' : 'spend/anthropic-cost-1.json')}));
        f.server.route('api.anthropic.com/v1/organizations/usage_report/messages', {status: 503, body: {}});
        f.server.route('api.anthropic.com/v1/organizations/usage_report/claude_code', {status: 200, body: {data: [], has_more: false}});
        f.env.vars['ANTHROPIC_ADMIN_KEY'] = 'sk-ant-admin01-FIXTURE';
        const s = await f.fetch(new AnthropicAdminProvider(f.deps('anthropic')));
        expect(must(s.spend).hasCost).toBeTrue();
        expect(must(s.spend).last30Days.cost).toBeGreaterThan(0);
        expect(s.error?.message).toContain('usage report');
    });

    it('cents as decimal strings, every page, tokens with cache, and Claude Code analytics', async () => {
        f.server.route('api.anthropic.com/v1/organizations/cost_report', query => ({status: 200,
            body: fixtureJson(query['page'] === 'page_2' ? 'spend/anthropic-cost-2.json' : 'spend/anthropic-cost-1.json')}));
        f.server.route('api.anthropic.com/v1/organizations/usage_report/messages', {status: 200, body: fixtureJson('spend/anthropic-messages.json')});
        f.server.route('api.anthropic.com/v1/organizations/usage_report/claude_code', query => ({status: 200,
            body: query['starting_at'] === '2026-11-23' ? fixtureJson('spend/anthropic-claude-code.json') : {data: [], has_more: false, next_page: null}}));
        f.env.vars['ANTHROPIC_ADMIN_KEY'] = 'sk-ant-admin01-FIXTURE';
        const s = await f.fetch(new AnthropicAdminProvider(f.deps('anthropic', {balance: {amount: 20, setAt: Date.UTC(2026, 10, 23)}})));
        const request = f.server.requestsTo('api.anthropic.com/v1/organizations/cost_report')[0];
        expect(request?.headers['x-api-key']).toBe('sk-ant-admin01-FIXTURE');
        expect(request?.headers['anthropic-version']).toBe('2023-06-01');
        expect(request?.query['group_by[]']).toBe('description');
        const spend = must(s.spend);
        expect(spend.monthToDate.cost).toBeCloseTo(14.845, 9);
        expect(spend.today.cost).toBeCloseTo(2.5, 9);
        expect([spend.today.inputTokens, spend.today.outputTokens, spend.today.requests]).toEqual([1175, 300, null]);
        expect(spend.parts.map(p => p.name)).toEqual(['claude-sonnet-4-5-20250929', 'Web search']);
        expect(spend.runway?.remaining).toBeCloseTo(17.5, 9);
        expect(f.server.requestsTo('api.anthropic.com/v1/organizations/usage_report/claude_code').length).toBe(7);
        expect(spend.figures).toEqual([
            {label: 'Claude Code, 7 days', value: '2 users, 4 sessions, $1.50 estimated'},
            {label: 'Lines added / removed', value: '+125 / −30'},
            {label: 'Commits / pull requests', value: '2 / 1'},
        ]);
    });

    it('parses empty periods and unknown fields without failing', () => {
        const parsed = parseAnthropicCosts([{starting_at: '2026-11-20T00:00:00Z', results: []}, {starting_at: 'garbage', results: []},
            {starting_at: '2026-11-21T00:00:00Z', results: [{amount: '100', currency: 'USD', new_field: true}]}], 0);
        expect(parsed.days.map(d => d.cost)).toEqual([0, 1]);
        expect([...parsed.parts]).toEqual([['Other', 1]]);
    });
});

describe('parseClaudeCodeAnalytics()', () => {
    it('keeps the currency the report gives the estimated cost (cents, like the cost report)', () => {
        const records = must((fixtureJson('spend/anthropic-claude-code.json') as {data?: JsonObject[]}).data);
        expect(parseClaudeCodeAnalytics(records).currency).toBe('USD');
        const inEuros = JSON.parse(JSON.stringify(records).replace(/"currency":"USD"/g, '"currency":"EUR"')) as JsonObject[];
        const totals = parseClaudeCodeAnalytics(inEuros);
        expect(totals.currency).toBe('EUR');
        expect(formatMoney(totals.estimatedCost, totals.currency)).not.toContain('$');
    });
});
