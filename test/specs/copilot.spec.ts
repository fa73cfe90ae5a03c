import Gio from 'gi://Gio';

import {formatBalance, formatLimitValue} from '../../src/core/format.js';
import type {HttpClient} from '../../src/core/http.js';
import {
    COPILOT_ACCOUNTS, CopilotProvider, githubLogin, parseCopilotUsage,
} from '../../src/core/providers/copilot.js';
import {SecretStore} from '../../src/core/secrets.js';
import {FixtureServer, fixtureJson} from '../support/fixtureServer.js';
import {
    type TestEnvironment, fetchContext, loopbackHttp, makeTempDir, providerDeps, testEnvironment,
    testSettings,
} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

/** The provider with `logins` signed in (in the settings; their tokens in the test keyring). */
function copilot(logins: string[]): CopilotProvider {
    const settings = testSettings();
    settings.set(COPILOT_ACCOUNTS, logins);
    return new CopilotProvider(providerDeps(settings));
}

const COPILOT = 'api.github.com/copilot_internal/user';

describe('parseCopilotUsage()', () => {
    it('shows AI credits as a bar and unlimited quotas as such, without guessing the plan from "individual" alone', () => {
        const usage = parseCopilotUsage(fixtureJson('copilot/user-individual.json'));
        expect(usage.plan).toBeNull();
        expect(usage.windows.map(w => [w.label, w.usedPercent])).toEqual([['AI credits', 30]]);
        expect(usage.balances.map(b => [b.label, b.unlimited])).toEqual([['Chat', true], ['Completions', true]]);
        expect(usage.windows[0]?.resetsAt).toBe(Date.UTC(2100, 0, 1));
    });

    it('reads the free plan\'s monthly allowances, numbers given as strings too', () => {
        const usage = parseCopilotUsage(fixtureJson('copilot/user-free.json'));
        expect(usage.windows.map(w => [w.id, w.usedPercent])).toEqual([['chat', 76], ['completions', 25]]);
    });

    it('derives the percentage from remaining/entitlement and lets usage run over', () => {
        const usage = parseCopilotUsage({quota_snapshots: {premium_interactions: {entitlement: 300, remaining: -30}}});
        expect(usage.windows[0]?.usedPercent).toBeCloseTo(110, 6);
    });

    it('treats a zero entitlement with nothing left as a placeholder, not a limit', () => {
        const usage = parseCopilotUsage({quota_snapshots: {chat: {entitlement: 0, remaining: 0}}});
        expect([usage.windows, usage.balances]).toEqual([[], []]);
    });
});

describe('githubLogin()', () => {
    let server: FixtureServer;
    let http: HttpClient;
    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('finds the login a token belongs to', async () => {
        server.route('api.github.com/user', {status: 200, body: {login: 'octocat', id: 1}});
        expect(await githubLogin(http, 'gho_FIXTURE', new Gio.Cancellable())).toBe('octocat');
        expect(server.requestsTo('api.github.com/user')[0]?.headers['authorization']).toBe('token gho_FIXTURE');
    });
});

describe('CopilotProvider with the keyring', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    const secrets = new SecretStore();

    beforeEach(async () => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir());
        server.route(COPILOT, {status: 200, body: fixtureJson('copilot/user-individual.json')});
        await secrets.store('copilot', 'octocat', 'spec token', 'gho_FIXTURE_OCTOCAT');
    });
    afterEach(async () => {
        await secrets.clear('copilot', 'octocat');
        http.destroy();
        server.destroy();
    });

    it('stores, finds and clears a token in the real keyring', async () => {
        expect(await secrets.lookup('copilot', 'octocat')).toBe('gho_FIXTURE_OCTOCAT');
        expect(await secrets.lookup('copilot', 'nobody')).toBeNull();
        await secrets.clear('copilot', 'octocat');
        expect(await secrets.lookup('copilot', 'octocat')).toBeNull();
    });

    it('sends the keyring token with the editor headers and fills the contract', async () => {
        const [snapshot] = await copilot(['octocat']).fetch(fetchContext(env, http));
        const request = server.requestsTo(COPILOT)[0];
        expect(request?.headers['authorization']).toBe('token gho_FIXTURE_OCTOCAT');
        expect(request?.headers['editor-version']).toMatch(/^vscode\//);
        expect(snapshot?.accountLabel).toBe('octocat');
        expect(snapshot?.accountId).toBe('github:octocat');
        expect(snapshot?.windows[0]?.usedPercent).toBe(30);
    });

    it('asks to sign in again when the keyring lost the token', async () => {
        const [snapshot] = await copilot(['ghost']).fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('auth');
        expect(snapshot?.accountLabel).toBe('ghost');
        expect(server.requests.length).toBe(0);
    });

    it('is "not set up" without any GitHub account', async () => {
        const [snapshot] = await copilot([]).fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('not-configured');
    });

    it('names the account when GitHub refuses it', async () => {
        server.route(COPILOT, {status: 403, body: {message: 'Resource not accessible'}});
        const [snapshot] = await copilot(['octocat']).fetch(fetchContext(env, http));
        expect(snapshot?.error?.message).toContain('octocat');
    });
});

// Copilot's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.

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
        {file: 'user-enterprise-seat-business-plan.json', plan: 'Enterprise', windows: [['AI credits', 24.5, '245 / 1,000 credits']],
            balances: ['Chat unlimited', 'Completions unlimited'], resetsAt: Date.UTC(2100, 1, 1)},
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
