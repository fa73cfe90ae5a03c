import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';

import type {HttpClient} from '../../src/core/http.js';
import {parseCallbackQuery, waitForCallback} from '../../src/core/oauthCallback.js';
import {OwnTokenStore} from '../../src/core/ownSignIn.js';
import {CodexProvider} from '../../src/core/providers/codex.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys} from '../../src/core/settings.js';
import {FixtureServer, fixtureJson, fixtureText, refusedPort as freePort} from '../support/fixtureServer.js';
import {fetchContext, loopbackHttp, makeTempDir, providerErrorFrom, testEnvironment, testSettings} from '../support/helpers.js';

Gio._promisify(Soup.Session.prototype, 'send_and_read_async', 'send_and_read_finish');
Gio._promisify(Gio.SocketClient.prototype, 'connect_to_host_async', 'connect_to_host_finish');
Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');
Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish');


/** What the browser does after the user approves: GET the redirect address. */
async function browserVisits(url: string): Promise<string> {
    const message = Soup.Message.new('GET', url);
    const bytes = await new Soup.Session().send_and_read_async(message, GLib.PRIORITY_DEFAULT, null);
    return new TextDecoder().decode(bytes.get_data() ?? new Uint8Array());
}

/** A visit whose address no well-behaved client would send (Soup refuses to build it): raw HTTP on a socket. */
async function rawVisit(port: number, target: string): Promise<string> {
    const connection = await new Gio.SocketClient().connect_to_host_async(`127.0.0.1:${port}`, port, null);
    // GLib.Bytes: GJS does not keep a plain Uint8Array alive through an async write.
    await connection.get_output_stream().write_bytes_async(new GLib.Bytes(new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)), GLib.PRIORITY_DEFAULT, null);
    const input = new Gio.DataInputStream({base_stream: connection.get_input_stream()});
    const [status] = await input.read_line_async(GLib.PRIORITY_DEFAULT, null);
    connection.close(null);
    return new TextDecoder().decode(status ?? new Uint8Array());
}

describe('waitForCallback()', () => {
    it('hands over the code when the browser returns with our state', async () => {
        const port = freePort();
        const code = waitForCallback(port, '/auth/callback', 'st4te', new Gio.Cancellable());
        const page = await browserVisits(`http://127.0.0.1:${port}/auth/callback?code=c0de%2F1&state=st4te`);
        expect(await code).toBe('c0de/1');
        expect(page).toContain('Signed in');
    });

    it('answers a visit with malformed % escapes instead of throwing, and still takes the real answer', async () => {
        const port = freePort();
        const code = waitForCallback(port, '/auth/callback', 'st4te', new Gio.Cancellable());
        // Well-formed escapes of bytes that are not UTF-8: Soup lets them through, decodeURIComponent() throws on them.
        // Soup answers a broken escape itself (400); GJS cannot hand escapes of non-UTF-8 bytes to a handler (500).
        // Neither may end the wait, and our own decoding never throws (for Soups that pass them through).
        expect(await rawVisit(port, '/auth/callback?code=abc&state=%zz')).toContain('400');
        expect(await rawVisit(port, '/auth/callback?code=%E0%A4&state=%FF')).toMatch(/ [45]00 /);
        await browserVisits(`http://127.0.0.1:${port}/auth/callback?code=abc&state=st4te`);
        expect(await code).toBe('abc');
        expect(parseCallbackQuery('a=%E0%A4%A&b=%41+c&c=%zz').get('b')).toBe('A c');
        expect(parseCallbackQuery('a=%E0%A4%A&b=%41+c&c=%zz').get('a')).toBe('%E0%A4%A');
    });

    it('ignores a visit with another state and keeps waiting', async () => {
        const port = freePort();
        const code = waitForCallback(port, '/auth/callback', 'mine', new Gio.Cancellable());
        expect(await browserVisits(`http://127.0.0.1:${port}/auth/callback?code=x&state=forged`)).toContain('not the one');
        await browserVisits(`http://127.0.0.1:${port}/auth/callback?code=real&state=mine`);
        expect(await code).toBe('real');
    });

    it('reports a refusal from the provider', async () => {
        const port = freePort();
        const code = waitForCallback(port, '/auth/callback', 's', new Gio.Cancellable());
        await browserVisits(`http://127.0.0.1:${port}/auth/callback?error=access_denied&state=s`);
        expect((await providerErrorFrom(() => code)).message).toContain('access_denied');
    });

    it('stops listening when cancelled', async () => {
        const port = freePort();
        const cancellable = new Gio.Cancellable();
        const code = waitForCallback(port, '/auth/callback', 's', cancellable);
        cancellable.cancel();
        expect((await providerErrorFrom(() => code)).message).toBe('The sign-in was cancelled.');
        const again = waitForCallback(port, '/auth/callback', 's', new Gio.Cancellable());
        await browserVisits(`http://127.0.0.1:${port}/auth/callback?code=ok&state=s`);
        expect(await again).toBe('ok');
    });
});

describe('CodexProvider with our own sign-in', () => {
    let server: FixtureServer;
    let http: HttpClient;
    const secrets = new SecretStore();
    const store = new OwnTokenStore(secrets);

    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
    });
    afterEach(async () => {
        await store.forget('codex', 'mine');
        http.destroy();
        server.destroy();
    });

    it('uses the keyring token, with the account id and e-mail from its id token', async () => {
        const auth = JSON.parse(fixtureText('codex/auth.json')) as {tokens: {access_token: string; id_token: string}};
        await store.save('codex', 'mine', 'spec', {accessToken: auth.tokens.access_token, refreshToken: 'rt',
            expiresAt: Date.now() + 3_600_000, idToken: auth.tokens.id_token});
        server.route('chatgpt.com/backend-api/wham/usage', {status: 200, body: fixtureJson('codex/usage-plus.json')});
        const env = testEnvironment(makeTempDir());
        env.clock = Date.now();
        const settings = testSettings();
        settings.setEntry(Keys.ownSignIns, 'codex', ['mine']);
        const snapshots = await new CodexProvider({secrets, ownTokens: store, settings}).fetch(fetchContext(env, http));
        const own = snapshots.find(s => s.accountId === 'own:mine');
        expect(own?.accountLabel).toBe('codex@example.com');
        expect(own?.error).toBeNull();
        expect(server.requestsTo('chatgpt.com/backend-api/wham/usage')[0]?.headers['chatgpt-account-id'])
            .toBe('acct-from-id-token');
    });
});
