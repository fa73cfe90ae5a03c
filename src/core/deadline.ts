// A deadline on a promise: the caller stops waiting when it passes, without cancelling the work
// itself (cancelling Soup requests in flight crashed GNOME Shell; the work finishes or fails on
// its own and is dropped). Used for HTTP requests, provider fetches and the log scanner worker.

import GLib from 'gi://GLib';

/**
 * Settles like `work`, or rejects with `expired()` after `ms` if `work` has not settled by then;
 * `onExpired` runs at that moment (to stop a read loop, end a subprocess…). A late outcome of
 * `work` is dropped (its rejection is handled, so it is never reported as unhandled).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, expired: () => Error, onExpired?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        let pending = true;
        const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, Math.max(0, Math.ceil(ms)), () => {
            if (pending) {
                pending = false;
                onExpired?.();
                reject(expired());
            }
            return GLib.SOURCE_REMOVE;
        });
        const settle = (outcome: () => void): void => {
            if (!pending)
                return;
            pending = false;
            GLib.source_remove(timer);
            outcome();
        };
        work.then(value => settle(() => resolve(value)), (error: unknown) => settle(() => reject(error)));
    });
}
