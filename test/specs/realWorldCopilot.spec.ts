// Copilot's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.

import {formatBalance, formatLimitValue} from '../../src/core/format.js';
import type {HttpClient} from '../../src/core/http.js';
import {COPILOT_ACCOUNTS, CopilotProvider, parseCopilotUsage} from '../../src/core/providers/copilot.js';
import {SecretStore} from '../../src/core/secrets.js';
import {FixtureServer} from '../support/fixtureServer.js';
import {fetchContext, loopbackHttp, makeTempDir, providerDeps, testEnvironment, testSettings} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const COPILOT = 'api.github.com/copilot_internal/user';
const JAN_1_2100 = Date.UTC(2100, 0, 1);

interface Case {
    file: string;
    plan: string;
    /** Label, percent used (one decimal), value as shown. */
    windows: [string, number, string][];
    /** Label and value as shown. */
    balances: string[];
    note?: boolean;
    resetsAt?: number;
}

describe('Copilot real-world user answers', () => {
    const cases: Case[] = [
        {file: 'user-free-limited-legacy.json', plan: 'Free', windows: [['Chat', 50, '50%'], ['Completions', 25, '25%']],
            balances: [], resetsAt: Date.UTC(2100, 0, 15)},
        {file: 'user-free-limited-reset-epoch.json', plan: 'Free', windows: [['Chat', 100, '100%'], ['Completions', 100, '100%']],
            balances: [], resetsAt: JAN_1_2100},
        {file: 'user-free-2026.json', plan: 'Free', windows: [['Chat', 9, '9%'], ['Completions', 0.5, '1%']], balances: [],
            resetsAt: Date.UTC(2100, 0, 27)},
        {file: 'user-pro.json', plan: 'Pro', windows: [['AI credits', 36, '359.6 / 1,000 credits']],
            balances: ['Chat unlimited', 'Completions unlimited'], resetsAt: JAN_1_2100},
        {file: 'user-pro-plus.json', plan: 'Pro+', windows: [['AI credits', 59, '885 / 1,500 credits']],
            balances: ['Chat unlimited', 'Completions unlimited', 'AI credits beyond the allowance 36']},
        {file: 'user-max.json', plan: 'Max', windows: [['AI credits', 36.3, '7,258 / 20,000 credits']], balances: ['Chat unlimited']},
        {file: 'user-business-token-billing.json', plan: 'Business', windows: [],
            balances: ['Chat unlimited', 'Completions unlimited', 'AI credits used this cycle 2,111'], note: true},
        {file: 'user-business-placeholders-no-credits.json', plan: 'Business', windows: [], balances: [], note: true},
        {file: 'user-enterprise.json', plan: 'Enterprise', windows: [['AI credits', 4.2, '2,061,618 / 50,000,000 credits']], balances: []},
        {file: 'user-enterprise-all-unlimited.json', plan: 'Enterprise', windows: [],
            balances: ['AI credits unlimited', 'Chat unlimited', 'Completions unlimited']},
        {file: 'user-unlimited-as-string.json', plan: 'Enterprise', windows: [['AI credits', 75, '750 / 1,000 credits']],
            balances: ['Chat unlimited', 'Completions unlimited']},
        {file: 'user-over-quota.json', plan: 'Pro', windows: [['AI credits', 112.5, '300 / 300 credits']],
            balances: ['AI credits beyond the allowance 37.5']},
    ];
    for (const {file, plan, windows, balances, note, resetsAt} of cases) {
        it(`reads ${file} as ${plan}`, () => {
            const usage = parseCopilotUsage(realWorldJson(`copilot/real-world/${file}`));
            expect(usage.plan).toBe(plan);
            expect(usage.windows.map(w => [w.label, Math.round(w.usedPercent * 10) / 10, formatLimitValue(w)])).toEqual(windows);
            expect(usage.windows.every(w => w.money === undefined)).toBeTrue();
            expect(usage.balances.map(b => `${b.label} ${formatBalance(b)}`)).toEqual(balances);
            expect(usage.note !== null).toBe(note === true);
            if (resetsAt !== undefined)
                expect(usage.windows.map(w => w.resetsAt)).toEqual(windows.map(() => resetsAt));
        });
    }
});

describe('CopilotProvider with real-world answers', () => {
    const secrets = new SecretStore();
    let server: FixtureServer;
    let http: HttpClient;

    beforeEach(async () => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        await secrets.store('copilot', 'octocat', 'spec token', 'gho_FIXTURE_OCTOCAT');
    });
    afterEach(async () => {
        await secrets.clear('copilot', 'octocat');
        http.destroy();
        server.destroy();
    });

    it('says a 404 means the account has no Copilot, keeping the account and printing no JSON', async () => {
        server.route(COPILOT, realWorldRoute('copilot/real-world/user-404.json'));
        const settings = testSettings();
        settings.set(COPILOT_ACCOUNTS, ['octocat']);
        const [snapshot] = await new CopilotProvider(providerDeps(settings, secrets))
            .fetch(fetchContext(testEnvironment(makeTempDir()), http));
        expect(snapshot?.error?.kind).toBe('not-configured');
        expect(snapshot?.error?.message).toBe('This GitHub account has no Copilot subscription.');
        expect(`${snapshot?.error?.message} ${snapshot?.error?.hint}`).not.toContain('{');
        expect(snapshot?.accountLabel).toBe('octocat');
    });

    it('explains a token-billed seat calmly instead of failing', async () => {
        server.route(COPILOT, realWorldRoute('copilot/real-world/user-business-placeholders-no-credits.json'));
        const settings = testSettings();
        settings.set(COPILOT_ACCOUNTS, ['octocat']);
        const [snapshot] = await new CopilotProvider(providerDeps(settings, secrets))
            .fetch(fetchContext(testEnvironment(makeTempDir()), http));
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.plan).toBe('Business');
        expect(snapshot?.note).toContain('per token');
    });
});
