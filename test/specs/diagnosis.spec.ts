// The findings `doctor` reports (core/diagnosis.ts): their shapes, probes that fail, token
// expiry, own sign-ins in the keyring, and reaching an endpoint (a loopback server, a name that
// does not resolve).

import {ProviderError} from '../../src/core/errors.js';
import {attempt, expiry, fail, ok, ownSignInFindings, reachable, warn} from '../../src/core/diagnosis.js';
import {ENDPOINT_OVERRIDE_ENV} from '../../src/core/http.js';
import {OwnTokenStore} from '../../src/core/ownSignIn.js';
import {SecretStore} from '../../src/core/secrets.js';
import {FixtureServer} from '../support/fixtureServer.js';
import {makeTempDir, testEnvironment} from '../support/helpers.js';

const NOW = Date.UTC(2026, 10, 23, 12);

describe('ok(), warn() and fail()', () => {
    it('make a finding of their status; only warnings and failures carry a fix', () => {
        expect(ok('claude', 'signed in')).toEqual({scope: 'claude', status: 'ok', detail: 'signed in', fix: null});
        expect(warn('codex', 'no sign-in', 'Run `codex login`.')).toEqual({scope: 'codex', status: 'warn', detail: 'no sign-in',
            fix: 'Run `codex login`.'});
        expect(fail('gemini', 'broken', null)).toEqual({scope: 'gemini', status: 'fail', detail: 'broken', fix: null});
    });
});

describe('attempt()', () => {
    it('returns the probe\'s findings', async () => {
        expect(await attempt('claude', () => Promise.resolve([ok('claude', 'fine')]))).toEqual([ok('claude', 'fine')]);
    });

    it('makes a ProviderError one finding with its message and hint: a warning when nothing is set up', async () => {
        expect(await attempt('codex', () => Promise.reject(new ProviderError('not-configured', 'No sign-in.', 'Run `codex login`.'))))
            .toEqual([warn('codex', 'No sign-in.', 'Run `codex login`.')]);
        expect(await attempt('codex', () => Promise.reject(new ProviderError('auth', 'Refused.', 'Sign in again.'))))
            .toEqual([fail('codex', 'Refused.', 'Sign in again.')]);
        expect(await attempt('codex', () => Promise.reject(new ProviderError('parse', 'Broken file.', 'Fix it.'))))
            .toEqual([fail('codex', 'Broken file.', 'Fix it.')]);
    });

    it('lets a programming error through', async () => {
        await expectAsync(attempt('codex', () => Promise.reject(new TypeError('bug')))).toBeRejectedWithError(TypeError);
    });
});

describe('expiry()', () => {
    it('says nothing when the expiry is unknown', () => {
        expect(expiry('claude', null, NOW, 'Sign in.')).toEqual([]);
    });

    it('is fine until the token expires, with the time', () => {
        expect(expiry('claude', NOW + 90 * 60_000, NOW, 'Sign in.')).toEqual([ok('claude', 'token valid until 13:30')]);
        expect(expiry('claude', NOW + 1, NOW, 'Sign in.')[0]?.status).toBe('ok');
    });

    it('fails with the fix from the moment it expires', () => {
        expect(expiry('claude', NOW, NOW, 'Run `claude` to sign in.')).toEqual([fail('claude', 'token expired', 'Run `claude` to sign in.')]);
        expect(expiry('claude', NOW - 86_400_000, NOW, 'x')[0]?.status).toBe('fail');
    });
});

describe('ownSignInFindings()', () => {
    const tokens = new OwnTokenStore(new SecretStore());
    afterEach(async () => {
        await tokens.forget('claude', 'kept');
    });

    it('says per account whether its token is in the keyring, named for `logout`', async () => {
        await tokens.save('claude', 'kept', 'spec', {accessToken: 'a', refreshToken: 'r', expiresAt: NOW, idToken: null});
        expect(await ownSignInFindings(tokens, 'claude', ['kept', 'lost'], 'claude')).toEqual([
            ok('claude own sign-in kept', 'token in the keyring'),
            fail('claude own sign-in lost', 'no token in the keyring', 'Sign in again: `ai-usage-meter login claude` or the preferences.'),
        ]);
    });

    it('has no finding without own sign-ins', async () => {
        expect(await ownSignInFindings(tokens, 'claude', [], 'claude')).toEqual([]);
    });
});

describe('reachable()', () => {
    it('finds a listening loopback server reachable, naming the host', async () => {
        const server = new FixtureServer();
        try {
            const env = testEnvironment(makeTempDir(), {[ENDPOINT_OVERRIDE_ENV]: server.baseUrl});
            expect(await reachable('https://api.example.test/v1/usage', env)).toEqual(ok('network', '127.0.0.1 reachable'));
        } finally {
            server.destroy();
        }
    });

    it('fails for a host that does not resolve, with what to check', async () => {
        const env = testEnvironment(makeTempDir(), {[ENDPOINT_OVERRIDE_ENV]: 'http://nowhere.invalid:8080'});
        expect(await reachable('https://api.example.test/v1/usage', env))
            .toEqual(fail('network', 'nowhere.invalid not reachable', 'Check the network connection, proxy and DNS.'));
    });
});
