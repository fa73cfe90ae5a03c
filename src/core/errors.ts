// Typed provider errors. Each carries a kind the UI can style, a message that names what
// went wrong and a hint that says what the user can do about it.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

export type ErrorKind =
    | 'not-configured'
    | 'expired'
    | 'scope'
    | 'auth'
    | 'rate-limited'
    | 'network'
    | 'server'
    | 'parse';

export class ProviderError extends Error {
    readonly kind: ErrorKind;
    readonly hint: string;
    /** For `rate-limited`: epoch ms before which no automatic request may be made. */
    readonly retryAt: number | null;

    constructor(kind: ErrorKind, message: string, hint: string, retryAt: number | null = null) {
        super(message);
        this.name = 'ProviderError';
        this.kind = kind;
        this.hint = hint;
        this.retryAt = retryAt;
    }
}

export function isCancelled(error: unknown): boolean {
    return error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
}

/**
 * Calls `callback` when `cancellable` is cancelled (at once if it already is); returns the id for
 * cancellable.disconnect(). GJS exposes g_cancellable_connect() as Cancellable.connect(callback),
 * which the typings do not know. Never disconnect from inside the callback: it deadlocks.
 */
export function onCancelled(cancellable: Gio.Cancellable, callback: () => void): number {
    return (cancellable as unknown as {connect(handler: () => void): number}).connect(callback);
}

export function isNotFound(error: unknown): boolean {
    return error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
}
