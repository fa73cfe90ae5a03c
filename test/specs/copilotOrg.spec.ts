import {CopilotOrgProvider, copilotFigures, parseCopilotReport} from '../../src/core/providers/copilotOrg.js';
import {BillingFixture} from '../support/billing.js';
import {fixtureJson, fixtureText} from '../support/fixtureServer.js';

describe('CopilotOrgProvider against a loopback server', () => {
    const f = BillingFixture.eachSpec();

    it('downloads the signed report links without the token and sums the days', async () => {
        f.server.route('api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest',
            {status: 200, body: fixtureJson('spend/copilot-org-report.json')});
        f.server.route('copilot-reports.example.com/acme/report-1.ndjson', {status: 200, body: fixtureText('spend/copilot-org-report-1.ndjson')});
        f.server.route('copilot-reports.example.com/acme/report-2.ndjson', {status: 200, body: fixtureText('spend/copilot-org-report-2.ndjson')});
        await f.storeKey('copilot-org', 'ghp_FIXTUREORGTOKEN0000000');
        const s = await f.fetch(new CopilotOrgProvider(f.deps('copilot-org', {org: {name: 'acme', enterprise: false}})));
        expect(f.server.requestsTo('api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest')[0]?.headers['authorization'])
            .toBe('Bearer ghp_FIXTUREORGTOKEN0000000');
        const download = f.server.requestsTo('copilot-reports.example.com/acme/report-1.ndjson')[0];
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

    it('names the scope when GitHub refuses, and reads enterprise reports', async () => {
        f.server.route('api.github.com/enterprises/big-co/copilot/metrics/reports/enterprise-28-day/latest',
            {status: 403, body: {message: 'Resource not accessible'}});
        await f.storeKey('copilot-org', 'ghp_FIXTUREORGTOKEN0000000');
        const s = await f.fetch(new CopilotOrgProvider(f.deps('copilot-org', {org: {name: 'big-co', enterprise: true}})));
        expect(s.error?.kind).toBe('scope');
        expect(s.error?.hint).toContain('manage_billing:copilot');
        const none = await f.fetch(new CopilotOrgProvider(f.deps('copilot-org', {org: {name: '', enterprise: false}})));
        expect(none.error?.kind).toBe('not-configured');
    });

    it('keeps the last record of a day and ignores broken lines', () => {
        const m = parseCopilotReport(['{"day":"2026-11-01","daily_active_users":3}\n{', '{"day_totals":[{"day":"2026-11-02"}]}']);
        expect([m.days, m.dailyActiveUsers, m.lastDay]).toEqual([2, null, '2026-11-02']);
        expect(copilotFigures(m)).toEqual([{label: 'Report', value: '2 days to 2026-11-02'}]);
    });
});
