import Gio from 'gi://Gio';
import Soup from 'gi://Soup?version=3.0';

import {isCancelled} from '../../src/core/errors.js';
import {HttpClient, notJsonError, resolveEndpoint} from '../../src/core/http.js';
import type {HttpResponse} from '../../src/core/http.js';
import {FixtureServer, refusedPort} from '../support/fixtureServer.js';
import {loopbackHttp, providerErrorFrom, selfSignedCertificate, until} from '../support/helpers.js';

describe('resolveEndpoint()', () => {
    const url = 'https://api.anthropic.com/api/oauth/usage';

    it('talks to the real host without an override', () => {
        expect(resolveEndpoint(url, null)).toBe(url);
    });

    it('sends requests to a loopback test server when one is given', () => {
        expect(resolveEndpoint(url, 'http://127.0.0.1:4567')).toBe('http://127.0.0.1:4567/api.anthropic.com/api/oauth/usage');
        expect(resolveEndpoint(url, 'http://localhost:80')).toBe('http://localhost:80/api.anthropic.com/api/oauth/usage');
    });

    it('ignores an override that is not loopback, so tokens cannot be sent elsewhere', () => {
        for (const override of ['http://evil.example:80', 'https://127.0.0.1:1', 'http://127.0.0.1', 'http://10.0.0.1:80'])
            expect(resolveEndpoint(url, override)).toBe(url);
    });

    it('leaves a server on this machine alone (Antigravity\'s language server)', () => {
        for (const local of ['https://127.0.0.1:44883/exa', 'http://[::1]:44884/exa'])
            expect(resolveEndpoint(local, 'http://127.0.0.1:4567')).toBe(local);
    });
});

describe('HttpClient against a misbehaving server', () => {
    let server: FixtureServer;
    let http: HttpClient;
    const cancellable = new Gio.Cancellable();
    const URL = 'https://api.example.test/data';
    const ROUTE = 'api.example.test/data';

    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl, {deadlineSeconds: 0.4, maxBodyBytes: 64 * 1024});
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('reads an ordinary answer', async () => {
        server.route(ROUTE, {status: 200, body: {ok: true}});
        const response = await http.request({url: URL}, cancellable);
        expect(response.body).toEqual({ok: true});
    });

    it('gives up on a body trickled a byte at a time at the overall deadline', async () => {
        server.route(ROUTE, {status: 200, body: {padding: 'x'.repeat(200)}, trickleMs: 50});
        const started = Date.now();
        const error = await providerErrorFrom(() => http.request({url: URL}, cancellable));
        expect(error.kind).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(2000);
    });

    it('refuses a body declared larger than the cap without reading it', async () => {
        server.route(ROUTE, {status: 200, body: 'x'.repeat(1024 * 1024)});
        expect((await providerErrorFrom(() => http.request({url: URL}, cancellable))).kind).toBe('too-large');
    });

    it('stops reading an undeclared body once it passes the cap', async () => {
        server.route(ROUTE, {status: 200, body: 'x'.repeat(1024 * 1024), undeclaredLength: true});
        expect((await providerErrorFrom(() => http.request({url: URL}, cancellable))).kind).toBe('too-large');
    });

    it('reports a body cut short as a network failure', async () => {
        server.route(ROUTE, {status: 200, body: {data: 'x'.repeat(100)}, truncateAt: 20});
        expect((await providerErrorFrom(() => http.request({url: URL}, cancellable))).kind).toBe('network');
    });

    it('never follows a redirect on a request with credentials: the key stays with its origin', async () => {
        server.route(ROUTE, {status: 302, body: '', headers: {Location: `${server.baseUrl}/elsewhere.test/steal?sig=abc`}});
        server.route('elsewhere.test/steal', {status: 200, body: {stolen: true}});
        for (const headers of [{'x-api-key': 'sk-ant-admin01-secret'}, {Authorization: 'Bearer t'}, {Cookie: 'session=s'}] as
            Record<string, string>[]) {
            const error = await providerErrorFrom(() => http.request({url: URL, headers}, cancellable));
            expect(error.kind).toBe('redirect');
            expect(error.message).not.toContain('sig=abc');
        }
        expect((await providerErrorFrom(() => http.request({method: 'POST', url: URL, form: {refresh_token: 'r'}},
            cancellable))).kind).toBe('redirect');
        expect(server.requestsTo('elsewhere.test/steal').length).toBe(0);
    });

    it('follows a redirect on an anonymous request (a signed download link)', async () => {
        server.route(ROUTE, {status: 302, body: '', headers: {Location: `${server.baseUrl}/elsewhere.test/file`}});
        server.route('elsewhere.test/file', {status: 200, body: {file: 1}});
        expect((await http.request({url: URL}, cancellable)).body).toEqual({file: 1});
    });

    it('says what is wrong when a 2xx body is not JSON: empty, a web page, or cut short', () => {
        const answer = (fullText: string): HttpResponse =>
            ({status: 200, body: undefined, text: fullText, fullText, header: () => null});
        expect(notJsonError(answer('')).message).toContain('empty');
        expect(notJsonError(answer('<!DOCTYPE html><title>Sign in to Wi-Fi</title>')).message).toContain('web page');
        expect(notJsonError(answer('{"five_hour": {"utiliz')).kind).toBe('parse');
    });

    it('reports a refused connection and a name that does not resolve as network failures', async () => {
        for (const base of [`http://127.0.0.1:${refusedPort()}`, 'http://no-such-host.invalid:80']) {
            const client = loopbackHttp(base, {deadlineSeconds: 3});
            try {
                expect((await providerErrorFrom(() => client.request({url: URL}, cancellable))).kind).toBe('network');
            } finally {
                client.destroy();
            }
        }
    });

    it('cancels requests in flight on destroy, but lets a token refresh finish, and starts nothing after', async () => {
        server.route(ROUTE, {status: 200, body: {ok: true}, delayMs: 200});
        const slow = loopbackHttp(server.baseUrl);
        const seen = server.requests.length;
        const ordinary = slow.request({url: URL}, cancellable).then(() => 'answered', (error: unknown) =>
            isCancelled(error) ? 'cancelled' : String(error));
        const refresh = slow.request({method: 'POST', url: URL, form: {grant_type: 'refresh_token'}, survivesDestroy: true},
            cancellable);
        await until(() => server.requests.length === seen + 2); // both in flight: the server is holding them
        slow.destroy();
        expect(await ordinary).toBe('cancelled');
        expect((await refresh).body).toEqual({ok: true});
        await expectAsync(slow.request({url: URL}, cancellable)).toBeRejectedWith(jasmine.objectContaining({}));
    });

    it('aborts the session on destroy only once no request is in flight (libsoup crashed aborting under cancelled ones)', async () => {
        server.route(ROUTE, {status: 200, body: {ok: true}, delayMs: 200});
        const slow = loopbackHttp(server.baseUrl);
        const seen = server.requests.length;
        const events: string[] = [];
        const abort = spyOn(Soup.Session.prototype, 'abort').and.callFake(() => events.push('abort'));
        const ordinary = slow.request({url: URL}, cancellable).catch(() => undefined).then(() => events.push('ordinary ended'));
        const refresh = slow.request({method: 'POST', url: URL, form: {grant_type: 'refresh_token'}, survivesDestroy: true},
            cancellable).then(() => events.push('refresh ended'));
        await until(() => server.requests.length === seen + 2); // both in flight: the server is holding them
        slow.destroy();
        expect(events).toEqual([]);
        await Promise.all([ordinary, refresh]);
        expect(events).toEqual(['ordinary ended', 'abort', 'refresh ended']);
        abort.and.callThrough();
        slow.destroy(); // now for real: the fake left the session open
    });
});

describe('HttpClient and a loopback server\'s self-signed certificate', () => {
    let server: FixtureServer;
    let http: HttpClient;
    beforeEach(() => {
        server = new FixtureServer(selfSignedCertificate());
        server.route('ok', {status: 200, body: {ok: true}});
        http = new HttpClient('ai-usage-meter/spec', {readTimeoutSeconds: 5, deadlineSeconds: 5});
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('accepts it on 127.0.0.1, and tries a handshake that refused it once more, but no other failure', async () => {
        // GIO may ask for the certificate on its handshake thread, where a GJS handler cannot run.
        const sent = spyOn(http as unknown as {_send: HttpClient['request']}, '_send').and.callThrough();
        const ok = await http.request({url: `${server.baseUrl}/ok`, loopbackCertificate: true}, new Gio.Cancellable());
        expect(ok.status).toBe(200);
        expect(sent).toHaveBeenCalledTimes(1);
        // The handler accepts a loopback address only: by name, the certificate is refused, twice.
        const byName = server.baseUrl.replace('127.0.0.1', 'localhost');
        await expectAsync(http.request({url: `${byName}/ok`, loopbackCertificate: true}, new Gio.Cancellable()))
            .toBeRejectedWithError(/Could not reach the server/);
        expect(sent).toHaveBeenCalledTimes(3);
        await expectAsync(http.request({url: `https://127.0.0.1:${refusedPort()}/ok`, loopbackCertificate: true},
            new Gio.Cancellable())).toBeRejectedWithError(/Could not reach the server/);
        expect(sent).toHaveBeenCalledTimes(4);
    });
});
