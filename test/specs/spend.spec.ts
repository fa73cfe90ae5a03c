import {withQuery} from '../../src/core/billing.js';
import type {UsageSnapshot} from '../../src/core/contract.js';
import {formatRunway} from '../../src/core/format.js';
import {normalize} from '../../src/core/normalized.js';
import type {ProviderDeps} from '../../src/core/provider.js';
import {AnthropicAdminProvider, parseAnthropicCosts} from '../../src/core/providers/anthropicAdmin.js';
import {COPILOT_ORG, COPILOT_ORG_ENTERPRISE, CopilotOrgProvider, copilotFigures, parseCopilotReport} from '../../src/core/providers/copilotOrg.js';
import {OpenAIAdminProvider} from '../../src/core/providers/openaiAdmin.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys} from '../../src/core/settings.js';
import {
    budgetWindow, burnRate, periodTotals, runway, spendWindowStart, utcDayStart, utcMonthStart,
    type DailySpend, type SpendSettings,
} from '../../src/core/spend.js';
import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {
    fetchContext, loopbackHttp, makeTempDir, providerDeps, removeTree, testEnvironment, testSettings, type TestEnvironment,
} from '../support/helpers.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const day = (iso: string, cost: number): DailySpend =>
    ({start: Date.parse(`${iso}T00:00:00Z`), cost, inputTokens: null, outputTokens: null, requests: null});
const settings = (s: Partial<SpendSettings> = {}): SpendSettings => ({budget: 0, burnDays: 7, balance: null, ...s});
/** A billing provider's deps: its budget, balance or organisation in clean settings, the test keyring. */
function billingDeps(secrets: SecretStore, id: string, s: {budget?: number; balance?: {amount: number; setAt: number};
    org?: {name: string; enterprise: boolean};} = {}): ProviderDeps {
    const settings = testSettings();
    if (s.budget !== undefined)
        settings.setEntry(Keys.budgets, id, s.budget);
    if (s.balance !== undefined)
        settings.setEntry(Keys.balances, id, [s.balance.amount, s.balance.setAt]);
    if (s.org !== undefined) {
        settings.set(COPILOT_ORG, s.org.name);
        settings.set(COPILOT_ORG_ENTERPRISE, s.org.enterprise);
    }
    return providerDeps(settings, secrets);
}
function must<T>(value: T | null | undefined): T {
    if (value === null || value === undefined)
        throw new Error('missing');
    return value;
}

describe('spend arithmetic', () => {
    it('counts billing days in UTC, whatever the local time zone', () => {
        // 00:30 on 1 November in Paris is still 31 October in UTC.
        const paris = Date.parse('2026-11-01T00:30:00+01:00');
        expect(utcDayStart(paris)).toBe(Date.UTC(2026, 9, 31));
        expect(utcMonthStart(paris)).toBe(Date.UTC(2026, 9, 1));
    });

    it('asks for 30 days, or back to the month start on the 31st', () => {
        expect(spendWindowStart(NOW)).toBe(Date.UTC(2026, 9, 25));
        expect(spendWindowStart(Date.UTC(2026, 11, 31, 8))).toBe(Date.UTC(2026, 11, 1));
    });

    it('sums periods and leaves tokens unknown when no day reported them', () => {
        const days = [day('2026-10-20', 100), day('2026-11-01', 5), day('2026-11-23', 2)];
        expect(periodTotals(days, utcMonthStart(NOW))).toEqual({cost: 7, inputTokens: null, outputTokens: null, requests: null});
        expect(periodTotals([], NOW).cost).toBe(0);
    });

    it('averages the burn rate over the chosen days, today included', () => {
        const days = [day('2026-11-17', 70), day('2026-11-20', 7), day('2026-11-23', 14)];
        expect(burnRate(days, 7, NOW)).toBeCloseTo((70 + 7 + 14) / 7, 9);
        expect(burnRate(days, 1, NOW)).toBe(14);
    });

    it('takes the spend since a balance was entered off it, and says how long the rest lasts', () => {
        const days = [day('2026-11-10', 50), day('2026-11-20', 10), day('2026-11-23', 4)];
        const r = runway(days, settings({balance: {amount: 100, setAt: Date.parse('2026-11-20T15:00:00Z')}, burnDays: 7}), NOW);
        expect(r?.remaining).toBe(86); // 100 − (10 + 4): the day it was entered counts
        expect(r?.burnPerDay).toBeCloseTo(2, 9);
        expect(r?.daysLeft).toBeCloseTo(43, 9);
        expect(r?.runsOutAt).toBe(NOW + 43 * DAY);
        expect(formatRunway(must(r), 'USD').pace).toBe('$2.00 a day over 7 days: lasts 43 d (until 5 Jan)');
    });

    it('says when a balance is used up, and when nothing is being spent', () => {
        const spent = runway([day('2026-11-22', 80), day('2026-11-23', 40)],
            settings({balance: {amount: 100, setAt: Date.UTC(2026, 10, 21)}}), NOW);
        expect([spent?.remaining, spent?.daysLeft]).toEqual([0, 0]);
        expect(formatRunway(must(spent), 'USD').pace).toContain('the balance is used up');
        const idle = runway([], settings({balance: {amount: 100, setAt: Date.UTC(2026, 10, 1)}}), NOW);
        expect([idle?.remaining, idle?.daysLeft, idle?.runsOutAt]).toEqual([100, null, null]);
        expect(runway([], settings(), NOW)).toBeNull();
    });

    it('turns a monthly budget into a limit that resets with the month', () => {
        const w = budgetWindow(150, settings({budget: 200}), NOW);
        expect(w?.usedPercent).toBe(75);
        expect(w?.resetsAt).toBe(Date.UTC(2026, 11, 1));
        expect(w?.windowSeconds).toBe(30 * 86_400);
        expect(budgetWindow(150, settings(), NOW)).toBeNull();
    });

    it('encodes report parameters, brackets included', () => {
        expect(withQuery('https://x/r', [['group_by[]', 'model'], ['starting_at', '2026-11-01T00:00:00.000Z']]))
            .toBe('https://x/r?group_by%5B%5D=model&starting_at=2026-11-01T00%3A00%3A00.000Z');
    });
});

describe('billing providers against loopback fixtures', () => {
    let server: FixtureServer;
    let env: TestEnvironment;
    const secrets = new SecretStore();
    beforeEach(() => {
        server = new FixtureServer();
        env = testEnvironment(makeTempDir());
        env.clock = NOW;
    });
    afterEach(async () => {
        server.destroy();
        removeTree(env.homeDir);
        await secrets.clear('openai', 'admin-key');
        await secrets.clear('copilot-org', 'admin-key');
    });
    const fetch = async (provider: {fetch: (ctx: ReturnType<typeof fetchContext>) => Promise<UsageSnapshot[]>}): Promise<UsageSnapshot> => {
        const [snapshot] = await provider.fetch(fetchContext(env, loopbackHttp(server.baseUrl)));
        if (!snapshot)
            throw new Error('no snapshot');
        return snapshot;
    };

    function routeOpenAI(): void {
        server.route('api.openai.com/v1/organization/costs', query => ({status: 200,
            body: fixtureJson(query['page'] === 'page_AAAA' ? 'spend/openai-costs-2.json' : 'spend/openai-costs-1.json')}));
        server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: fixtureJson('spend/openai-completions.json')});
    }

    it('OpenAI: follows every page, sums periods, groups line items by model, adds tokens and requests', async () => {
        routeOpenAI();
        env.vars['OPENAI_ADMIN_KEY'] = '"sk-admin-FIXTURE"';
        const s = await fetch(new OpenAIAdminProvider(billingDeps(secrets, 'openai', {budget: 20})));
        const costs = server.requestsTo('api.openai.com/v1/organization/costs');
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

    it('OpenAI: stops at a cursor it has seen, keeping every page read (no 50 requests, no failure)', async () => {
        server.route('api.openai.com/v1/organization/costs', query => ({status: 200, body: query['page'] === undefined
            ? fixtureJson('spend/openai-costs-1.json') : {...fixtureJson('spend/openai-costs-2.json') as object,
                has_more: true, next_page: 'page_AAAA'}}));
        server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: fixtureJson('spend/openai-completions.json')});
        env.vars['OPENAI_ADMIN_KEY'] = 'sk-admin-FIXTURE';
        const s = await fetch(new OpenAIAdminProvider(billingDeps(secrets, 'openai')));
        expect(server.requestsTo('api.openai.com/v1/organization/costs').length).toBe(2);
        expect(s.error).toBeNull();
        expect(must(s.spend).last30Days.cost).toBe(21.75);
    });

    it('OpenAI: shows the usage report when the cost report fails, and says what is missing', async () => {
        server.route('api.openai.com/v1/organization/costs', {status: 500, body: {}});
        server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: fixtureJson('spend/openai-completions.json')});
        env.vars['OPENAI_ADMIN_KEY'] = 'sk-admin-FIXTURE';
        const s = await fetch(new OpenAIAdminProvider(billingDeps(secrets, 'openai', {budget: 20})));
        expect(s.updatedAt).toBe(NOW);
        expect(must(s.spend).last30Days.inputTokens).toBe(1500);
        expect(must(s.spend).hasCost).toBeFalse();
        expect(s.windows).toEqual([]); // no budget bar from a cost that is not known
        expect(s.error?.kind).toBe('server');
        expect(s.error?.message).toContain('cost report');
    });

    it('Anthropic: shows the cost report when the usage report fails', async () => {
        server.route('api.anthropic.com/v1/organizations/cost_report', query => ({status: 200,
            body: fixtureJson(query['page'] ? 'spend/anthropic-cost-2.json' : 'spend/anthropic-cost-1.json')}));
        server.route('api.anthropic.com/v1/organizations/usage_report/messages', {status: 503, body: {}});
        server.route('api.anthropic.com/v1/organizations/usage_report/claude_code', {status: 200, body: {data: [], has_more: false}});
        env.vars['ANTHROPIC_ADMIN_KEY'] = 'sk-ant-admin01-FIXTURE';
        const s = await fetch(new AnthropicAdminProvider(billingDeps(secrets, 'anthropic')));
        expect(must(s.spend).hasCost).toBeTrue();
        expect(must(s.spend).last30Days.cost).toBeGreaterThan(0);
        expect(s.error?.message).toContain('usage report');
    });

    it('OpenAI: a key from the keyring, and a clear message for a key of the wrong kind', async () => {
        server.route('api.openai.com/v1/organization/costs', {status: 403, body: {error: {message: 'insufficient permissions'}}});
        server.route('api.openai.com/v1/organization/usage/completions', {status: 403, body: {}});
        await secrets.store('openai', 'admin-key', 'test', 'sk-proj-NOT-ADMIN');
        const s = await fetch(new OpenAIAdminProvider(billingDeps(secrets, 'openai')));
        expect(server.requestsTo('api.openai.com/v1/organization/costs')[0]?.headers['authorization']).toBe('Bearer sk-proj-NOT-ADMIN');
        expect(s.error?.kind).toBe('scope');
        expect(s.error?.hint).toContain('OpenAI Admin key');
    });

    it('OpenAI: without a key, says how to set one up (no request)', async () => {
        const s = await fetch(new OpenAIAdminProvider(billingDeps(secrets, 'openai')));
        expect(s.error?.kind).toBe('not-configured');
        expect(s.error?.hint).toContain('OPENAI_ADMIN_KEY');
        expect(server.requests.length).toBe(0);
    });

    it('Anthropic: cents as decimal strings, every page, tokens with cache, and Claude Code analytics', async () => {
        server.route('api.anthropic.com/v1/organizations/cost_report', query => ({status: 200,
            body: fixtureJson(query['page'] === 'page_2' ? 'spend/anthropic-cost-2.json' : 'spend/anthropic-cost-1.json')}));
        server.route('api.anthropic.com/v1/organizations/usage_report/messages', {status: 200, body: fixtureJson('spend/anthropic-messages.json')});
        server.route('api.anthropic.com/v1/organizations/usage_report/claude_code', query => ({status: 200,
            body: query['starting_at'] === '2026-11-23' ? fixtureJson('spend/anthropic-claude-code.json') : {data: [], has_more: false, next_page: null}}));
        env.vars['ANTHROPIC_ADMIN_KEY'] = 'sk-ant-admin01-FIXTURE';
        const s = await fetch(new AnthropicAdminProvider(billingDeps(secrets, 'anthropic', {balance: {amount: 20, setAt: Date.UTC(2026, 10, 23)}})));
        const request = server.requestsTo('api.anthropic.com/v1/organizations/cost_report')[0];
        expect(request?.headers['x-api-key']).toBe('sk-ant-admin01-FIXTURE');
        expect(request?.headers['anthropic-version']).toBe('2023-06-01');
        expect(request?.query['group_by[]']).toBe('description');
        const spend = must(s.spend);
        expect(spend.monthToDate.cost).toBeCloseTo(14.845, 9);
        expect(spend.today.cost).toBeCloseTo(2.5, 9);
        expect([spend.today.inputTokens, spend.today.outputTokens, spend.today.requests]).toEqual([1175, 300, null]);
        expect(spend.parts.map(p => p.name)).toEqual(['claude-sonnet-4-5-20250929', 'Web search']);
        expect(spend.runway?.remaining).toBeCloseTo(17.5, 9);
        expect(server.requestsTo('api.anthropic.com/v1/organizations/usage_report/claude_code').length).toBe(7);
        expect(spend.figures).toEqual([
            {label: 'Claude Code, 7 days', value: '2 users, 4 sessions, $1.50 estimated'},
            {label: 'Lines added / removed', value: '+125 / −30'},
            {label: 'Commits / pull requests', value: '2 / 1'},
        ]);
    });

    it('Anthropic: parses empty periods and unknown fields without failing', () => {
        const parsed = parseAnthropicCosts([{starting_at: '2026-11-20T00:00:00Z', results: []}, {starting_at: 'garbage', results: []},
            {starting_at: '2026-11-21T00:00:00Z', results: [{amount: '100', currency: 'USD', new_field: true}]}], 0);
        expect(parsed.days.map(d => d.cost)).toEqual([0, 1]);
        expect([...parsed.parts]).toEqual([['Other', 1]]);
    });

    it('Copilot organisation: downloads the signed report links without the token and sums the days', async () => {
        server.route('api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest',
            {status: 200, body: fixtureJson('spend/copilot-org-report.json')});
        server.route('copilot-reports.example.com/acme/report-1.ndjson', {status: 200, body: fixtureText('spend/copilot-org-report-1.ndjson')});
        server.route('copilot-reports.example.com/acme/report-2.ndjson', {status: 200, body: fixtureText('spend/copilot-org-report-2.ndjson')});
        await secrets.store('copilot-org', 'admin-key', 'test', 'ghp_FIXTUREORGTOKEN0000000');
        const s = await fetch(new CopilotOrgProvider(billingDeps(secrets, 'copilot-org', {org: {name: 'acme', enterprise: false}})));
        expect(server.requestsTo('api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest')[0]?.headers['authorization'])
            .toBe('Bearer ghp_FIXTUREORGTOKEN0000000');
        const download = server.requestsTo('copilot-reports.example.com/acme/report-1.ndjson')[0];
        expect(download?.query['sig']).toBe('SIGNED');
        expect(download?.headers['authorization']).toBeUndefined();
        expect(s.accountLabel).toBe('acme');
        expect(s.spend?.hasCost).toBeFalse();
        expect(s.spend?.figures).toEqual([
            {label: 'Report', value: '2 days to 2026-11-22'},
            {label: 'Active users', value: '15 daily, 21 weekly, 25 monthly'},
            {label: 'Interactions', value: '100'},
            {label: 'Code suggestions', value: '300'},
            {label: 'Suggestions accepted', value: '100'},
            {label: 'Lines added', value: '500'},
            {label: 'Acceptance rate', value: '33%'},
            {label: 'agent edit', value: '4'},
        ]);
    });

    it('Copilot organisation: names the scope when GitHub refuses, and reads enterprise reports', async () => {
        server.route('api.github.com/enterprises/big-co/copilot/metrics/reports/enterprise-28-day/latest',
            {status: 403, body: {message: 'Resource not accessible'}});
        await secrets.store('copilot-org', 'admin-key', 'test', 'ghp_FIXTUREORGTOKEN0000000');
        const s = await fetch(new CopilotOrgProvider(billingDeps(secrets, 'copilot-org', {org: {name: 'big-co', enterprise: true}})));
        expect(s.error?.kind).toBe('scope');
        expect(s.error?.hint).toContain('manage_billing:copilot');
        const none = await fetch(new CopilotOrgProvider(billingDeps(secrets, 'copilot-org', {org: {name: '', enterprise: false}})));
        expect(none.error?.kind).toBe('not-configured');
    });

    it('Copilot organisation: keeps the last record of a day and ignores broken lines', () => {
        const m = parseCopilotReport(['{"day":"2026-11-01","daily_active_users":3}\n{', '{"day_totals":[{"day":"2026-11-02"}]}']);
        expect([m.days, m.dailyActiveUsers, m.lastDay]).toEqual([2, null, '2026-11-02']);
        expect(copilotFigures(m)).toEqual([{label: 'Report', value: '2 days to 2026-11-02'}]);
    });
});
