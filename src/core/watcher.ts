// Watches credential files so that when a CLI refreshes its own token we notice at once.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

/** Coalesces bursts of events (write + rename + attribute change) into one callback. */
const SETTLE_MS = 500;

export class FileWatcher {
    private readonly _monitors: {monitor: Gio.FileMonitor; handlerId: number}[] = [];
    private _timeoutId = 0;

    constructor(paths: readonly string[], private readonly _onChange: () => void) {
        for (const path of new Set(paths)) {
            const monitor = Gio.File.new_for_path(path).monitor_file(Gio.FileMonitorFlags.WATCH_MOVES, null);
            const handlerId = monitor.connect('changed', (_monitor, _file, _other, event) => {
                // CHANGED fires per write; CHANGES_DONE_HINT, CREATED, MOVED_IN… mark a finished update.
                if (event !== Gio.FileMonitorEvent.CHANGED && event !== Gio.FileMonitorEvent.ATTRIBUTE_CHANGED)
                    this._schedule();
            });
            this._monitors.push({monitor, handlerId});
        }
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
        for (const {monitor, handlerId} of this._monitors.splice(0)) {
            monitor.disconnect(handlerId);
            monitor.cancel();
        }
    }
}
