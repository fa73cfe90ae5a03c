// Reading a JWT's claims (core/jwt.ts): base64url without padding, and tokens that are not JWTs.

import GLib from 'gi://GLib';

import {jwtClaims, jwtExpiry} from '../../src/core/jwt.js';

/** base64url without padding, as JWTs carry their parts. */
const base64url = (text: string): string =>
    GLib.base64_encode(new TextEncoder().encode(text)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const token = (payload: string): string => `${base64url('{"alg":"none"}')}.${base64url(payload)}.c2ln`;

describe('jwtClaims()', () => {
    it('reads the payload\'s claims', () => {
        expect(jwtClaims(token('{"sub":"user-1","email":"me@example.com"}'))).toEqual({sub: 'user-1', email: 'me@example.com'});
    });

    it('reads payloads of every length, whatever padding they lost', () => {
        // Payload lengths 3n, 3n+1 and 3n+2 bytes: no padding, "==" and "=" stripped.
        for (const name of ['abc', 'abcd', 'abcde']) {
            const payload = `{"n":"${name}"}`;
            expect(jwtClaims(token(payload))).withContext(`${payload.length} bytes`).toEqual({n: name});
        }
        expect(new Set(['{"n":"abc"}', '{"n":"abcd"}', '{"n":"abcde"}'].map(p => p.length % 3))).toEqual(new Set([0, 1, 2]));
    });

    it('reads the URL-safe alphabet (- and _ where base64 has + and /)', () => {
        const payload = '{"name":"~~~???>>>"}';
        const part = base64url(payload);
        expect(part).toMatch(/-/);
        expect(part).toMatch(/_/);
        expect(jwtClaims(token(payload))).toEqual({name: '~~~???>>>'});
    });

    it('is null for what is not a JWT with an object payload', () => {
        for (const text of ['', 'no-dots', 'header.', 'header..sig', `x.${base64url('not json')}.y`,
            `x.${base64url('[1,2]')}.y`, `x.${base64url('"text"')}.y`, `x.${base64url('null')}.y`, 'x.!!!$$$.y'])
            expect(jwtClaims(text)).withContext(text).toBeNull();
    });

    it('needs no signature part', () => {
        expect(jwtClaims(`h.${base64url('{"a":1}')}`)).toEqual({a: 1});
    });
});

describe('jwtExpiry()', () => {
    it('is the exp claim in epoch ms', () => {
        expect(jwtExpiry(token('{"exp":1795000000}'))).toBe(1_795_000_000_000);
    });

    it('is null without a numeric exp, or without claims', () => {
        expect(jwtExpiry(token('{"sub":"a"}'))).toBeNull();
        expect(jwtExpiry(token('{"exp":"1795000000"}'))).toBeNull();
        expect(jwtExpiry('opaque-access-token')).toBeNull();
    });
});
