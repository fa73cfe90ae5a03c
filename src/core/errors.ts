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

export function isNotFound(error: unknown): boolean {
    return error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND);
}
