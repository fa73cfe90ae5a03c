// The helpers every provider shares: here, how gatedRequest() words an answer that is a web page
// instead of the API's, whatever the status.

import {ProviderError} from '../../src/core/errors.js';
import type {HttpClient} from '../../src/core/http.js';
import {gatedRequest} from '../../src/core/provider.js';
import {FixtureServer, fixtureText} from '../support/fixtureServer.js';
import {fetchContext, loopbackHttp, makeTempDir, providerErrorFrom, testEnvironment} from '../support/helpers.js';

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
