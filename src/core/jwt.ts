// Reads the claims of a JWT (id and access tokens) without verifying it: we only use them
// to label accounts and to know when a token expires, never to grant anything.

import GLib from 'gi://GLib';

import {isObject, parseJson} from './json.js';
import type {JsonObject} from './json.js';

export function jwtClaims(token: string): JsonObject | null {
    const payload = token.split('.')[1];
    if (payload === undefined || payload.length === 0)
        return null;
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    try {
        const claims = parseJson(new TextDecoder().decode(GLib.base64_decode(base64)));
        return isObject(claims) ? claims : null;
    } catch {
        return null;
    }
}

/** The `exp` claim in epoch ms, or null. */
export function jwtExpiry(token: string): number | null {
    const exp = jwtClaims(token)?.['exp'];
    return typeof exp === 'number' ? exp * 1000 : null;
}
