// The one HTTP client every provider uses: Soup 3, JSON in and out, an honest User-Agent, a
// cancellable on every request and typed errors for transport failures. A hostile or broken
// server cannot stall it or fill memory: every request has an overall deadline (Soup's own
// timeout bounds each read, not the request), the body is read in chunks up to a cap, and a
// request carrying credentials never follows a redirect.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';

import {withDeadline} from './deadline.js';
import {ProviderError, cancelledError, isCancelled, onCancelled} from './errors.js';
import {_, format} from './i18n.js';
import {concatBytes} from './files.js';
import {parseJson} from './json.js';
import {redact} from './redact.js';

Gio._promisify(Soup.Session.prototype, 'send_async', 'send_finish');
Gio._promisify(Gio.InputStream.prototype, 'read_bytes_async', 'read_bytes_finish');
Gio._promisify(Gio.InputStream.prototype, 'close_async', 'close_finish');

/**
 * Test-only: when set to a loopback base URL, `https://host/path` is requested as
 * `<base>/host/path`. Any other value is ignored, so production code only ever talks
 * to the real https hosts. A `.invalid` host (RFC 6761: never resolves) is accepted too,
 * so that specs can provoke a name-resolution failure.
 */
export const ENDPOINT_OVERRIDE_ENV = 'AI_USAGE_METER_TEST_ENDPOINT';
const LOOPBACK_BASE = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]|[a-z0-9-]+\.invalid):\d+$/;
/** A request to a server on this machine (Antigravity's language server): nothing to redirect. */
const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|\[::1\])[:/]/;

export interface HttpLimits {
    /** Soup's timeout: the longest wait for one read or write. */
    readTimeoutSeconds: number;
    /** The longest a whole request (connect, headers, body) may take. */
    deadlineSeconds: number;
    /** Bodies longer than this are not read: no usage report comes near it. */
    maxBodyBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = {readTimeoutSeconds: 15, deadlineSeconds: 30, maxBodyBytes: 4 * 1024 * 1024};
/**
 * Each read asks for this much. A read's buffer is allocated at the size asked for and held
 * whole until the garbage collector frees the chunk; with 64 KB reads of small answers that
 * fragmented the Shell's heap by tens of MB over a few hundred refreshes (4 KB reads: flat).
 */
const CHUNK_BYTES = 4 * 1024;
/** Headers that carry a credential: a request with one (or with a body, where tokens travel) is credentialed. */
const CREDENTIAL_HEADER = /^(authorization|cookie|x-api-key|proxy-authorization)$|token|secret|api-key/i;

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
    /**
     * Runs to its end even when the client is destroyed or the caller's cancellable is cancelled:
     * a token refresh, whose answer may hold the only copy of a rotated refresh token.
     */
    survivesDestroy?: boolean;
    /** Accepts a self-signed certificate, only from 127.0.0.1 or ::1 (a local server's). */
    loopbackCertificate?: boolean;
}

export function resolveEndpoint(url: string, override: string | null): string {
    if (override === null || !LOOPBACK_BASE.test(override) || LOOPBACK_URL.test(url))
        return url;
    const match = /^https:\/\/(.+)$/.exec(url);
    return match ? `${override}/${match[1]}` : url;
}

/** An address without query or fragment: what names an endpoint, and all of a signed link that may be shown. */
export function withoutQuery(url: string): string {
    return url.replace(/[?#].*$/s, '');
}

export function isCredentialed(request: HttpRequest): boolean {
    return request.json !== undefined || request.form !== undefined ||
        Object.keys(request.headers ?? {}).some(name => CREDENTIAL_HEADER.test(name));
}

const tryAgainHint = (): string => _('This is usually temporary; the next refresh will try again.');

/** Why a 2xx body is not JSON, in words: nothing, a web page (a captive portal?) or broken data. */
export function notJsonError(response: HttpResponse): ProviderError {
    const start = response.fullText.trimStart();
    if (start === '')
        return new ProviderError('server', _('The server sent an empty answer.'), tryAgainHint());
    if (start.startsWith('<')) {
        return new ProviderError('server', _('The server sent a web page instead of data.'),
            _('A network that wants you to sign in first (hotel or café Wi-Fi) does this, and so does an outage page; ' +
                'the next refresh will try again.'));
    }
    return new ProviderError('parse', _('The server sent data that is not valid JSON (cut short?).'),
        _('The next refresh will try again; please report this if it persists.'));
}

/** Reads a body in chunks; more than `maxBytes` is an error, and reading stops when `stopped()`. */
async function readBody(stream: Gio.InputStream, maxBytes: number, stopped: () => boolean,
    cancellable: Gio.Cancellable): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (!stopped()) {
        const chunk = (await stream.read_bytes_async(CHUNK_BYTES, GLib.PRIORITY_DEFAULT, cancellable)).toArray();
        if (chunk.length === 0)
            break;
        total += chunk.length;
        if (total > maxBytes)
            throw tooLargeError(maxBytes);
        chunks.push(chunk);
    }
    return concatBytes(chunks);
}

function tooLargeError(maxBytes: number): ProviderError {
    return new ProviderError('too-large', format(_('The answer is larger than %d MB; it was not read.'),
        Math.round(maxBytes / (1024 * 1024)) || 1), tryAgainHint());
}

/** A TLS handshake that refused the server's certificate; for a loopback server's, tried once more (see request()). */
class RefusedCertificate extends ProviderError {}

function transportError(error: unknown): ProviderError {
    const detail = error instanceof Error ? redact(error.message) : String(error);
    const refused = error instanceof GLib.Error && error.matches(Gio.TlsError, Gio.TlsError.BAD_CERTIFICATE);
    return new (refused ? RefusedCertificate : ProviderError)('network', format(_('Could not reach the server: %s'), detail),
        _('Check your network connection; the next refresh will try again.'));
}

export class HttpClient {
    private readonly _session: Soup.Session;
    private readonly _override: string | null;
    private readonly _limits: HttpLimits;
    /** Cancelled by destroy(): every request in flight but those that survive it. */
    private readonly _lifetime = new Gio.Cancellable();
    /** Requests in flight; after destroy() the session is aborted once none is left. */
    private _inFlight = 0;

    constructor(userAgent: string, limits: Partial<HttpLimits> = {}) {
        this._limits = {...DEFAULT_LIMITS, ...limits};
        this._session = new Soup.Session({user_agent: userAgent, timeout: this._limits.readTimeoutSeconds});
        this._override = GLib.getenv(ENDPOINT_OVERRIDE_ENV);
    }

    /**
     * Sends a request and reads the whole answer, within the deadline and the body cap. Rejects
     * with a ProviderError (network, timeout, too-large, redirect) or, when cancelled, CANCELLED.
     */
    async request(request: HttpRequest, cancellable: Gio.Cancellable): Promise<HttpResponse> {
        if (request.loopbackCertificate !== true)
            return this._send(request, cancellable);
        // GIO may ask whether to accept the certificate on its TLS handshake thread, where a GJS
        // handler cannot run (it fails, "too much recursion", and the certificate is refused):
        // a loopback server's refused handshake is tried once more.
        try {
            return await this._send(request, cancellable);
        } catch (error) {
            if (error instanceof RefusedCertificate)
                return this._send(request, cancellable);
            throw error;
        }
    }

    private async _send(request: HttpRequest, cancellable: Gio.Cancellable): Promise<HttpResponse> {
        if (this._lifetime.is_cancelled())
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- a GLib.Error, as every cancelled Gio call throws
            throw cancelledError();
        const message = this._message(request);
        const transferCancellable = new Gio.Cancellable();
        const links = request.survivesDestroy ? [] : [cancellable, this._lifetime];
        const handlers = links.map(link => onCancelled(link, () => transferCancellable.cancel()));
        let expired = false;
        // Counted until the transfer itself ends, which may be after the deadline gave up on it.
        this._inFlight++;
        const transfer = this._transfer(message, transferCancellable, () => expired).finally(() => {
            if (--this._inFlight === 0 && this._lifetime.is_cancelled())
                this._session.abort();
        });
        try {
            const bytes = await withDeadline(transfer,
                this._limits.deadlineSeconds * 1000,
                () => new ProviderError('timeout', format(_('The server did not answer within %d s.'),
                    this._limits.deadlineSeconds), tryAgainHint()),
                () => {
                    expired = true;
                });
            return this._response(request, message, bytes);
        } finally {
            links.forEach((link, index) => link.disconnect(handlers[index] ?? 0));
        }
    }

    private _message(request: HttpRequest): Soup.Message {
        const url = resolveEndpoint(request.url, this._override);
        // Soup returns null for an address it cannot parse, whatever the annotation says.
        const message = Soup.Message.new(request.method ?? 'GET', url) as Soup.Message | null;
        if (message === null)
            throw new ProviderError('network', _('Invalid request address.'), redact(withoutQuery(url)));
        // Soup follows redirects by default and drops Authorization, but not x-api-key or a body.
        if (isCredentialed(request))
            message.set_flags(message.get_flags() | Soup.MessageFlags.NO_REDIRECT);
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
        return message;
    }

    /**
     * Sends and reads the body. Once the deadline has passed (`expired()`) nothing more is read and
     * the body stream is closed, never cancelled: a late answer is dropped.
     */
    private async _transfer(message: Soup.Message, cancellable: Gio.Cancellable, expired: () => boolean):
        Promise<Uint8Array> {
        let stream: Gio.InputStream;
        try {
            stream = await this._session.send_async(message, GLib.PRIORITY_DEFAULT, cancellable);
        } catch (error) {
            throw isCancelled(error) ? error : transportError(error);
        }
        try {
            const headers = message.get_response_headers();
            const declared = headers.get_encoding() === Soup.Encoding.CONTENT_LENGTH ? headers.get_content_length() : null;
            if (declared !== null && declared > this._limits.maxBodyBytes)
                throw tooLargeError(this._limits.maxBodyBytes);
            const body = await readBody(stream, this._limits.maxBodyBytes, expired, cancellable);
            // Soup ends a body cut short by a closed connection as if it were complete.
            if (declared !== null && body.length < declared && !expired())
                throw transportError(new Error(_('the connection closed before the whole answer arrived')));
            return body;
        } catch (error) {
            throw isCancelled(error) || error instanceof ProviderError ? error : transportError(error);
        } finally {
            stream.close_async(GLib.PRIORITY_DEFAULT, null).catch(() => undefined);
        }
    }

    private _response(request: HttpRequest, message: Soup.Message, bytes: Uint8Array): HttpResponse {
        // get_status() returns an enum and throws for codes Soup does not name (429 on Soup 3.6).
        const status = message.status_code;
        const responseHeaders = message.get_response_headers();
        if (status >= 300 && status < 400 && isCredentialed(request)) {
            const location = responseHeaders.get_one('Location');
            const target = location === null ? null : redact(withoutQuery(location));
            throw new ProviderError('redirect', format(_('The server redirected a signed-in request (%d%s); it was not followed.'),
                status, target === null ? '' : ` → ${target}`),
            _('Your credentials were not sent on. A network that wants you to sign in first (hotel or café Wi-Fi) does ' +
                'this; otherwise the provider may have moved its API: please report it.'));
        }
        const text = new TextDecoder().decode(bytes);
        return {
            status,
            body: parseJson(text),
            text: redact(text.slice(0, 2000)),
            fullText: text,
            header: (name: string) => responseHeaders.get_one(name),
        };
    }

    /**
     * Ends the client: every request in flight is cancelled, except those that survive destroy
     * (token refreshes), which run to their end; no new request starts. The session is aborted
     * (its connections closed) once no request is left in flight: aborting it under requests
     * being cancelled crashed GNOME Shell in libsoup (48: g_atomic_rc_box_release_full, 50:
     * soup_message_io_get_response_istream), both while the extension was disabled mid-request.
     */
    destroy(): void {
        this._lifetime.cancel();
        if (this._inFlight === 0)
            this._session.abort();
    }
}
