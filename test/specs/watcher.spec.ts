// Watching credential files (core/watcher.ts): a change calls back once the burst settles, a
// file that appears later counts, and a stopped or dropped watch calls back no more. Absence is
// shown against a second watcher changed after it: its callback comes later than any the
// stopped one could still make.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {FileWatcher} from '../../src/core/watcher.js';
import {makeTempDir, until, writeFile} from '../support/helpers.js';

/** A watcher that counts its callbacks, and a promise of the next one. */
class CountingWatcher {
    calls = 0;
    readonly watcher: FileWatcher;
    private _waiting: (() => void)[] = [];

    constructor(paths: string[]) {
        this.watcher = new FileWatcher(() => {
            this.calls++;
            this._waiting.splice(0).forEach(resolve => resolve());
        });
        this.watcher.update(paths);
    }

    next(): Promise<void> {
        return new Promise(resolve => this._waiting.push(resolve));
    }
}

/** Changes `path` in place (an append, closed), the way a program rewrites a file it keeps open. */
function appendTo(path: string, text: string): void {
    const stream = Gio.File.new_for_path(path).append_to(Gio.FileCreateFlags.NONE, null);
    stream.write_all(new TextEncoder().encode(text), null);
    stream.close(null);
}

describe('FileWatcher', () => {
    let dir: string;
    const watchers: CountingWatcher[] = [];
    const watch = (...paths: string[]): CountingWatcher => {
        const watcher = new CountingWatcher(paths);
        watchers.push(watcher);
        return watcher;
    };
    beforeEach(() => {
        dir = makeTempDir();
    });
    afterEach(() => watchers.splice(0).forEach(w => w.watcher.destroy()));

    /**
     * Resolves once a watcher started now has seen two changes of a file of its own, one after the
     * other: by then a callback due from any earlier change has been made.
     */
    async function settled(): Promise<void> {
        const path = GLib.build_filenamev([dir, `sentinel-${watchers.length}`]);
        writeFile(path, '0');
        const sentinel = watch(path);
        for (const text of ['1', '2']) {
            const next = sentinel.next();
            writeFile(path, text);
            await next;
        }
    }

    it('calls back when a watched file is replaced (written to a temporary file, renamed over it)', async () => {
        const path = `${dir}/auth.json`;
        writeFile(path, '{"token": "old"}');
        const watcher = watch(path);
        const changed = watcher.next();
        writeFile(path, '{"token": "new"}');
        await changed;
        expect(watcher.calls).toBe(1);
    });

    it('calls back when a watched file is written in place', async () => {
        const path = `${dir}/auth.json`;
        writeFile(path, '{}');
        const watcher = watch(path);
        const changed = watcher.next();
        appendTo(path, '\n');
        await changed;
        expect(watcher.calls).toBe(1);
    });

    it('calls back when a watched file that did not exist appears', async () => {
        const path = `${dir}/.credentials.json`;
        const watcher = watch(path);
        const changed = watcher.next();
        writeFile(path, '{}');
        await changed;
        expect(watcher.calls).toBe(1);
    });

    it('calls back once for a burst of changes', async () => {
        const path = `${dir}/auth.json`;
        writeFile(path, '0');
        const watcher = watch(path);
        const changed = watcher.next();
        for (const text of ['1', '2', '3'])
            writeFile(path, text);
        appendTo(path, '4');
        await changed;
        await settled();
        expect(watcher.calls).toBe(1);
    });

    it('calls back no more once destroyed, a change already settling included', async () => {
        const path = `${dir}/auth.json`;
        writeFile(path, '0');
        const stopped = watch(path);
        writeFile(path, '1');
        // The change has arrived and its callback is due when the burst settles: destroy() drops it.
        await until(() => (stopped.watcher as unknown as {_timeoutId: number})._timeoutId !== 0);
        stopped.watcher.destroy();
        await settled();
        expect(stopped.calls).toBe(0);

        writeFile(path, '2');
        await settled();
        expect(stopped.calls).toBe(0);
    });

    it('keeps watching the paths it is given again and stops watching the ones left out', async () => {
        const [kept, dropped] = [`${dir}/kept.json`, `${dir}/dropped.json`];
        writeFile(kept, '0');
        writeFile(dropped, '0');
        const watcher = watch(kept, dropped);
        const monitorOf = (path: string): unknown =>
            (watcher.watcher as unknown as {_watches: Map<string, {monitor: unknown}>})._watches.get(path)?.monitor;
        const keptMonitor = monitorOf(kept);
        expect(keptMonitor).toBeDefined();
        watcher.watcher.update([kept]);
        // A path watched already keeps its monitor (re-creating one in quick succession is what crashes inotify).
        expect(monitorOf(kept)).toBe(keptMonitor);
        expect(monitorOf(dropped)).toBeUndefined();

        writeFile(dropped, '1');
        await settled();
        expect(watcher.calls).toBe(0);

        const changed = watcher.next();
        writeFile(kept, '1');
        await changed;
        expect(watcher.calls).toBe(1);
    });
});
