// Tokens we obtain ourselves live in the user's keyring (libsecret), never in GSettings or files.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
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

/** What a watching store keeps an answer for at most, in case a keyring does not signal a change. */
const KEPT_ANSWER_MS = 10 * 60_000;

/** The Secret Service's bus name, and its interfaces whose signals say an item, or whether it can be read, changed. */
const SECRET_SERVICE = 'org.freedesktop.secrets';
const CHANGE_INTERFACES = ['org.freedesktop.Secret.Collection', 'org.freedesktop.Secret.Service'];

export interface SecretStoreOptions {
    /**
     * Keeps what the keyring answered until it signals a change on this bus (or KEPT_ANSWER_MS
     * pass). For GNOME Shell, which reads its tokens on every refresh: a libsecret lookup is a
     * few D-Bus round trips, and under GJS each one left the malloc heap larger for good (about
     * 6 kB a lookup over 5,000 Copilot refreshes in GJS 1.86; flat with answers kept).
     */
    watch?: Gio.DBusConnection;
}

/**
 * Keyring calls are short local D-Bus calls, made one at a time and never cancelled half-way:
 * overlapping or cancelled libsecret calls corrupted GNOME Shell 48's memory in our end-to-end
 * test (GLib/libsoup CRITICALs, then SIGSEGV).
 */
export class SecretStore {
    /** The call in progress; the next one starts after it settles. */
    private _queue: Promise<unknown> = Promise.resolve();
    private readonly _bus: Gio.DBusConnection | null;
    private readonly _subscriptions: number[] = [];
    /** Answers kept while watching, by provider and account, with when they were read (monotonic ms). */
    private readonly _answers = new Map<string, {secret: string | null; at: number}>();
    /** Counts changes: an answer read across one is not kept (it may predate the change). */
    private _changes = 0;

    constructor(options: SecretStoreOptions = {}) {
        const bus = options.watch ?? null;
        this._bus = bus;
        if (bus !== null) {
            this._subscriptions.push(...CHANGE_INTERFACES.map(name => bus.signal_subscribe(SECRET_SERVICE, name, null, null, null,
                Gio.DBusSignalFlags.NONE, () => this._forget())));
        }
    }

    private _serial<T>(run: () => Promise<T>): Promise<T> {
        const next = this._queue.then(run, run);
        this._queue = next.catch(() => undefined);
        return next;
    }

    private _forget(): void {
        this._changes++;
        this._answers.clear();
    }

    private readonly _schema = Secret.Schema.new(SCHEMA_NAME, Secret.SchemaFlags.NONE, {
        provider: Secret.SchemaAttributeType.STRING,
        account: Secret.SchemaAttributeType.STRING,
    });

    /** The secret, or null; `fresh` asks the keyring even when an answer is kept (before renewing a token). */
    lookup(provider: ProviderId, account: string, fresh = false): Promise<string | null> {
        const key = JSON.stringify([provider, account]);
        const kept = this._answers.get(key);
        const now = GLib.get_monotonic_time() / 1000;
        if (kept !== undefined && !fresh && now - kept.at < KEPT_ANSWER_MS)
            return Promise.resolve(kept.secret);
        const changes = this._changes;
        return this._serial(() => call(cb => Secret.password_lookup(this._schema, {provider, account}, null, cb),
            Secret.password_lookup_finish)).then(secret => {
            if (this._bus !== null && changes === this._changes)
                this._answers.set(key, {secret, at: now});
            return secret;
        });
    }

    store(provider: ProviderId, account: string, label: string, secret: string): Promise<boolean> {
        this._forget();
        return this._serial(() => call(cb => Secret.password_store(this._schema, {provider, account},
            Secret.COLLECTION_DEFAULT, label, secret, null, cb), Secret.password_store_finish));
    }

    clear(provider: ProviderId, account: string): Promise<boolean> {
        this._forget();
        return this._serial(() => call(cb => Secret.password_clear(this._schema, {provider, account}, null, cb),
            Secret.password_clear_finish));
    }

    /** Stops watching the bus. */
    destroy(): void {
        for (const id of this._subscriptions.splice(0))
            this._bus?.signal_unsubscribe(id);
        this._forget();
    }
}
