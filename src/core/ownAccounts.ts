// Adding and removing an account of our own sign-in: its tokens in the keyring, its id in the
// own-signins setting. The preferences and the CLI's `login`/`logout` both go through here.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {ProviderId} from './contract.js';
import {randomBytes} from './files.js';
import {_, format} from './i18n.js';
import type {OwnTokenStore, OwnTokens} from './ownSignIn.js';
import {ownSignIns} from './provider.js';
import {Keys, type Settings} from './settings.js';

/** Stores the tokens of a new sign-in under a new random account id, then lists it; returns the id. */
export async function addOwnSignIn(tokens: OwnTokenStore, settings: Settings, provider: ProviderId, fresh: OwnTokens,
    cancellable: Gio.Cancellable | null): Promise<string> {
    const account = GLib.base64_encode(await randomBytes(9, cancellable)).replace(/[+/=]/g, '');
    await tokens.save(provider, account, format(_('AI Usage Meter: %s sign-in'), provider), fresh);
    settings.setEntry(Keys.ownSignIns, provider, [...ownSignIns(settings, provider), account]);
    return account;
}

/** Forgets the account's tokens; it leaves the list even when the keyring fails (which is rethrown). */
export async function removeOwnSignIn(tokens: OwnTokenStore, settings: Settings, provider: ProviderId, account: string):
    Promise<void> {
    try {
        await tokens.forget(provider, account);
    } finally {
        settings.setEntry(Keys.ownSignIns, provider, ownSignIns(settings, provider).filter(a => a !== account));
    }
}
