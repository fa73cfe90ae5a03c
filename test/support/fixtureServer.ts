// A loopback HTTP server that answers with fixture responses and records every request.
// Used by unit specs and the e2e driver; providers reach it through the test-only
// endpoint override (https://host/path → http://127.0.0.1:PORT/host/path). It can also
// misbehave the way hostile networks do: trickle a body, cut it short, send more than it
// declares, redirect.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';

export interface FixtureRoute {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    /** Holds the response back this long, to keep a request in flight. */
    delayMs?: number;
    /** Sends the body one byte at a time, this many ms apart (a server that never times out a read). */
    trickleMs?: number;
    /** Declares the whole body's length, sends only this many bytes of it, then closes the connection. */
    truncateAt?: number;
    /** Sends the body without a Content-Length, ended by closing the connection (nothing to check up front). */
    undeclaredLength?: boolean;
}

export interface RecordedRequest {
    method: string;
    path: string;
    headers: Record<string, string>;
    /** Query parameters, decoded. */
    query: Record<string, string>;
}

/** A fixed response, or one chosen by the query (e.g. the `page` of a paged report). */
export type FixtureHandler = FixtureRoute | ((query: Record<string, string>) => FixtureRoute);

export class FixtureServer {
    readonly requests: RecordedRequest[] = [];
    private readonly _routes = new Map<string, FixtureHandler>();
    private readonly _server: Soup.Server;
    /** Connections taken over to misbehave, and their trickle timers, ended by destroy(). */
    private readonly _raw = new Set<{connection: Gio.IOStream; timer: number}>();
    /** Responses held back (delayMs) that have not gone out yet: dropped by destroy(). */
    private readonly _delayed = new Set<number>();
    readonly baseUrl: string;

    /** Plain HTTP, or HTTPS with `certificate` (a self-signed one, as local servers have). */
    constructor(certificate: Gio.TlsCertificate | null = null) {
        this._server = new Soup.Server(certificate === null ? {} : {tls_certificate: certificate});
        this._server.add_handler(null, (_server, message, path) => this._handle(message, path));
        this._server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY |
            (certificate === null ? 0 : Soup.ServerListenOptions.HTTPS));
        const uri = this._server.get_uris()[0];
        if (uri === undefined)
            throw new Error('fixture server is not listening');
        this.baseUrl = `${certificate === null ? 'http' : 'https'}://127.0.0.1:${uri.get_port()}`;
    }

    /** Answers `https://<hostAndPath>` requests; `body` objects are sent as JSON. */
    route(hostAndPath: string, route: FixtureHandler): void {
        this._routes.set(`/${hostAndPath}`, route);
    }

    requestsTo(hostAndPath: string): RecordedRequest[] {
        return this.requests.filter(r => r.path === `/${hostAndPath}`);
    }

    private _handle(message: Soup.ServerMessage, path: string): void {
        const headers: Record<string, string> = {};
        message.get_request_headers().foreach((name, value) => {
            headers[name.toLowerCase()] = value;
        });
        const rawQuery = message.get_uri().get_query();
        const query = rawQuery === null ? {} : GLib.Uri.parse_params(rawQuery, -1, '&', GLib.UriParamsFlags.NONE);
        this.requests.push({method: message.get_method(), path, headers, query});

        const handler = this._routes.get(path);
        const route = typeof handler === 'function' ? handler(query) : handler;
        if (route === undefined) {
            message.set_status(404, null);
            return;
        }
        if (route.trickleMs !== undefined || route.truncateAt !== undefined || route.undeclaredLength) {
            this._misbehave(message, route);
            return;
        }
        if (route.delayMs === undefined) {
            this._respond(message, route);
            return;
        }
        message.pause();
        const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, route.delayMs, () => {
            this._delayed.delete(timer);
            this._respond(message, route);
            message.unpause();
            return GLib.SOURCE_REMOVE;
        });
        this._delayed.add(timer);
    }

    private _respond(message: Soup.ServerMessage, route: FixtureRoute): void {
        message.set_status(route.status, null);
        for (const [name, value] of Object.entries(route.headers ?? {}))
            message.get_response_headers().replace(name, value);
        const text = typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
        message.set_response(route.headers?.['content-type'] ?? 'application/json', Soup.MemoryUse.COPY, new TextEncoder().encode(text));
    }

    /** Takes the connection over and writes the response by hand, the way the route says to misbehave. */
    private _misbehave(message: Soup.ServerMessage, route: FixtureRoute): void {
        const body = new TextEncoder().encode(typeof route.body === 'string' ? route.body : JSON.stringify(route.body));
        const head = [`HTTP/1.1 ${route.status} Fixture`, 'Content-Type: application/json', 'Connection: close',
            ...route.undeclaredLength ? [] : [`Content-Length: ${body.length}`],
            ...Object.entries(route.headers ?? {}).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
        const connection = message.steal_connection();
        const raw = {connection, timer: 0};
        this._raw.add(raw);
        const output = connection.get_output_stream();
        const end = (): void => {
            if (raw.timer !== 0)
                GLib.source_remove(raw.timer);
            raw.timer = 0;
            this._raw.delete(raw);
            connection.close(null);
        };
        try {
            output.write_all(new TextEncoder().encode(`${head}\r\n\r\n`), null);
            if (route.trickleMs === undefined) {
                output.write_all(body.subarray(0, route.truncateAt ?? body.length), null);
                end();
                return;
            }
        } catch {
            end();
            return;
        }
        let sent = 0;
        raw.timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, route.trickleMs, () => {
            try {
                output.write_all(body.subarray(sent, sent + 1), null);
                sent++;
            } catch {
                sent = body.length; // the client hung up
            }
            if (sent < body.length)
                return GLib.SOURCE_CONTINUE;
            raw.timer = 0;
            end();
            return GLib.SOURCE_REMOVE;
        });
    }

    /** Stops listening and drops every open connection, as a network that went away (listen() again to come back). */
    stopListening(): void {
        this._server.disconnect();
    }

    /** Listens again on the same port after stopListening(). */
    listen(): void {
        const port = Number(this.baseUrl.slice(this.baseUrl.lastIndexOf(':') + 1));
        this._server.listen_local(port, Soup.ServerListenOptions.IPV4_ONLY |
            (this.baseUrl.startsWith('https:') ? Soup.ServerListenOptions.HTTPS : 0));
    }

    destroy(): void {
        for (const raw of [...this._raw]) {
            if (raw.timer !== 0)
                GLib.source_remove(raw.timer);
            raw.connection.close(null);
        }
        this._raw.clear();
        for (const timer of this._delayed)
            GLib.source_remove(timer);
        this._delayed.clear();
        this._server.disconnect();
    }
}

/** A loopback port nothing listens on (it was bound, then released): connecting to it is refused. */
export function refusedPort(): number {
    const server = new Soup.Server({});
    server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY);
    const port = server.get_uris()[0]?.get_port() ?? 9;
    server.disconnect();
    return port;
}

/** Reads a fixture file under test/fixtures (build/test/support/ → ../../../test/fixtures). */
export function fixtureText(relativePath: string): string {
    const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
    const path = GLib.build_filenamev([here, '..', '..', '..', 'test', 'fixtures', relativePath]);
    const [, bytes] = GLib.file_get_contents(path);
    return new TextDecoder().decode(bytes);
}

export function fixtureJson(relativePath: string): unknown {
    return JSON.parse(fixtureText(relativePath)) as unknown;
}
