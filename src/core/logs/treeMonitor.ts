// Watches the log folders (inotify through Gio.FileMonitor) so that a refresh looks only at
// the files that changed: listing thousands of files costs more than reading what a session
// appended. Used by the long-running scanner worker; it falls back to a full listing when it
// cannot tell (before the first listing, or after a folder could not be watched).

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

const NOTIFY = new Set([
    Gio.FileMonitorEvent.CHANGED, Gio.FileMonitorEvent.CHANGES_DONE_HINT, Gio.FileMonitorEvent.CREATED,
    Gio.FileMonitorEvent.MOVED_IN, Gio.FileMonitorEvent.RENAMED, Gio.FileMonitorEvent.ATTRIBUTE_CHANGED,
]);

export class TreeMonitor {
    private readonly _monitors = new Map<string, {monitor: Gio.FileMonitor; handler: number}>();
    private _changed = new Set<string>();
    private _complete = false;

    /** Watches exactly these folders (adding new ones, dropping gone ones). */
    watch(dirs: Iterable<string>): void {
        const wanted = new Set(dirs);
        for (const [dir, {monitor, handler}] of this._monitors) {
            if (!wanted.has(dir)) {
                monitor.disconnect(handler);
                monitor.cancel();
                this._monitors.delete(dir);
            }
        }
        this._complete = true;
        this.add(wanted);
    }

    /** Also watches these folders (new ones found between full listings). */
    add(dirs: Iterable<string>): void {
        for (const dir of dirs) {
            if (this._monitors.has(dir))
                continue;
            try {
                const monitor = Gio.File.new_for_path(dir).monitor_directory(Gio.FileMonitorFlags.WATCH_MOVES, null);
                monitor.set_rate_limit(50);
                const handler = monitor.connect('changed', (_m, file, other, event) => {
                    if (!NOTIFY.has(event))
                        return;
                    const path = (event === Gio.FileMonitorEvent.RENAMED ? other : file)?.get_path();
                    if (path)
                        this._changed.add(path);
                });
                this._monitors.set(dir, {monitor, handler});
            } catch {
                this._complete = false; // e.g. out of inotify watches: list everything each time
            }
        }
    }

    /**
     * The paths created or changed since the last call (files and folders), or null when only a
     * full listing can tell. Events already queued are delivered first.
     */
    takeChanges(): string[] | null {
        const context = GLib.MainContext.default();
        while (context.pending())
            context.iteration(false);
        if (!this._complete)
            return null;
        const changed = [...this._changed];
        this._changed = new Set();
        return changed;
    }

    close(): void {
        this.watch([]);
        this._complete = false;
    }
}
