import Gio from 'gi://Gio';

import {pollForToken, requestDeviceCode} from '../../src/core/deviceFlow.js';
import {isCancelled} from '../../src/core/errors.js';
import type {HttpClient} from '../../src/core/http.js';
import {COPILOT_ACCOUNTS, CopilotProvider, GITHUB_DEVICE_FLOW, githubLogin, parseCopilotUsage} from '../../src/core/providers/copilot.js';
import {SecretStore} from '../../src/core/secrets.js';
import {FixtureServer, fixtureJson} from '../support/fixtureServer.js';
import type {TestEnvironment} from '../support/helpers.js';
import {fetchContext, loopbackHttp, makeTempDir, providerDeps, providerErrorFrom, testEnvironment, testSettings} from '../support/helpers.js';

/** The provider with `logins` signed in (in the settings; their tokens in the test keyring). */
function copilot(logins: string[]): CopilotProvider {
    const settings = testSettings();
    settings.set(COPILOT_ACCOUNTS, logins);
    return new CopilotProvider(providerDeps(settings));
}

const COPILOT = 'api.github.com/copilot_internal/user';
const CODE = 'github.com/login/device/code';
const TOKEN = 'github.com/login/oauth/access_token';

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

describe('the GitHub device flow', () => {
    let server: FixtureServer;
    let http: HttpClient;
    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        server.route(CODE, {status: 200, body: {device_code: 'dev-123', user_code: 'ABCD-1234',
            verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 0}});
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('asks for a code with the Copilot client id and read:user', async () => {
        const code = await requestDeviceCode(http, GITHUB_DEVICE_FLOW, 0, new Gio.Cancellable());
        expect(code.userCode).toBe('ABCD-1234');
        expect(code.expiresAt).toBe(900_000);
        expect(server.requestsTo(CODE)[0]?.method).toBe('POST');
    });

    it('polls through "pending" and "slow down" until the token comes', async () => {
        const answers = [{error: 'authorization_pending'}, {error: 'slow_down', interval: -4.9}, {access_token: 'gho_FIXTURE'}];
        server.route(TOKEN, {status: 200, body: answers[0]});
        const code = {...await requestDeviceCode(http, GITHUB_DEVICE_FLOW, Date.now(), new Gio.Cancellable()), intervalSeconds: 0};
        let polls = 0;
        const poll = pollForToken(http, GITHUB_DEVICE_FLOW, code, () => {
            // Each poll moves to the next scripted answer.
            server.route(TOKEN, {status: 200, body: answers[Math.min(polls, answers.length - 1)]});
            polls++;
            return Date.now();
        }, new Gio.Cancellable(), 0);
        expect(await poll).toBe('gho_FIXTURE');
        expect(server.requestsTo(TOKEN).length).toBe(3);
    });

    it('fails clearly when the user declines or the code expires', async () => {
        const code = {...await requestDeviceCode(http, GITHUB_DEVICE_FLOW, Date.now(), new Gio.Cancellable()), intervalSeconds: 0};
        server.route(TOKEN, {status: 200, body: {error: 'access_denied'}});
        expect((await providerErrorFrom(() => pollForToken(http, GITHUB_DEVICE_FLOW, code, () => Date.now(),
            new Gio.Cancellable(), 0))).message).toContain('declined');
        const expired = {...code, expiresAt: 0};
        expect((await providerErrorFrom(() => pollForToken(http, GITHUB_DEVICE_FLOW, expired, () => Date.now(),
            new Gio.Cancellable()))).message).toContain('expired');
    });

    it('stops polling as soon as it is cancelled', async () => {
        const code = {...await requestDeviceCode(http, GITHUB_DEVICE_FLOW, Date.now(), new Gio.Cancellable()),
            intervalSeconds: 30};
        const cancellable = new Gio.Cancellable();
        setTimeout(() => cancellable.cancel(), 50);
        let outcome: unknown = null;
        try {
            await pollForToken(http, GITHUB_DEVICE_FLOW, code, () => Date.now(), cancellable);
        } catch (error) {
            outcome = error;
        }
        expect(isCancelled(outcome)).toBeTrue();
        expect(server.requestsTo(TOKEN).length).toBe(0);
    });

    it('polls no faster than GitHub allows, whatever interval the server sends', async () => {
        const code = await requestDeviceCode(http, GITHUB_DEVICE_FLOW, 0, new Gio.Cancellable());
        expect(code.intervalSeconds).toBe(5);
    });

    it('opens only an https page on github.com', async () => {
        for (const page of ['http://github.com/login/device', 'https://github.com.evil.example/login/device',
            'https://user@evil.example/login', 'javascript:alert(1)', 'not a uri']) {
            server.route(CODE, {status: 200, body: {device_code: 'd', user_code: 'U', verification_uri: page}});
            expect((await providerErrorFrom(() => requestDeviceCode(http, GITHUB_DEVICE_FLOW, 0, new Gio.Cancellable())))
                .message).toContain('not its own');
        }
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
