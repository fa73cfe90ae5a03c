// Tokens we obtain ourselves live in the user's keyring (libsecret), never in GSettings or files.
import type Gio from 'gi://Gio';
import Secret from 'gi://Secret';

import type {ProviderId} from './contract.js';

const SCHEMA_NAME = 'org.gnome.shell.extensions.ai-usage-meter';

/** Turns a libsecret callback pair into a promise. */
function call<T>(start: (callback: (source: unknown, result: Gio.AsyncResult) => void) => void,
    finish: (result: Gio.AsyncResult) => T): Promise<T> {
    return new Promise((resolve, reject) => {
        start((_source, result) => {
            try {
                resolve(finish(result));
            } catch (error) {
                reject(error); // a GLib.Error must stay one: callers test it for CANCELLED
            }
        });
    });
}

/**
 * Keyring calls are short local D-Bus calls and are never cancelled half-way: cancelling a
 * libsecret lookup in flight crashed GNOME Shell 48 in our end-to-end test
 * (GLib-CRITICAL g_atomic_rc_box_acquire, then SIGSEGV). Callers check their own cancellable.
 */
export class SecretStore {
    private readonly _schema = Secret.Schema.new(SCHEMA_NAME, Secret.SchemaFlags.NONE, {
        provider: Secret.SchemaAttributeType.STRING,
        account: Secret.SchemaAttributeType.STRING,
    });

    lookup(provider: ProviderId, account: string): Promise<string | null> {
        return call(cb => Secret.password_lookup(this._schema, {provider, account}, null, cb),
            Secret.password_lookup_finish);
    }

    store(provider: ProviderId, account: string, label: string, secret: string): Promise<boolean> {
        return call(cb => Secret.password_store(this._schema, {provider, account}, Secret.COLLECTION_DEFAULT,
            label, secret, null, cb), Secret.password_store_finish);
    }

    clear(provider: ProviderId, account: string): Promise<boolean> {
        return call(cb => Secret.password_clear(this._schema, {provider, account}, null, cb),
            Secret.password_clear_finish);
    }
}
