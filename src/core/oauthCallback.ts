// Receives an OAuth redirect on a loopback port (http://localhost:PORT/PATH?code=…&state=…),
// as the Codex CLI's own sign-in does, and hands the code over once the state matches. Anything
// may visit that port: a malformed query is answered, never thrown on.

import type Gio from 'gi://Gio';
import Soup from 'gi://Soup?version=3.0';

import {ProviderError, onCancelled} from './errors.js';
import {_, format} from './i18n.js';

/** decodeURIComponent, or the text as it is when its `%` escapes are malformed. */
function decodeComponent(text: string): string {
    try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
        return text;
    }
}

/** The parameters of a query string; a malformed escape leaves its value undecoded (it then matches nothing). */
export function parseCallbackQuery(query: string): Map<string, string> {
    return new Map(query.split('&').filter(p => p.includes('=')).map(pair => {
        const at = pair.indexOf('=');
        return [decodeComponent(pair.slice(0, at)), decodeComponent(pair.slice(at + 1))];
    }));
}

const PAGE = (title: string): string =>
    `<!DOCTYPE html><meta charset="utf-8"><title>AI Usage Meter</title><p style="font:1.2em sans-serif">${title}</p>`;

/**
 * Listens on 127.0.0.1:`port` until the browser comes back to `path` with our `state`.
 * Resolves with the authorization code; rejects on a provider error or when cancelled.
 */
export function waitForCallback(port: number, path: string, state: string, cancellable: Gio.Cancellable): Promise<string> {
    return new Promise((resolve, reject) => {
        const server = new Soup.Server({});
        let handler = 0;
        const finish = (outcome: () => void): void => {
            // Answer the browser first; stop listening once the response is on its way.
            setTimeout(() => {
                server.disconnect();
                if (handler !== 0)
                    cancellable.disconnect(handler);
            }, 100);
            outcome();
        };
        server.add_handler(path, (_server, message) => {
            const params = parseCallbackQuery(message.get_uri().get_query() ?? '');
            const respond = (text: string): void => {
                message.set_status(200, null);
                message.set_response('text/html', Soup.MemoryUse.COPY, new TextEncoder().encode(PAGE(text)));
            };
            const code = params.get('code');
            if (params.get('state') !== state) {
                respond(_('This sign-in link is not the one the preferences started. Start again.'));
                return;
            }
            if (code === undefined) {
                const reason = params.get('error_description') ?? params.get('error') ?? _('no code');
                respond(format(_('The sign-in did not finish: %s'), reason));
                finish(() => reject(new ProviderError('auth', format(_('The sign-in did not finish: %s'), reason),
                    _('Start the sign-in again.'))));
                return;
            }
            respond(_('Signed in. You can close this tab and return to the preferences.'));
            finish(() => resolve(code));
        });
        try {
            server.listen_local(port, Soup.ServerListenOptions.IPV4_ONLY);
        } catch {
            reject(new ProviderError('network', format(_('Port %d is busy, so the sign-in cannot receive its answer.'), port),
                _('Close the program using it (another sign-in in progress?) and try again.')));
            return;
        }
        handler = onCancelled(cancellable, () => {
            server.disconnect();
            reject(new ProviderError('auth', _('The sign-in was cancelled.'), ''));
        });
    });
}
