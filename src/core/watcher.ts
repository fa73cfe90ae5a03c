// Watches credential files so that when a CLI refreshes its own token we notice at once.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

/** Coalesces bursts of events (write + rename + attribute change) into one callback. */
const SETTLE_MS = 500;

interface Watch {
    monitor: Gio.FileMonitor;
    handlerId: number;
}

export class FileWatcher {
    private readonly _watches = new Map<string, Watch>();
    private _timeoutId = 0;

    constructor(private readonly _onChange: () => void) {}

    /**
     * Watches exactly `paths`. A path watched already keeps its monitor: cancelling and
     * re-creating a monitor for the same file in quick succession is both wasteful and, with
     * GLib's inotify backend, a source of crashes.
     */
    update(paths: readonly string[]): void {
        const wanted = new Set(paths);
        for (const [path, watch] of this._watches) {
            if (!wanted.has(path)) {
                this._unwatch(watch);
                this._watches.delete(path);
            }
        }
        for (const path of wanted) {
            if (this._watches.has(path))
                continue;
            const monitor = Gio.File.new_for_path(path).monitor_file(Gio.FileMonitorFlags.WATCH_MOVES, null);
            const handlerId = monitor.connect('changed', (_monitor, _file, _other, event) => {
                // CHANGED fires per write; CHANGES_DONE_HINT, CREATED, MOVED_IN… mark a finished update.
                if (event !== Gio.FileMonitorEvent.CHANGED && event !== Gio.FileMonitorEvent.ATTRIBUTE_CHANGED)
                    this._schedule();
            });
            this._watches.set(path, {monitor, handlerId});
        }
    }

    private _unwatch({monitor, handlerId}: Watch): void {
        monitor.disconnect(handlerId);
        monitor.cancel();
    }

    private _schedule(): void {
        if (this._timeoutId !== 0)
            GLib.source_remove(this._timeoutId);
        this._timeoutId = GLib.timeout_add(GLib.PRIORITY_DEFAULT, SETTLE_MS, () => {
            this._timeoutId = 0;
            this._onChange();
            return GLib.SOURCE_REMOVE;
        });
    }

    destroy(): void {
        if (this._timeoutId !== 0)
            GLib.source_remove(this._timeoutId);
        this._timeoutId = 0;
        for (const watch of this._watches.values())
            this._unwatch(watch);
        this._watches.clear();
    }
}
