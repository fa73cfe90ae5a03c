// Typed provider errors. Each carries a kind the UI can style, a message that names what
// went wrong and a hint that says what the user can do about it.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

/** Every kind of error, so that one read back from a file can be checked. */
const ERROR_KINDS = [
    'not-configured',
    'expired',
    'scope',
    'auth',
    'rate-limited',
    'network',
    /** No whole answer within the deadline (a stalled or trickling server). */
    'timeout',
    /** An answer larger than any real one: not read to the end. */
    'too-large',
    /** A redirect on a request carrying credentials: not followed, so they stay with their origin. */
    'redirect',
    'server',
    'parse',
    /** A bug of ours in one provider; the others carry on. */
    'internal',
] as const;

export type ErrorKind = typeof ERROR_KINDS[number];

export function isErrorKind(value: unknown): value is ErrorKind {
    return (ERROR_KINDS as readonly unknown[]).includes(value);
}

export class ProviderError extends Error {
    readonly kind: ErrorKind;
    readonly hint: string;
    /** For `rate-limited`, and for an endpoint backing off after failures: epoch ms before which no automatic request is made. */
    readonly retryAt: number | null;

    constructor(kind: ErrorKind, message: string, hint: string, retryAt: number | null = null) {
        super(message);
        this.name = 'ProviderError';
        this.kind = kind;
        this.hint = hint;
        this.retryAt = retryAt;
    }
}

/** The error every cancelled Gio call rejects with, for our own waits. */
export function cancelledError(): GLib.Error {
    return new Gio.IOErrorEnum({code: Gio.IOErrorEnum.CANCELLED, message: 'cancelled'});
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
