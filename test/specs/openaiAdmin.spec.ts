import {normalize} from '../../src/core/normalized.js';
import {OpenAIAdminProvider} from '../../src/core/providers/openaiAdmin.js';
import {BillingFixture, NOW, must} from '../support/billing.js';
import {fixtureJson} from '../support/fixtureServer.js';

describe('OpenAIAdminProvider against a loopback server', () => {
    const f = BillingFixture.eachSpec();

    function routeOpenAI(): void {
        f.server.route('api.openai.com/v1/organization/costs', query => ({status: 200,
            body: fixtureJson(query['page'] === 'page_AAAA' ? 'spend/openai-costs-2.json' : 'spend/openai-costs-1.json')}));
        f.server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: fixtureJson('spend/openai-completions.json')});
    }

    it('follows every page, sums periods, groups line items by model, adds tokens and requests', async () => {
        routeOpenAI();
        f.env.vars['OPENAI_ADMIN_KEY'] = '"sk-admin-FIXTURE"';
        const s = await f.fetch(new OpenAIAdminProvider(f.deps('openai', {budget: 20})));
        const costs = f.server.requestsTo('api.openai.com/v1/organization/costs');
        expect(costs.map(r => r.query['page'] ?? null)).toEqual([null, 'page_AAAA']);
        expect(costs[0]?.headers['authorization']).toBe('Bearer sk-admin-FIXTURE');
        expect(costs[0]?.query).toEqual(jasmine.objectContaining({bucket_width: '1d', group_by: 'line_item',
            start_time: String(Date.UTC(2026, 9, 25) / 1000), end_time: String(Date.UTC(2026, 10, 24) / 1000)}));
        const spend = must(s.spend);
        expect([spend.today.cost, spend.last7Days.cost, spend.last30Days.cost, spend.monthToDate.cost]).toEqual([1, 4.25, 21.75, 11.75]);
        expect([spend.last30Days.inputTokens, spend.last30Days.outputTokens, spend.last30Days.requests]).toEqual([1500, 250, 15]);
        expect(spend.parts).toEqual([{name: 'gpt-4o-2024-08-06', cost: 16.5, tokens: 550}, {name: 'o3', cost: 5.25, tokens: 1200}]);
        expect(s.windows.map(w => [w.id, w.usedPercent])).toEqual([['monthly-budget', 58.75]]);
        const normalized = normalize(s);
        expect([normalized.window, normalized.cost, normalized.currency, normalized.limit, normalized.remaining])
            .toEqual(['month', 11.75, 'USD', 20, 8.25]);
        expect(JSON.stringify(s.raw)).not.toContain('sk-admin-FIXTURE');
        expect(normalize(s, '7d')).toEqual(jasmine.objectContaining({window: '7d', cost: 4.25}));
    });

    it('stops at a cursor it has seen, keeping every page read (no 50 requests, no failure)', async () => {
        f.server.route('api.openai.com/v1/organization/costs', query => ({status: 200, body: query['page'] === undefined
            ? fixtureJson('spend/openai-costs-1.json') : {...fixtureJson('spend/openai-costs-2.json') as object,
                has_more: true, next_page: 'page_AAAA'}}));
        f.server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: fixtureJson('spend/openai-completions.json')});
        f.env.vars['OPENAI_ADMIN_KEY'] = 'sk-admin-FIXTURE';
        const s = await f.fetch(new OpenAIAdminProvider(f.deps('openai')));
        expect(f.server.requestsTo('api.openai.com/v1/organization/costs').length).toBe(2);
        expect(s.error).toBeNull();
        expect(must(s.spend).last30Days.cost).toBe(21.75);
    });

    it('shows the usage report when the cost report fails, and says what is missing', async () => {
        f.server.route('api.openai.com/v1/organization/costs', {status: 500, body: {}});
        f.server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: fixtureJson('spend/openai-completions.json')});
        f.env.vars['OPENAI_ADMIN_KEY'] = 'sk-admin-FIXTURE';
        const s = await f.fetch(new OpenAIAdminProvider(f.deps('openai', {budget: 20})));
        expect(s.updatedAt).toBe(NOW);
        expect(must(s.spend).last30Days.inputTokens).toBe(1500);
        expect(must(s.spend).hasCost).toBeFalse();
        expect(s.windows).toEqual([]); // no budget bar from a cost that is not known
        expect(s.error?.kind).toBe('server');
        expect(s.error?.message).toContain('cost report');
    });

    it('a key from the keyring, and a clear message for a key of the wrong kind', async () => {
        f.server.route('api.openai.com/v1/organization/costs', {status: 403, body: {error: {message: 'insufficient permissions'}}});
        f.server.route('api.openai.com/v1/organization/usage/completions', {status: 403, body: {}});
        await f.storeKey('openai', 'sk-proj-NOT-ADMIN');
        const s = await f.fetch(new OpenAIAdminProvider(f.deps('openai')));
        expect(f.server.requestsTo('api.openai.com/v1/organization/costs')[0]?.headers['authorization']).toBe('Bearer sk-proj-NOT-ADMIN');
        expect(s.error?.kind).toBe('scope');
        expect(s.error?.hint).toContain('OpenAI Admin key');
    });

    it('without a key, says how to set one up (no request)', async () => {
        const s = await f.fetch(new OpenAIAdminProvider(f.deps('openai')));
        expect(s.error?.kind).toBe('not-configured');
        expect(s.error?.hint).toContain('OPENAI_ADMIN_KEY');
        expect(f.server.requests.length).toBe(0);
    });
});
