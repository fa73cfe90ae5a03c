// A loopback HTTP server that answers with fixture responses and records every request.
// Used by unit specs and the e2e driver; providers reach it through the test-only
// endpoint override (https://host/path → http://127.0.0.1:PORT/host/path).

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Soup from 'gi://Soup?version=3.0';

export interface FixtureRoute {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    /** Holds the response back this long, to keep a request in flight. */
    delayMs?: number;
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
        if (route.delayMs === undefined) {
            this._respond(message, route);
            return;
        }
        message.pause();
        setTimeout(() => {
            this._respond(message, route);
            message.unpause();
        }, route.delayMs);
    }

    private _respond(message: Soup.ServerMessage, route: FixtureRoute): void {
        message.set_status(route.status, null);
        for (const [name, value] of Object.entries(route.headers ?? {}))
            message.get_response_headers().replace(name, value);
        const text = typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
        message.set_response(route.headers?.['content-type'] ?? 'application/json', Soup.MemoryUse.COPY, new TextEncoder().encode(text));
    }

    destroy(): void {
        this._server.disconnect();
    }
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
