// The device authorization flow (RFC 8628) against a loopback GitHub: GitHub's endpoints, as
// Copilot's sign-in uses them.

import Gio from 'gi://Gio';

import {pollForToken, requestDeviceCode} from '../../src/core/deviceFlow.js';
import {isCancelled} from '../../src/core/errors.js';
import type {HttpClient} from '../../src/core/http.js';
import {GITHUB_DEVICE_FLOW} from '../../src/core/providers/copilot.js';
import {FixtureServer} from '../support/fixtureServer.js';
import {loopbackHttp, providerErrorFrom} from '../support/helpers.js';

const CODE = 'github.com/login/device/code';
const TOKEN = 'github.com/login/oauth/access_token';

describe('the device flow (GitHub)', () => {
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
});
