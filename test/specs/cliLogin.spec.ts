// `login` and `logout` from the CLI, driven directly against loopback servers: a fake token
// endpoint (Claude's pasted code, Codex's loopback callback) and a fake GitHub device flow.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';

import {parseArgs} from '../../src/cli/args.js';
import {login, logout, signInProviders, type LoginContext} from '../../src/cli/login.js';
import type {HttpClient} from '../../src/core/http.js';
import {ownSignInFindings} from '../../src/core/diagnosis.js';
import {OwnTokenStore} from '../../src/core/ownSignIn.js';
import type {Provider} from '../../src/core/provider.js';
import {COPILOT_ACCOUNTS} from '../../src/core/providers/copilot.js';
import {createProviders} from '../../src/core/registry.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys, type Settings} from '../../src/core/settings.js';
import {FixtureServer} from '../support/fixtureServer.js';
import {loopbackHttp, makeTempDir, providerDeps, testEnvironment, testSettings, until} from '../support/helpers.js';

Gio._promisify(Soup.Session.prototype, 'send_and_read_async', 'send_and_read_finish');

const ACCESS = 'sk-ant-oat01-CLI-LOGIN-ACCESS';
const GITHUB_TOKEN = 'gho_FIXTURE_CLI_LOGIN';

describe('the CLI login and logout', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let settings: Settings;
    let secrets: SecretStore;
    let providers: Provider[];
    let out: string[];
    let err: string[];
    let lines: (() => Promise<string | null>);

    const provider = (id: string): Provider => {
        const found = providers.find(p => p.id === id);
        if (found === undefined)
            throw new Error(`no provider ${id}`);
        return found;
    };
    const context = (): LoginContext => ({env: testEnvironment(makeTempDir()), http, tokens: new OwnTokenStore(secrets),
        settings, cancellable: new Gio.Cancellable(),
        io: {out: text => out.push(text), err: text => err.push(text), readLine: () => lines()}, minPollSeconds: 0});
    const stateShown = (): string => decodeURIComponent(/[?&]state=([^&\s]+)/.exec(out.join('\n'))?.[1] ?? '');

    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        settings = testSettings();
        secrets = new SecretStore();
        providers = createProviders(providerDeps(settings, secrets));
        out = [];
        err = [];
        lines = () => Promise.resolve(null);
        const tokens = {status: 200, body: {access_token: ACCESS, refresh_token: 'rt-cli', expires_in: 3600}};
        server.route('console.anthropic.com/v1/oauth/token', tokens);
        server.route('auth.openai.com/oauth/token', tokens);
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('offers the providers that have a sign-in of their own, and parses their commands', () => {
        const ids = providers.map(p => p.id);
        const signIns = signInProviders(providers);
        expect(signIns).toEqual(['claude', 'codex', 'copilot']);
        expect(parseArgs(['login', 'codex'], ids, signIns)).toEqual({name: 'login', provider: 'codex'});
        expect(parseArgs(['logout', 'copilot', 'octocat'], ids, signIns)).toEqual({name: 'logout', provider: 'copilot', account: 'octocat'});
        expect(() => parseArgs(['login', 'gemini'], ids, signIns)).toThrowError(/login needs a provider/);
        expect(() => parseArgs(['login'], ids, signIns)).toThrowError(/login needs a provider/);
    });

    it('Claude: shows the address, takes the pasted code, keeps the tokens in the keyring like the preferences', async () => {
        lines = () => Promise.resolve(`  pasted-code#${stateShown()}\n`);
        const ctx = context();
        expect(await login(ctx, provider('claude'))).toBe(0);
        expect(out[0]).toContain('https://claude.ai/oauth/authorize?code=true&response_type=code');
        const [account] = settings.get(Keys.ownSignIns)['claude'] ?? [];
        expect(account).toBeDefined();
        expect((await ctx.tokens.load('claude', account ?? ''))?.accessToken).toBe(ACCESS);
        const exchange = server.requestsTo('console.anthropic.com/v1/oauth/token');
        expect(exchange.length).toBe(1);
        expect([...out, ...err].join('\n')).not.toContain(ACCESS);

        const findings = await ownSignInFindings(ctx.tokens, 'claude', [account ?? ''], 'claude');
        expect(findings.map(f => [f.scope, f.status])).toEqual([[`claude own sign-in ${account ?? ''}`, 'ok']]);

        expect(await logout(ctx, provider('claude'), null)).toBe(0);
        expect(settings.get(Keys.ownSignIns)['claude']).toEqual([]);
        expect(await ctx.tokens.load('claude', account ?? '')).toBeNull();
    });

    it('Claude: refuses a code that belongs to another sign-in, and stores nothing', async () => {
        lines = () => Promise.resolve('pasted-code#forged-state');
        expect(await login(context(), provider('claude'))).toBe(1);
        expect(err.join('\n')).toContain('does not belong to this sign-in');
        expect(server.requestsTo('console.anthropic.com/v1/oauth/token').length).toBe(0);
        expect(settings.get(Keys.ownSignIns)['claude']).toBeUndefined();
    });

    it('Codex: receives the code on the loopback callback (port 1455)', async () => {
        const ctx = context();
        const done = login(ctx, provider('codex'));
        // The address is printed once the callback listens.
        await until(() => out.join('\n').includes('localhost:1455'));
        const visit = Soup.Message.new('GET', `http://127.0.0.1:1455/auth/callback?code=cb-code&state=${encodeURIComponent(stateShown())}`);
        await new Soup.Session().send_and_read_async(visit, GLib.PRIORITY_DEFAULT, null);
        expect(await done).toBe(0);
        const [account] = settings.get(Keys.ownSignIns)['codex'] ?? [];
        expect((await ctx.tokens.load('codex', account ?? ''))?.refreshToken).toBe('rt-cli');
        expect(await logout(ctx, provider('codex'), account ?? '')).toBe(0);
        expect(settings.get(Keys.ownSignIns)['codex']).toEqual([]);
    });

    it('Copilot: prints the code and the address, polls GitHub, stores the token under the login', async () => {
        server.route('github.com/login/device/code', {status: 200, body: {device_code: 'dev-1', user_code: 'WDJB-MJHT',
            verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 0}});
        server.route('github.com/login/oauth/access_token', {status: 200, body: {access_token: GITHUB_TOKEN, token_type: 'bearer'}});
        server.route('api.github.com/user', {status: 200, body: {login: 'octo-cli'}});
        const ctx = context();
        expect(await login(ctx, provider('copilot'))).toBe(0);
        expect(out[0]).toContain('https://github.com/login/device');
        expect(out[0]).toContain('WDJB-MJHT');
        expect(await secrets.lookup('copilot', 'octo-cli')).toBe(GITHUB_TOKEN);
        expect(settings.get(COPILOT_ACCOUNTS)).toEqual(['octo-cli']);
        expect([...out, ...err].join('\n')).not.toContain(GITHUB_TOKEN);
        const doctor = await provider('copilot').diagnose(ctx.env);
        expect(doctor.map(f => `${f.scope}: ${f.detail}`)).toEqual(['copilot octo-cli: token in the keyring (own sign-in)']);

        expect(await logout(ctx, provider('copilot'), 'nobody')).toBe(2);
        expect(err.join('\n')).toContain('octo-cli');
        expect(await logout(ctx, provider('copilot'), 'octo-cli')).toBe(0);
        expect(await secrets.lookup('copilot', 'octo-cli')).toBeNull();
        expect(settings.get(COPILOT_ACCOUNTS)).toEqual([]);
    });

    it('logout names the accounts when it is not told which of several, and removes none', async () => {
        settings.setEntry(Keys.ownSignIns, 'claude', ['aaa', 'bbb']);
        settings.setEntry(Keys.accountNames, 'claude:own:bbb', 'Work');
        expect(await logout(context(), provider('claude'), null)).toBe(2);
        expect(err.join('\n')).toContain('aaa, bbb (Work)');
        expect(await logout(context(), provider('claude'), 'Work')).toBe(0);
        expect(settings.get(Keys.ownSignIns)['claude']).toEqual(['aaa']);
        expect(await logout(context(), provider('gemini'), null)).toBe(2);
    });
});
