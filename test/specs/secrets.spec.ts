// The keyring store (core/secrets.ts) against the test run's gnome-keyring: a secret stored is
// found again under its provider and account only, replaced by a second store, gone once cleared.

import {SecretStore} from '../../src/core/secrets.js';

const PROVIDER = 'spec-secrets';

describe('SecretStore', () => {
    const secrets = new SecretStore();
    afterEach(async () => {
        for (const [provider, account] of [[PROVIDER, 'a'], [PROVIDER, 'b'], ['spec-other', 'a']] as const)
            await secrets.clear(provider, account);
    });

    it('finds a stored secret again, and nothing once it is cleared', async () => {
        expect(await secrets.store(PROVIDER, 'a', 'spec: a', 'sk-secret-1')).toBeTrue();
        expect(await secrets.lookup(PROVIDER, 'a')).toBe('sk-secret-1');
        expect(await secrets.clear(PROVIDER, 'a')).toBeTrue();
        expect(await secrets.lookup(PROVIDER, 'a')).toBeNull();
    });

    it('is null for a secret never stored; clearing it clears nothing', async () => {
        expect(await secrets.lookup(PROVIDER, 'a')).toBeNull();
        expect(await secrets.clear(PROVIDER, 'a')).toBeFalse();
    });

    it('replaces a secret stored again under the same provider and account', async () => {
        await secrets.store(PROVIDER, 'a', 'spec: a', 'first');
        await secrets.store(PROVIDER, 'a', 'spec: a', 'second');
        expect(await secrets.lookup(PROVIDER, 'a')).toBe('second');
        await secrets.clear(PROVIDER, 'a');
        expect(await secrets.lookup(PROVIDER, 'a')).toBeNull();
    });

    it('keeps providers and accounts apart', async () => {
        await secrets.store(PROVIDER, 'a', 'spec', 'provider a');
        await secrets.store(PROVIDER, 'b', 'spec', 'provider b');
        await secrets.store('spec-other', 'a', 'spec', 'other a');
        expect([await secrets.lookup(PROVIDER, 'a'), await secrets.lookup(PROVIDER, 'b'), await secrets.lookup('spec-other', 'a')])
            .toEqual(['provider a', 'provider b', 'other a']);
        await secrets.clear(PROVIDER, 'a');
        expect([await secrets.lookup(PROVIDER, 'a'), await secrets.lookup(PROVIDER, 'b'), await secrets.lookup('spec-other', 'a')])
            .toEqual([null, 'provider b', 'other a']);
    });

    it('keeps any text a secret holds, JSON and non-ASCII included', async () => {
        const text = '{"accessToken":"at-ünïcode-✓","refreshToken":"rt\\n"}';
        await secrets.store(PROVIDER, 'a', 'spec', text);
        expect(await secrets.lookup(PROVIDER, 'a')).toBe(text);
    });

    it('runs calls made without waiting in the order they were made', async () => {
        const calls = [
            secrets.store(PROVIDER, 'a', 'spec', 'one'),
            secrets.lookup(PROVIDER, 'a'),
            secrets.store(PROVIDER, 'a', 'spec', 'two'),
            secrets.lookup(PROVIDER, 'a'),
            secrets.clear(PROVIDER, 'a'),
            secrets.lookup(PROVIDER, 'a'),
        ];
        expect(await Promise.all(calls)).toEqual([true, 'one', true, 'two', true, null]);
    });
});
