// The helpers every provider shares (core/provider.ts), against a loopback server: the rate-limit
// gate and status mapping of gatedRequest(), token fingerprints, configuration folders, accounts
// read from several sources (duplicates shown once), error snapshots.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {BackoffGate, MANUAL_RETRY_GAP_MS} from '../../src/core/backoff.js';
import {emptySnapshot} from '../../src/core/contract.js';
import {ProviderError, cancelledError} from '../../src/core/errors.js';
import type {HttpClient, HttpResponse} from '../../src/core/http.js';
import {type OAuthClient, OwnTokenStore} from '../../src/core/ownSignIn.js';
import {
    type AccountFetcher, type AccountSource, type FetchContext, type StatusHints, displayPath,
    errorSnapshot, extraFolders, fetchAccounts, folderSources, gatedRequest, ownAccountId, ownSignInSources, ownSignIns,
    settleAccount, tokenFingerprint, unexpectedResponse,
} from '../../src/core/provider.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys} from '../../src/core/settings.js';
import {type FixtureRoute, FixtureServer, fixtureText} from '../support/fixtureServer.js';
import {
    type TestEnvironment, fetchContext, loopbackHttp, makeTempDir, providerErrorFrom, readFile, testEnvironment,
    testSettings, writeFile,
} from '../support/helpers.js';

const USAGE = 'api.example.test/v1/usage';
const HINTS: StatusHints = {unauthorized: 'Sign in again.'};
const KEY = 'token-key';
const MINUTE = 60_000;

describe('tokenFingerprint()', () => {
    it('is the first 16 hex digits of the token\'s SHA-256: stable, short, not the token', () => {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223…
        expect(tokenFingerprint('abc')).toBe('ba7816bf8f01cfea');
        expect(tokenFingerprint('sk-ant-oat01-secret')).toBe(tokenFingerprint('sk-ant-oat01-secret'));
        expect(tokenFingerprint('sk-ant-oat01-secret')).toMatch(/^[0-9a-f]{16}$/);
        expect(tokenFingerprint('sk-ant-oat01-secret')).not.toBe(tokenFingerprint('sk-ant-oat01-secreT'));
    });
});

describe('gatedRequest()', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    let gate: BackoffGate;

    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir());
        gate = new BackoffGate();
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    const context = (overrides: Partial<FetchContext> = {}): FetchContext => fetchContext(env, http, {gate, ...overrides});
    const send = (hints: StatusHints = HINTS, overrides: Partial<FetchContext> = {}): Promise<HttpResponse> =>
        gatedRequest(context(overrides), KEY, {url: `https://${USAGE}`, headers: {Authorization: 'Bearer tok'}}, hints);
    const answer = (route: FixtureRoute): void => server.route(USAGE, route);
    const failure = (hints: StatusHints = HINTS, overrides: Partial<FetchContext> = {}): Promise<ProviderError> =>
        providerErrorFrom(() => send(hints, overrides));
    /** How one answer is worded: a gate of its own, so the back-off after one failure does not hold the next request. */
    const worded = (hints: StatusHints = HINTS): Promise<ProviderError> => failure(hints, {gate: new BackoffGate()});
    /** A failure's hint without the back-off sentence that follows it. */
    const firstSentence = (hint: string): string => hint.replace(/ After this failure, .*$/, '');
    /** A response a hint gets to see: the error it returns names the status and the body. */
    const special = (kind: 'auth' | 'scope' | 'expired') =>
        (response: HttpResponse): ProviderError => new ProviderError(kind, `special ${response.status} ${response.text}`, 'special');

    it('returns a 2xx answer with its JSON, having sent the request as given', async () => {
        answer({status: 200, body: {used: 42}});
        const response = await send();
        expect(response.status).toBe(200);
        expect(response.body).toEqual({used: 42});
        expect(server.requestsTo(USAGE).map(r => r.headers['authorization'])).toEqual(['Bearer tok']);
    });

    it('fails on a 2xx answer that is not JSON', async () => {
        answer({status: 200, body: '<html><body>Sign in to the Wi-Fi</body></html>', headers: {'content-type': 'text/html'}});
        expect((await worded()).message).toBe('The server sent a web page instead of data.');
        answer({status: 204, body: ''});
        expect((await worded()).message).toBe('The server sent an empty answer.');
    });

    it('maps a 401 to a sign-in error with the provider\'s hint, or to what `rejected` makes of it', async () => {
        answer({status: 401, body: {error: 'invalid_token'}});
        const error = await worded();
        expect([error.kind, error.message, firstSentence(error.hint)]).toEqual(['auth', 'The server rejected the credentials (401).', 'Sign in again.']);
        const rejected = await worded({...HINTS, rejected: special('expired')});
        expect([rejected.kind, rejected.message]).toEqual(['expired', 'special 401 {"error":"invalid_token"}']);
    });

    it('maps a 403 with data to access denied, or to what `forbidden` makes of it (a missing scope)', async () => {
        answer({status: 403, body: {error: {type: 'permission_error'}}});
        const error = await worded();
        expect([error.kind, error.message, firstSentence(error.hint)]).toEqual(['auth', 'Access denied (403).', 'Sign in again.']);
        expect((await worded({...HINTS, forbidden: special('scope')})).kind).toBe('scope');
    });

    it('takes a 403 web page (a browser check) for an availability problem naming the host, not a sign-in one', async () => {
        for (const page of ['<!DOCTYPE html><html><title>Just a moment...</title></html>', '\n  <HTML><body>denied</body></HTML>']) {
            answer({status: 403, body: page, headers: {'content-type': 'text/html'}});
            const error = await worded({...HINTS, forbidden: special('scope')});
            expect(error.kind).withContext(page).toBe('server');
            expect(error.message).toBe('api.example.test answered with a web page, such as a browser check, instead of data (403).');
            expect(firstSentence(error.hint)).toBe('This is not a sign-in problem; the next refresh will try again.');
        }
    });

    it('hands a 404 to `notFound` when the provider has one; otherwise it is an unexpected status', async () => {
        answer({status: 404, body: {error: 'no_subscription'}});
        expect((await worded({...HINTS, notFound: special('auth')})).message).toBe('special 404 {"error":"no_subscription"}');
        const error = await worded();
        expect([error.kind, error.message]).toEqual(['parse', 'Unexpected response: Unexpected status 404: {"error":"no_subscription"}']);
    });

    it('maps 5xx to a temporary server problem with its status', async () => {
        for (const status of [500, 502, 503]) {
            answer({status, body: {error: 'overloaded'}});
            const error = await worded();
            expect([error.kind, error.message]).withContext(String(status)).toEqual(['server', `The server had a problem (${status}).`]);
            expect(firstSentence(error.hint)).toBe('This is usually temporary; the next refresh will try again.');
        }
    });

    it('words another status with the start of the body, credentials redacted', async () => {
        answer({status: 418, body: `teapot Bearer sk-ant-oat01-SECRETSECRET ${'x'.repeat(400)}`, headers: {'content-type': 'text/plain'}});
        const error = await worded();
        expect(error.kind).toBe('parse');
        expect(error.message).toMatch(/^Unexpected response: Unexpected status 418: teapot Bearer \[redacted\] x+$/);
        expect(error.message).not.toContain('SECRET');
        expect(error.message.length).toBeLessThan(260);
    });

    it('records a 429 with its Retry-After in the gate, and refuses the paused key without a request', async () => {
        answer({status: 429, body: {error: 'rate_limited'}, headers: {'Retry-After': '120'}});
        const error = await failure();
        expect([error.kind, error.retryAt]).toEqual(['rate-limited', env.clock + 2 * MINUTE]);
        expect(error.hint).toBe('Automatic refreshes pause until 12:02.');
        expect(gate.blockedUntil(KEY, env.clock)).toBe(env.clock + 2 * MINUTE);

        answer({status: 200, body: {used: 1}});
        env.clock += MINUTE;
        const refused = await failure();
        expect([refused.kind, refused.retryAt]).toEqual(['rate-limited', env.clock + MINUTE]);
        expect(server.requestsTo(USAGE).length).toBe(1);
        // Other keys (other tokens) are not paused.
        await gatedRequest(context(), 'other-key', {url: `https://${USAGE}`}, HINTS);
        expect(server.requestsTo(USAGE).length).toBe(2);

        env.clock += MINUTE;
        expect((await send()).body).toEqual({used: 1});
    });

    it('pauses 5 minutes after a 429 without Retry-After', async () => {
        answer({status: 429, body: {}});
        expect((await failure()).retryAt).toBe(env.clock + 5 * MINUTE);
    });

    it('lets a manual refresh through a pause, and a success ends the pause', async () => {
        gate.recordRateLimit(KEY, env.clock, env.clock + 60 * MINUTE);
        env.clock += MANUAL_RETRY_GAP_MS; // the click comes a few seconds after the 429
        answer({status: 200, body: {used: 3}});
        expect((await send(HINTS, {manual: true})).body).toEqual({used: 3});
        expect(server.requestsTo(USAGE).length).toBe(1);
        expect(gate.blockedUntil(KEY, env.clock)).toBeNull();
        expect((await send()).body).toEqual({used: 3});
    });

    it('lets manual refreshes through a 429 pause at most once per MANUAL_RETRY_GAP_MS', async () => {
        answer({status: 429, body: {error: 'rate_limited'}, headers: {'Retry-After': '3600'}});
        await failure();
        env.clock += 1000;
        expect((await failure(HINTS, {manual: true})).kind).withContext('a click a second after the 429').toBe('rate-limited');
        expect(server.requestsTo(USAGE).length).toBe(1);
        env.clock += MANUAL_RETRY_GAP_MS;
        await failure(HINTS, {manual: true});
        expect(server.requestsTo(USAGE).length).withContext('a click some seconds later').toBe(2);
        for (let click = 0; click < 5; click++) {
            env.clock += 1000;
            expect((await failure(HINTS, {manual: true})).kind).toBe('rate-limited');
        }
        expect(server.requestsTo(USAGE).length).withContext('clicks a second apart').toBe(2);
    });

    for (const [name, route] of [['a web page', {status: 200, body: '<!DOCTYPE html><title>Sign in to the Wi-Fi</title>'}],
        ['cut JSON', {status: 200, body: '{"used": 4'}], ['an empty answer', {status: 200, body: ''}]] as const) {
        it(`keeps a 429 pause and a failure back-off through a 200 with ${name}`, async () => {
            gate.recordRateLimit(KEY, env.clock, env.clock + 60 * MINUTE);
            const endpoint = `${KEY} https://${USAGE}`;
            gate.recordFailure(endpoint, env.clock, env.clock, new ProviderError('server', 'The server had a problem (503).', 'Later.'));
            env.clock += MANUAL_RETRY_GAP_MS;
            answer(route);
            await failure(HINTS, {manual: true});
            expect(server.requestsTo(USAGE).length).withContext('the click went through').toBe(1);
            expect(gate.blockedUntil(KEY, env.clock)).withContext('the token is still paused').toBe(env.clock - MANUAL_RETRY_GAP_MS + 60 * MINUTE);
            expect(gate.backingOff(endpoint, env.clock, false)).withContext('the endpoint still backs off').not.toBeNull();
        });
    }

    it('rejects with CANCELLED, not a ProviderError, when cancelled', async () => {
        answer({status: 200, body: {}, delayMs: 2000});
        const cancellable = new Gio.Cancellable();
        const pending = send(HINTS, {cancellable});
        cancellable.cancel();
        await expectAsync(pending).toBeRejectedWith(jasmine.objectContaining({code: Gio.IOErrorEnum.CANCELLED}));
    });
});

describe('unexpectedResponse()', () => {
    it('is a parse error with the detail, credentials redacted, and a hint to report it', () => {
        const error = unexpectedResponse('no "limits" in {"token":"Bearer abcdefgh1234"}');
        expect(error.kind).toBe('parse');
        expect(error.message).toBe('Unexpected response: no "limits" in {"token":"Bearer [redacted]"}');
        expect(error.hint).toContain('Please report this');
    });
});

describe('errorSnapshot()', () => {
    it('is an empty snapshot of the account with the error\'s kind, message, hint and retry time', () => {
        const error = new ProviderError('rate-limited', 'Rate limited.', 'Wait.', 1234);
        expect(errorSnapshot('codex', 'acct', 'Codex (me)', error)).toEqual({...emptySnapshot('codex', 'acct', 'Codex (me)'),
            error: {kind: 'rate-limited', message: 'Rate limited.', hint: 'Wait.', retryAt: 1234}});
    });
});

describe('settleAccount()', () => {
    const good = emptySnapshot('claude', 'a', 'A');

    it('returns the fetched snapshot, or an error snapshot for a ProviderError', async () => {
        expect(await settleAccount('claude', 'a', 'A', () => Promise.resolve(good))).toBe(good);
        const failed = await settleAccount('claude', 'a', 'Claude (a)', () => Promise.reject(new ProviderError('network', 'down', 'later')));
        expect([failed.accountId, failed.accountLabel, failed.error?.kind, failed.error?.message])
            .toEqual(['a', 'Claude (a)', 'network', 'down']);
    });

    it('lets cancellation and programming errors through', async () => {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a GLib.Error, as cancelled Gio calls reject
        await expectAsync(settleAccount('claude', 'a', 'A', () => Promise.reject(cancelledError())))
            .toBeRejectedWith(jasmine.objectContaining({code: Gio.IOErrorEnum.CANCELLED}));
        await expectAsync(settleAccount('claude', 'a', 'A', () => Promise.reject(new TypeError('bug')))).toBeRejectedWithError(TypeError);
    });
});

describe('fetchAccounts()', () => {
    interface Credentials {token: string; dir: string}
    const fetched: string[] = [];
    const fetcher: AccountFetcher<Credentials> = {
        identity: c => c.token,
        accountId: c => `id-${c.token}`,
        label: (c, source) => `${source.label} [${c.token}]`,
        fetch: (c, label) => {
            fetched.push(c.dir);
            if (c.token === 'broken')
                return Promise.reject(new ProviderError('auth', 'token refused', 'sign in'));
            return Promise.resolve({...emptySnapshot('claude', `id-${c.token}`, label), updatedAt: 1});
        },
    };
    beforeEach(() => fetched.splice(0));

    /** A CLI folder signed in with `token`, or without a sign-in when null. */
    const folder = (home: string, name: string, token: string | null): string => {
        const dir = GLib.build_filenamev([home, name]);
        GLib.mkdir_with_parents(dir, 0o700);
        if (token !== null)
            writeFile(`${dir}/credentials`, token);
        return dir;
    };
    const read = (dir: string): Promise<Credentials> => {
        try {
            return Promise.resolve({token: readFile(`${dir}/credentials`), dir});
        } catch {
            return Promise.reject(new ProviderError('not-configured', `no sign-in in ${dir}`, 'sign in'));
        }
    };

    it('shows two folders signed in to the same account once, as the first folder', async () => {
        const home = makeTempDir();
        const env = testEnvironment(home);
        const [work, copy, other] = [folder(home, 'work', 'tok-A'), folder(home, 'copy', 'tok-A'), folder(home, 'other', 'tok-B')];
        const snapshots = await fetchAccounts('claude', folderSources('Claude', [work, copy, other], env, read), fetcher);
        expect(snapshots.map(s => [s.accountId, s.accountLabel])).toEqual([
            ['id-tok-A', 'Claude (~/work) [tok-A]'], ['id-tok-B', 'Claude (~/other) [tok-B]'],
        ]);
        expect(fetched).toEqual([work, other]);
    });

    it('makes an account whose credentials cannot be read an error snapshot named after its folder', async () => {
        const home = makeTempDir();
        const env = testEnvironment(home);
        const [empty, work] = [folder(home, 'empty', null), folder(home, 'work', 'tok-A')];
        const snapshots = await fetchAccounts('claude', folderSources('Claude', [empty, work], env, read), fetcher);
        expect(snapshots.map(s => [s.accountId, s.accountLabel, s.error?.kind ?? null])).toEqual([
            [empty, 'Claude (~/empty)', 'not-configured'], ['id-tok-A', 'Claude (~/work) [tok-A]', null],
        ]);
    });

    it('makes a failed fetch an error snapshot of that account; the others are kept', async () => {
        const home = makeTempDir();
        const dirs = [folder(home, 'a', 'broken'), folder(home, 'b', 'tok-B')];
        const snapshots = await fetchAccounts('claude', folderSources('Claude', dirs, testEnvironment(home), read), fetcher);
        expect(snapshots.map(s => [s.accountId, s.error?.message ?? null])).toEqual([['id-broken', 'token refused'], ['id-tok-B', null]]);
    });

    it('skips a source that has no credentials and no error', async () => {
        const nothing: AccountSource<Credentials | null> = {id: 'default', label: 'Claude', read: () => Promise.resolve(null)};
        const snapshots = await fetchAccounts<Credentials | null>('claude', [nothing], {
            identity: () => 'x', accountId: () => 'x', label: () => 'x',
            fetch: () => Promise.reject(new Error('never fetched')),
        });
        expect(snapshots).toEqual([]);
    });

    it('lets a programming error in reading credentials through', async () => {
        const buggy: AccountSource<Credentials> = {id: 'default', label: 'Claude', read: () => Promise.reject(new TypeError('bug'))};
        await expectAsync(fetchAccounts('claude', [buggy], fetcher)).toBeRejectedWithError(TypeError);
    });
});

describe('displayPath()', () => {
    const env = testEnvironment('/home/me');

    it('writes a folder under the home folder with ~', () => {
        expect(displayPath('/home/me/work/.claude', env)).toBe('~/work/.claude');
    });

    it('leaves other folders, the home folder itself and a look-alike prefix alone', () => {
        expect(displayPath('/srv/claude', env)).toBe('/srv/claude');
        expect(displayPath('/home/me', env)).toBe('/home/me');
        expect(displayPath('/home/meow/.claude', env)).toBe('/home/meow/.claude');
    });
});

describe('extraFolders() and ownSignIns()', () => {
    it('read the provider\'s entry of the settings, empty when it has none', () => {
        const settings = testSettings();
        expect(extraFolders(settings, 'claude')).toEqual([]);
        expect(ownSignIns(settings, 'claude')).toEqual([]);
        settings.setEntry(Keys.accountDirs, 'claude', ['/a', '/b']);
        settings.setEntry(Keys.ownSignIns, 'codex', ['acct1']);
        expect(extraFolders(settings, 'claude')).toEqual(['/a', '/b']);
        expect(extraFolders(settings, 'codex')).toEqual([]);
        expect(ownSignIns(settings, 'codex')).toEqual(['acct1']);
        expect(ownSignIns(settings, 'claude')).toEqual([]);
    });
});

describe('ownSignInSources()', () => {
    const secrets = new SecretStore();
    const tokens = new OwnTokenStore(secrets);
    const client: OAuthClient = {authorizeUrl: 'https://auth.example.test/authorize', tokenUrl: 'https://auth.example.test/token',
        clientId: 'c', redirectUri: 'https://auth.example.test/cb', scope: 's', tokenBody: 'json'};
    afterEach(async () => {
        await tokens.forget('claude', 'acct-1');
    });

    it('makes one source per own sign-in, reading its token from the keyring (no renewal while valid)', async () => {
        const server = new FixtureServer();
        const http = loopbackHttp(server.baseUrl);
        try {
            const env = testEnvironment(makeTempDir());
            await tokens.save('claude', 'acct-1', 'spec', {accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: env.clock + 3_600_000,
                idToken: null});
            const sources = ownSignInSources('claude', 'Claude', ['acct-1'], tokens, client, fetchContext(env, http),
                (fresh, accountId) => ({token: fresh.accessToken, accountId}));
            expect(sources.map(s => [s.id, s.label])).toEqual([[ownAccountId('acct-1'), 'Claude (own sign-in)']]);
            expect(ownAccountId('acct-1')).toBe('own:acct-1');
            expect(await sources[0]?.read()).toEqual({token: 'at-1', accountId: 'own:acct-1'});
            expect(server.requests.length).toBe(0);
        } finally {
            http.destroy();
            server.destroy();
        }
    });
});

describe('gatedRequest() and a web page instead of the API\'s answer', () => {
    let server: FixtureServer;
    let http: HttpClient;
    const env = testEnvironment(makeTempDir());
    const page = fixtureText('codex/real-world/usage-cloudflare-challenge-403.html');
    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    for (const status of [400, 403, 404, 410]) {
        it(`calls an HTML page with status ${status} an availability problem, whatever the hints say`, async () => {
            server.route('example.com/api', {status, body: page, headers: {'content-type': 'text/html; charset=UTF-8'}});
            const error = await providerErrorFrom(() => gatedRequest(fetchContext(env, http), 'key', {url: 'https://example.com/api'}, {
                unauthorized: 'sign in',
                notFound: () => new ProviderError('not-configured', 'no such subscription', ''),
                badRequest: () => new ProviderError('auth', 'bad request', ''),
            }));
            expect(error.kind).toBe('server');
            expect(error.message).toContain('example.com');
            expect(error.hint).toContain('not a sign-in problem');
        });
    }

    it('keeps a 5xx page a server error, and hands a 400 with data to its hint', async () => {
        server.route('example.com/api', {status: 502, body: page, headers: {'content-type': 'text/html'}});
        expect((await providerErrorFrom(() => gatedRequest(fetchContext(env, http), 'key', {url: 'https://example.com/api'},
            {unauthorized: ''}))).message).toContain('(502)');
        server.route('example.com/api', {status: 400, body: {error: 'invalid_grant'}});
        expect((await providerErrorFrom(() => gatedRequest(fetchContext(env, http), 'key', {url: 'https://example.com/api'},
            {unauthorized: '', badRequest: r => new ProviderError('expired', `refused: ${r.text}`, '')}))).message)
            .toBe('refused: {"error":"invalid_grant"}');
    });
});
