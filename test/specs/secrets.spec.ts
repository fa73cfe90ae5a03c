// The keyring store (core/secrets.ts) against the test run's gnome-keyring: a secret stored is
// found again under its provider and account only, replaced by a second store, gone once cleared.
// A watching store (the Shell's) keeps answers until the keyring signals a change.

import Gio from 'gi://Gio';
import Secret from 'gi://Secret';

import {SecretStore} from '../../src/core/secrets.js';
import {until} from '../support/helpers.js';

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

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

describe('SecretStore watching the keyring (GNOME Shell)', () => {
    let secrets: SecretStore;
    let asked: number;
    beforeEach(() => {
        secrets = new SecretStore({watch: Gio.DBus.session});
        asked = 0;
        const lookup = Secret.password_lookup;
        spyOn(Secret, 'password_lookup').and.callFake((...args: Parameters<typeof lookup>) => {
            asked++;
            lookup(...args);
        });
    });
    afterEach(async () => {
        await secrets.clear(PROVIDER, 'a');
        secrets.destroy();
    });

    /** Stores a secret from another process, as the preferences or the command line would; resolves once the keyring said so. */
    async function storeElsewhere(secret: string): Promise<void> {
        let signalled = false;
        const id = Gio.DBus.session.signal_subscribe(null, 'org.freedesktop.Secret.Collection', null, null, null,
            Gio.DBusSignalFlags.NONE, () => {
                signalled = true;
            });
        try {
            const process = Gio.Subprocess.new(['secret-tool', 'store', '--label=spec', 'xdg:schema',
                'org.gnome.shell.extensions.ai-usage-meter', 'provider', PROVIDER, 'account', 'a'], Gio.SubprocessFlags.STDIN_PIPE);
            await process.communicate_utf8_async(secret, null);
            await until(() => signalled);
        } finally {
            Gio.DBus.session.signal_unsubscribe(id);
        }
    }

    it('asks the keyring once for a secret read again and again, a missing one included', async () => {
        await secrets.store(PROVIDER, 'a', 'spec', 'kept');
        for (let i = 0; i < 5; i++) {
            expect(await secrets.lookup(PROVIDER, 'a')).toBe('kept');
            expect(await secrets.lookup(PROVIDER, 'never-stored')).toBeNull();
        }
        expect(asked).toBe(2);
    });

    it('reads a secret again once another process changed it, and asks the keyring itself when told to', async () => {
        await storeElsewhere('first');
        expect(await secrets.lookup(PROVIDER, 'a')).toBe('first');
        await storeElsewhere('second');
        expect(await secrets.lookup(PROVIDER, 'a')).toBe('second');
        expect(await secrets.lookup(PROVIDER, 'a')).toBe('second');
        expect(asked).toBe(2);
        expect(await secrets.lookup(PROVIDER, 'a', true)).toBe('second');
        expect(asked).toBe(3);
    });

    it('keeps no answer read across its own store or clear', async () => {
        await secrets.store(PROVIDER, 'a', 'spec', 'old');
        const [before, stored, after] = await Promise.all([secrets.lookup(PROVIDER, 'a'),
            secrets.store(PROVIDER, 'a', 'spec', 'new'), secrets.lookup(PROVIDER, 'a')]);
        expect([before, stored, after]).toEqual(['old', true, 'new']);
        expect(await secrets.lookup(PROVIDER, 'a')).toBe('new');
        await secrets.clear(PROVIDER, 'a');
        expect(await secrets.lookup(PROVIDER, 'a')).toBeNull();
    });

    it('asks the keyring every time when it does not watch (the command line, the preferences)', async () => {
        const unwatched = new SecretStore();
        await unwatched.lookup(PROVIDER, 'a');
        await unwatched.lookup(PROVIDER, 'a');
        expect(asked).toBe(2);
    });
});
