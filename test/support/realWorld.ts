// The real-world fixtures (test/fixtures/<provider>/real-world, described in CASES.md) as loopback
// routes: each file's body with the status and headers real-world-index.json gives it.

import type {FixtureRoute} from './fixtureServer.js';
import {fixtureJson, fixtureText} from './fixtureServer.js';

interface IndexEntry {
    status: number | null;
    headers?: Record<string, string>;
}

let index: Record<string, IndexEntry> | null = null;

function entry(name: string): IndexEntry {
    index ??= (fixtureJson('real-world-index.json') as {fixtures: Record<string, IndexEntry>}).fixtures;
    const found = index[name];
    if (found === undefined)
        throw new Error(`${name} is not in real-world-index.json`);
    return found;
}

/** `provider/real-world/<file>` as the server answered it. */
export function realWorldRoute(name: string): FixtureRoute {
    const {status, headers} = entry(name);
    return {status: status ?? 200, body: fixtureText(name), headers: headers ?? {}};
}

/** The parsed body of a JSON fixture. */
export function realWorldJson(name: string): unknown {
    entry(name);
    return fixtureJson(name);
}
