// The one HTTP client every provider uses: Soup 3, JSON in and out, an honest User-Agent,
// a timeout, a cancellable on every request and typed errors for transport failures.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';

import {ProviderError, isCancelled} from './errors.js';
import {_, format} from './i18n.js';
import {parseJson} from './json.js';
import {redact} from './redact.js';

Gio._promisify(Soup.Session.prototype, 'send_and_read_async', 'send_and_read_finish');

/**
 * Test-only: when set to a loopback base URL, `https://host/path` is requested as
 * `<base>/host/path`. Any other value is ignored, so production code only ever talks
 * to the real https hosts.
 */
export const ENDPOINT_OVERRIDE_ENV = 'AI_USAGE_METER_TEST_ENDPOINT';
const LOOPBACK_BASE = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/;
/** A request to a server on this machine (Antigravity's language server): nothing to redirect. */
const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|\[::1\])[:/]/;

export const DEFAULT_TIMEOUT_SECONDS = 15;

export interface HttpResponse {
    status: number;
    body: unknown;
    /** The body as text, redacted, for error messages. */
    text: string;
    /** The whole body as text, for formats other than JSON (NDJSON reports). Never log it. */
    fullText: string;
    header(name: string): string | null;
}

export interface HttpRequest {
    method?: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    /** JSON body for POST requests. */
    json?: unknown;
    /** Form body (application/x-www-form-urlencoded) for POST requests. */
    form?: Record<string, string>;
    /** Accepts a self-signed certificate, only from 127.0.0.1 or ::1 (a local server's). */
    loopbackCertificate?: boolean;
}

export function resolveEndpoint(url: string, override: string | null): string {
    if (override === null || !LOOPBACK_BASE.test(override) || LOOPBACK_URL.test(url))
        return url;
    const match = /^https:\/\/(.+)$/.exec(url);
    return match ? `${override}/${match[1]}` : url;
}

export class HttpClient {
    private readonly _session: Soup.Session;
    private readonly _override: string | null;

    constructor(userAgent: string, timeoutSeconds = DEFAULT_TIMEOUT_SECONDS) {
        this._session = new Soup.Session({user_agent: userAgent, timeout: timeoutSeconds});
        this._override = GLib.getenv(ENDPOINT_OVERRIDE_ENV);
    }

    async request(request: HttpRequest, cancellable: Gio.Cancellable): Promise<HttpResponse> {
        const url = resolveEndpoint(request.url, this._override);
        // Soup returns null for an address it cannot parse, whatever the annotation says.
        const message = Soup.Message.new(request.method ?? 'GET', url) as Soup.Message | null;
        if (message === null)
            throw new ProviderError('network', _('Invalid request address.'), url);
        if (request.loopbackCertificate === true)
            message.connect('accept-certificate', () => ['127.0.0.1', '::1'].includes(message.get_uri().get_host() ?? ''));
        const headers = message.get_request_headers();
        headers.append('Accept', 'application/json');
        for (const [name, value] of Object.entries(request.headers ?? {}))
            headers.replace(name, value);
        if (request.json !== undefined) {
            const body = new TextEncoder().encode(JSON.stringify(request.json));
            message.set_request_body_from_bytes('application/json', new GLib.Bytes(body));
        } else if (request.form !== undefined) {
            const body = Object.entries(request.form)
                .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
            message.set_request_body_from_bytes('application/x-www-form-urlencoded',
                new GLib.Bytes(new TextEncoder().encode(body)));
        }

        let bytes: GLib.Bytes;
        try {
            bytes = await this._session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, cancellable);
        } catch (error) {
            if (isCancelled(error))
                throw error;
            const detail = error instanceof Error ? redact(error.message) : String(error);
            throw new ProviderError('network',
                format(_('Could not reach the server: %s'), detail),
                _('Check your network connection; the next refresh will try again.'));
        }

        const text = new TextDecoder().decode(bytes.get_data() ?? new Uint8Array());
        const responseHeaders = message.get_response_headers();
        return {
            // get_status() returns an enum and throws for codes Soup does not name (429 on Soup 3.6).
            status: message.status_code,
            body: parseJson(text),
            text: redact(text.slice(0, 2000)),
            fullText: text,
            header: (name: string) => responseHeaders.get_one(name),
        };
    }

    /** Ends the client: every request in flight is cancelled (Soup.Session.abort). */
    destroy(): void {
        this._session.abort();
    }
}
