// Typed provider errors and cancellation (core/errors.ts): what a ProviderError carries, which
// errors count as cancelled or not found, and onCancelled() on a cancellable cancelled already.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {ProviderError, cancelledError, isCancelled, isNotFound, onCancelled} from '../../src/core/errors.js';
import {makeTempDir} from '../support/helpers.js';

Gio._promisify(Gio.File.prototype, 'load_contents_async', 'load_contents_finish');

/** What a real Gio call rejects with. */
async function gioError(path: string, cancellable: Gio.Cancellable | null): Promise<unknown> {
    try {
        await Gio.File.new_for_path(path).load_contents_async(cancellable);
    } catch (error) {
        return error;
    }
    throw new Error('expected the read to fail');
}

describe('ProviderError', () => {
    it('carries a kind, a message, a hint and, for rate limits, when to try again', () => {
        const error = new ProviderError('rate-limited', 'Rate limited.', 'Wait.', 1_795_000_000_000);
        expect(error).toBeInstanceOf(Error);
        expect([error.name, error.kind, error.message, error.hint, error.retryAt])
            .toEqual(['ProviderError', 'rate-limited', 'Rate limited.', 'Wait.', 1_795_000_000_000]);
        expect(String(error)).toBe('ProviderError: Rate limited.');
    });

    it('has no retry time unless given one', () => {
        expect(new ProviderError('auth', 'm', 'h').retryAt).toBeNull();
    });
});

describe('isCancelled() and cancelledError()', () => {
    it('recognises what a cancelled Gio call rejects with, and our own cancelled error', async () => {
        const cancellable = new Gio.Cancellable();
        cancellable.cancel();
        const file = GLib.build_filenamev([makeTempDir(), 'f']);
        GLib.file_set_contents(file, 'x');
        expect(isCancelled(await gioError(file, cancellable))).toBeTrue();
        expect(cancelledError()).toBeInstanceOf(GLib.Error);
        expect(isCancelled(cancelledError())).toBeTrue();
    });

    it('is false for every other error', async () => {
        expect(isCancelled(await gioError(GLib.build_filenamev([makeTempDir(), 'missing']), null))).toBeFalse();
        expect(isCancelled(new ProviderError('network', 'cancelled', 'h'))).toBeFalse();
        expect(isCancelled(new Error('cancelled'))).toBeFalse();
        expect(isCancelled('cancelled')).toBeFalse();
        expect(isCancelled(null)).toBeFalse();
    });
});

describe('isNotFound()', () => {
    it('is true for a missing file only', async () => {
        expect(isNotFound(await gioError(GLib.build_filenamev([makeTempDir(), 'missing']), null))).toBeTrue();
        expect(isNotFound(cancelledError())).toBeFalse();
        expect(isNotFound(new Error('not found'))).toBeFalse();
    });
});

describe('onCancelled()', () => {
    it('calls back when the cancellable is cancelled, once', () => {
        const cancellable = new Gio.Cancellable();
        let calls = 0;
        const id = onCancelled(cancellable, () => calls++);
        expect(calls).toBe(0);
        cancellable.cancel();
        cancellable.cancel();
        expect(calls).toBe(1);
        cancellable.disconnect(id);
    });

    it('calls back at once when it is cancelled already', () => {
        const cancellable = new Gio.Cancellable();
        cancellable.cancel();
        let calls = 0;
        onCancelled(cancellable, () => calls++);
        expect(calls).toBe(1);
    });

    it('stops calling back once disconnected by the id it returned', () => {
        const cancellable = new Gio.Cancellable();
        let calls = 0;
        const id = onCancelled(cancellable, () => calls++);
        expect(id).toBeGreaterThan(0);
        cancellable.disconnect(id);
        cancellable.cancel();
        expect(calls).toBe(0);
    });
});
