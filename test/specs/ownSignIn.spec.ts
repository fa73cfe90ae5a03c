import Gio from 'gi://Gio';

import type {HttpClient} from '../../src/core/http.js';
import GLib from 'gi://GLib';

import {
    OwnTokenStore, authorizeUrl, createPkce, defaultLockDir, exchangeCode, parsePastedCode, pkceChallenge, tokenLifetimeMs,
} from '../../src/core/ownSignIn.js';
import type {OAuthClient, OwnTokens} from '../../src/core/ownSignIn.js';
import {ClaudeProvider} from '../../src/core/providers/claude.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys} from '../../src/core/settings.js';
import {FixtureServer, fixtureJson} from '../support/fixtureServer.js';
import {
    fetchContext, listDir, loopbackHttp, makeTempDir, providerErrorFrom, readFile, removeTree, testEnvironment, testSettings, until,
    writeFile,
} from '../support/helpers.js';

const TOKEN = 'auth.example.test/oauth/token';
const CLIENT: OAuthClient = {
    authorizeUrl: 'https://auth.example.test/oauth/authorize',
    tokenUrl: `https://${TOKEN}`,
    clientId: 'client-123',
    redirectUri: 'https://auth.example.test/callback',
    scope: 'user:profile user:inference',
    tokenBody: 'json',
    extraAuthorizeParams: {code: 'true'},
};
const NOW = Date.UTC(2026, 10, 23, 12);

describe('PKCE', () => {
    it('matches the RFC 7636 example', () => {
        expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    });

    it('makes a fresh, URL-safe verifier and state each time', async () => {
        const [a, b] = [await createPkce(null), await createPkce(null)];
        expect(a.verifier).not.toBe(b.verifier);
        expect(a.state).not.toBe(b.state);
        expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
        expect(a.challenge).toBe(pkceChallenge(a.verifier));
    });

    it('puts the challenge, the state and the client in the authorize address', async () => {
        const pkce = await createPkce(null);
        const url = authorizeUrl(CLIENT, pkce);
        expect(url).toContain('https://auth.example.test/oauth/authorize?code=true&response_type=code&client_id=client-123');
        expect(url).toContain(`code_challenge=${pkce.challenge}&code_challenge_method=S256&state=${pkce.state}`);
        expect(url).toContain('scope=user%3Aprofile%20user%3Ainference');
    });

    it('accepts a pasted code only with our state', async () => {
        const pkce = await createPkce(null);
        expect(parsePastedCode(` abc#${pkce.state} `, pkce)).toBe('abc');
        expect(parsePastedCode('abc', pkce)).toBe('abc');
        expect((await providerErrorFrom(() => parsePastedCode('abc#forged', pkce))).kind).toBe('auth');
    });
});

/** A keyring stand-in that can be told to fail, for the "failure halfway" cases. */
class FlakySecrets extends SecretStore {
    failStores = false;
    override store(...args: Parameters<SecretStore['store']>): Promise<boolean> {
        return this.failStores ? Promise.resolve(false) : super.store(...args);
    }
}

describe('own sign-in tokens', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let secrets: FlakySecrets;
    let store: OwnTokenStore;
    const expired: OwnTokens = {accessToken: 'at-old', refreshToken: 'rt-old', expiresAt: NOW - 1, idToken: null};

    let lockDir: string;
    const lockName = (key: string): string =>
        `refresh-${GLib.compute_checksum_for_string(GLib.ChecksumType.SHA256, key, -1)?.slice(0, 16) ?? ''}.lock`;

    beforeEach(async () => {
        lockDir = makeTempDir();
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        secrets = new FlakySecrets();
        store = new OwnTokenStore(secrets, lockDir);
        await store.save('claude', 'acct', 'spec', expired);
    });
    afterEach(async () => {
        removeTree(lockDir);
        await store.forget('claude', 'acct');
        http.destroy();
        server.destroy();
    });

    it('exchanges the code with the verifier (JSON body) and reads the tokens', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600}});
        const pkce = await createPkce(null);
        const tokens = await exchangeCode(http, CLIENT, 'the-code', pkce, NOW, new Gio.Cancellable());
        expect(tokens).toEqual({accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: NOW + 3600_000, idToken: null});
        expect(server.requestsTo(TOKEN)[0]?.headers['content-type']).toContain('application/json');
    });

    it('sends a form body to servers that want one', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-1', refresh_token: 'rt-1'}});
        await exchangeCode(http, {...CLIENT, tokenBody: 'form'}, 'c', await createPkce(null), NOW, new Gio.Cancellable());
        expect(server.requestsTo(TOKEN)[0]?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    });

    it('uses a valid token as it is', async () => {
        await store.save('claude', 'acct', 'spec', {...expired, expiresAt: NOW + 3_600_000});
        expect((await store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW)).accessToken).toBe('at-old');
        expect(server.requests.length).toBe(0);
    });

    it('refreshes an expiring token and stores the rotated refresh token before using it', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new', expires_in: 3600}});
        const fresh = await store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW);
        expect(fresh.accessToken).toBe('at-new');
        expect((await store.load('claude', 'acct'))?.refreshToken).toBe('rt-new');
    });

    it('refreshes once when two refreshes ask at the same time (a refresh token is single-use)', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new'}, delayMs: 100});
        const both = await Promise.all([store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW),
            store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW)]);
        expect(both.map(t => t.accessToken)).toEqual(['at-new', 'at-new']);
        expect(server.requestsTo(TOKEN).length).toBe(1);
    });

    it('keeps the old tokens usable when the refresh fails before an answer', async () => {
        server.route(TOKEN, {status: 503, body: {}});
        expect((await providerErrorFrom(() => store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW))).kind)
            .toBe('server');
        expect(await store.load('claude', 'acct')).toEqual(expired);
    });

    it('says "sign in again" when the server refuses the refresh token', async () => {
        server.route(TOKEN, {status: 400, body: {error: 'invalid_grant'}});
        const error = await providerErrorFrom(() => store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW));
        expect(error.kind).toBe('auth');
        expect(error.message).toContain('invalid_grant');
    });

    it('keeps a rotated token the keyring refused in memory, says so, and stores it at the next call', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new'}});
        secrets.failStores = true;
        const error = await providerErrorFrom(() => store.accessToken('claude', 'acct', 'Work', CLIENT, http, NOW));
        expect(error.kind).toBe('auth');
        expect(error.message).toContain('could not be saved');
        expect(error.hint).toContain('Unlock the keyring');
        secrets.failStores = false;
        expect((await store.accessToken('claude', 'acct', 'Work', CLIENT, http, NOW)).accessToken).toBe('at-new');
        expect((await store.load('claude', 'acct'))?.refreshToken).toBe('rt-new');
        expect(server.requestsTo(TOKEN).length).toBe(1);
    });

    it('renews once across processes: another store waiting on the lock re-reads the keyring, no second POST', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new'}, delayMs: 150});
        // Another process has its own store and lock holder; the keyring is shared (one client here:
        // overlapping libsecret calls from one process are what the SecretStore serialises).
        const otherProcess = new OwnTokenStore(secrets, lockDir);
        const [ours, theirs] = await Promise.all([store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW),
            otherProcess.accessToken('claude', 'acct', 'A', CLIENT, http, NOW)]);
        expect([ours.accessToken, theirs.accessToken]).toEqual(['at-new', 'at-new']);
        expect(server.requestsTo(TOKEN).length).toBe(1);
        expect(listDir(lockDir)).toEqual([]);
        expect(defaultLockDir()).toBe(`${GLib.get_user_runtime_dir()}/ai-usage-meter`);
    });

    it('re-reads the keyring itself under the lock, not what a watching store kept, when another process renewed first', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new'}});
        // The Shell's store keeps answers until the keyring signals a change; here that signal has not come yet.
        const watched = new SecretStore({watch: Gio.DBus.session});
        const shell = new OwnTokenStore(watched, lockDir);
        try {
            expect((await shell.load('claude', 'acct'))?.refreshToken).toBe('rt-old');
            spyOn(watched as unknown as {_forget: () => void}, '_forget');
            await new OwnTokenStore(secrets, lockDir).accessToken('claude', 'acct', 'A', CLIENT, http, NOW);
            expect((await shell.load('claude', 'acct'))?.refreshToken).withContext('what the Shell kept').toBe('rt-old');
            expect((await shell.accessToken('claude', 'acct', 'A', CLIENT, http, NOW)).accessToken).toBe('at-new');
            expect(server.requestsTo(TOKEN).length).toBe(1);
        } finally {
            watched.destroy();
        }
    });

    it('takes over a lock left by a process that is gone', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new'}});
        const deadPid = Number(readFile('/proc/sys/kernel/pid_max').trim()) + 1;
        const lock = new OwnTokenStore(secrets, lockDir, {staleMs: 60_000, waitMs: 0, pollMs: 10});
        writeFile(`${lockDir}/${lockName('claude:acct')}`, `${deadPid} someone ${Date.now()}\n`);
        expect((await lock.accessToken('claude', 'acct', 'A', CLIENT, http, NOW)).accessToken).toBe('at-new');
        expect(listDir(lockDir)).toEqual([]);
    });

    it('says another program is renewing when a live process holds the lock too long', async () => {
        const lock = new OwnTokenStore(secrets, lockDir, {staleMs: 60_000, waitMs: 50, pollMs: 10});
        writeFile(`${lockDir}/${lockName('claude:acct')}`, `1 init ${Date.now()}\n`); // pid 1 is alive
        const error = await providerErrorFrom(() => lock.accessToken('claude', 'acct', 'A', CLIENT, http, NOW));
        expect(error.kind).toBe('timeout');
        expect(server.requestsTo(TOKEN).length).toBe(0);
        expect(await store.load('claude', 'acct')).toEqual(expired);
    });

    it('lets a started refresh POST finish and stores its rotated token when the client is destroyed', async () => {
        server.route(TOKEN, {status: 200, body: {access_token: 'at-new', refresh_token: 'rt-new'}, delayMs: 150});
        const renewing = store.accessToken('claude', 'acct', 'A', CLIENT, http, NOW);
        await until(() => server.requestsTo(TOKEN).length === 1);
        http.destroy(); // what disable() does on every screen lock
        expect((await renewing).refreshToken).toBe('rt-new');
        expect((await store.load('claude', 'acct'))?.refreshToken).toBe('rt-new');
    });

    it('gives a token with an absurd lifetime a short one, not a renewal at every fetch', async () => {
        for (const expiresIn of [0, -5, 1e12]) {
            server.route(TOKEN, {status: 200, body: {access_token: 'at', refresh_token: 'rt', expires_in: expiresIn}});
            const tokens = await exchangeCode(http, CLIENT, 'c', await createPkce(null), NOW, new Gio.Cancellable());
            expect(tokens.expiresAt).toBe(NOW + 15 * 60_000);
        }
        expect(tokenLifetimeMs({expires_in: 7200})).toBe(7_200_000);
        expect(tokenLifetimeMs({})).toBe(3_600_000);
    });

    it('shows a Claude account signed in from the preferences', async () => {
        server.route('console.anthropic.com/v1/oauth/token',
            {status: 200, body: {access_token: 'sk-ant-oat01-own-fresh', refresh_token: 'rt-new'}});
        server.route('api.anthropic.com/api/oauth/usage', {status: 200, body: fixtureJson('claude/usage-max.json')});
        const env = testEnvironment(lockDir);
        env.clock = NOW;
        const settings = testSettings();
        settings.setEntry(Keys.ownSignIns, 'claude', ['acct']);
        const provider = new ClaudeProvider({secrets, ownTokens: store, settings});
        const snapshots = await provider.fetch(fetchContext(env, http));
        const own = snapshots.find(s => s.accountId === 'own:acct');
        expect(own?.error).toBeNull();
        expect(server.requestsTo('api.anthropic.com/api/oauth/usage').some(r =>
            r.headers['authorization'] === 'Bearer sk-ant-oat01-own-fresh')).toBeTrue();
        expect((await store.load('claude', 'acct'))?.refreshToken).toBe('rt-new');
    });
});
