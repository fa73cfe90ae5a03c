// Adding and removing an own sign-in (core/ownAccounts.ts): the tokens go to the keyring under a
// new random account id, listed in the own-signins setting; removing forgets both, and the list
// never keeps an account the keyring failed to forget.

import {addOwnSignIn, removeOwnSignIn} from '../../src/core/ownAccounts.js';
import {OwnTokenStore, type OwnTokens} from '../../src/core/ownSignIn.js';
import {ownSignIns} from '../../src/core/provider.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys} from '../../src/core/settings.js';
import {testSettings} from '../support/helpers.js';

const TOKENS: OwnTokens = {accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: Date.UTC(2026, 10, 23, 13), idToken: null};

/** A keyring that can be told to refuse what it is given. */
class FailingSecrets extends SecretStore {
    refuseStores = false;
    failClears = false;
    override store(...args: Parameters<SecretStore['store']>): Promise<boolean> {
        return this.refuseStores ? Promise.resolve(false) : super.store(...args);
    }

    override clear(...args: Parameters<SecretStore['clear']>): Promise<boolean> {
        return this.failClears ? Promise.reject(new Error('the keyring is locked')) : super.clear(...args);
    }
}

describe('addOwnSignIn() and removeOwnSignIn()', () => {
    const secrets = new FailingSecrets();
    const tokens = new OwnTokenStore(secrets);
    const added: string[] = [];
    afterEach(async () => {
        secrets.refuseStores = false;
        secrets.failClears = false;
        for (const account of added.splice(0))
            await tokens.forget('claude', account);
    });
    const add = async (settings = testSettings()): Promise<string> => {
        const account = await addOwnSignIn(tokens, settings, 'claude', TOKENS, null);
        added.push(account);
        return account;
    };

    it('stores the tokens under a new URL-safe account id and lists it after the others', async () => {
        const settings = testSettings();
        settings.setEntry(Keys.ownSignIns, 'claude', ['earlier']);
        settings.setEntry(Keys.ownSignIns, 'codex', ['theirs']);
        const account = await add(settings);
        expect(account).toMatch(/^[A-Za-z0-9]{8,12}$/);
        expect(await tokens.load('claude', account)).toEqual(TOKENS);
        expect(ownSignIns(settings, 'claude')).toEqual(['earlier', account]);
        expect(ownSignIns(settings, 'codex')).toEqual(['theirs']);
    });

    it('gives every sign-in an id of its own, the same account signed in twice included', async () => {
        const settings = testSettings();
        const [first, second] = [await add(settings), await add(settings)];
        expect(first).not.toBe(second);
        expect(ownSignIns(settings, 'claude')).toEqual([first, second]);
    });

    it('makes ids without the characters base64 would put in them (+, /, =)', async () => {
        // Random ids: of 16, some would hold + or / (a third of 12-character ones do) if they were kept.
        const settings = testSettings();
        const ids: string[] = [];
        for (let i = 0; i < 16; i++)
            ids.push(await add(settings));
        expect(new Set(ids).size).toBe(16);
        for (const id of ids)
            expect(id).toMatch(/^[A-Za-z0-9]+$/);
    });

    it('lists nothing when the keyring does not take the tokens', async () => {
        const settings = testSettings();
        secrets.refuseStores = true;
        await expectAsync(addOwnSignIn(tokens, settings, 'claude', TOKENS, null)).toBeRejected();
        expect(ownSignIns(settings, 'claude')).toEqual([]);
    });

    it('forgets the tokens and unlists the account, leaving the others', async () => {
        const settings = testSettings();
        const [gone, kept] = [await add(settings), await add(settings)];
        await removeOwnSignIn(tokens, settings, 'claude', gone);
        expect(await tokens.load('claude', gone)).toBeNull();
        expect(await tokens.load('claude', kept)).toEqual(TOKENS);
        expect(ownSignIns(settings, 'claude')).toEqual([kept]);
    });

    it('unlists the account even when the keyring fails to forget it, and says so', async () => {
        const settings = testSettings();
        const account = await add(settings);
        secrets.failClears = true;
        await expectAsync(removeOwnSignIn(tokens, settings, 'claude', account)).toBeRejectedWithError(/locked/);
        expect(ownSignIns(settings, 'claude')).toEqual([]);
    });
});
