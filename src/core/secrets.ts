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
 * Keyring calls are short local D-Bus calls, made one at a time and never cancelled half-way:
 * overlapping or cancelled libsecret calls corrupted GNOME Shell 48's memory in our end-to-end
 * test (GLib/libsoup CRITICALs, then SIGSEGV).
 */
export class SecretStore {
    /** The call in progress; the next one starts after it settles. */
    private _queue: Promise<unknown> = Promise.resolve();

    private _serial<T>(run: () => Promise<T>): Promise<T> {
        const next = this._queue.then(run, run);
        this._queue = next.catch(() => undefined);
        return next;
    }

    private readonly _schema = Secret.Schema.new(SCHEMA_NAME, Secret.SchemaFlags.NONE, {
        provider: Secret.SchemaAttributeType.STRING,
        account: Secret.SchemaAttributeType.STRING,
    });

    lookup(provider: ProviderId, account: string): Promise<string | null> {
        return this._serial(() => call(cb => Secret.password_lookup(this._schema, {provider, account}, null, cb),
            Secret.password_lookup_finish));
    }

    store(provider: ProviderId, account: string, label: string, secret: string): Promise<boolean> {
        return this._serial(() => call(cb => Secret.password_store(this._schema, {provider, account},
            Secret.COLLECTION_DEFAULT, label, secret, null, cb), Secret.password_store_finish));
    }

    clear(provider: ProviderId, account: string): Promise<boolean> {
        return this._serial(() => call(cb => Secret.password_clear(this._schema, {provider, account}, null, cb),
            Secret.password_clear_finish));
    }
}
