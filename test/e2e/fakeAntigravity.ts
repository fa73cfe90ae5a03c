// A stand-in for Antigravity's language server in the end-to-end run. Started with a command line
// that discovery accepts (an Antigravity path as argv[0], --csrf_token, --extension_server_port), it
// answers the quota summary and the user status over plain HTTP on 127.0.0.1 at its extension
// server port, and refuses a request without its CSRF token. It prints nothing, the token least of all.

import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';
import System from 'system';

import {fixtureText} from '../support/fixtureServer.js';

const SERVICE = '/exa.language_server_pb.LanguageServerService';
const BODIES = new Map([
    [`${SERVICE}/RetrieveUserQuotaSummary`, fixtureText('antigravity/real-world/quota-summary-object.json')],
    [`${SERVICE}/GetUserStatus`, fixtureText('antigravity/real-world/get-user-status.json')],
]);

function argument(name: string): string | null {
    const index = System.programArgs.indexOf(`--${name}`);
    return index < 0 ? null : System.programArgs[index + 1] ?? null;
}

const token = argument('csrf_token');
const port = Number(argument('extension_server_port'));
const server = new Soup.Server({});
server.add_handler(null, (_server, message, path) => {
    const body = BODIES.get(path);
    const headers = message.get_request_headers();
    const allowed = message.get_method() === 'POST' && token !== null &&
        headers.get_one('X-Codeium-Csrf-Token') === token && headers.get_one('Connect-Protocol-Version') === '1';
    message.set_status(body === undefined ? 404 : allowed ? 200 : 403, null);
    message.set_response('application/json', Soup.MemoryUse.COPY,
        new TextEncoder().encode(body !== undefined && allowed ? body : '{"code":"permission_denied"}'));
});
server.listen_local(port, Soup.ServerListenOptions.IPV4_ONLY);
new GLib.MainLoop(null, false).run();
