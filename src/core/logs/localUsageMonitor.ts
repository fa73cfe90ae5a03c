// The extension's side of the local-log engine: it keeps one scanner worker running
// (`gjs -m cli/main.js scan --serve`), asks it for a scan on a timer or on demand, and reads
// its one-line JSON answers asynchronously. Nothing here reads a log: the Shell's main loop
// only waits for a line on a pipe. A watchdog bounds that wait: a worker that does not answer
// in time is killed and started again after a back-off, and the card says so meanwhile.
// destroy() cancels the read, the restart and ends the worker.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {RestartBackoff} from '../backoff.js';
import {childEnvironment} from '../childEnvironment.js';
import {withDeadline} from '../deadline.js';
import {isCancelled, onCancelled} from '../errors.js';
import {_, format} from '../i18n.js';
import {isObject, parseJson} from '../json.js';
import type {LocalUsage} from './localUsage.js';

Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish');
Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');

export interface LocalUsageState {
    /** The last scan's result; kept (and still shown) while the worker fails. */
    usage: LocalUsage | null;
    /** Why the last scan gave nothing, in words for the menu; null when it worked. */
    error: string | null;
    scanning: boolean;
}

/** How long the Shell waits for the worker, and how it restarts one that failed. */
export interface Watchdog {
    /**
     * Longest wait for a started worker's first full answer (a first scan, or the catch-up read
     * after an answer from the saved state). 120 s: the first scan of 1 GB of logs took 3–13 s on
     * a loaded two-core machine, so this leaves room for trees many times larger and a cold disk.
     */
    firstScanMs: number;
    /**
     * Longest wait for any later answer, an incremental scan of what was appended (20–50 ms per
     * MB appended): 30 s is hundreds of megabytes, far more than any refresh interval sees.
     */
    refreshMs: number;
    /** Delays between restarts: 1 s, doubling up to 5 minutes, reset by an answer. */
    restart: RestartBackoff;
}

export const defaultWatchdog = (): Watchdog => ({firstScanMs: 120_000, refreshMs: 30_000, restart: new RestartBackoff()});

/** The worker did not answer within the watchdog's time: it was killed. */
export class ScannerHungError extends Error {
    constructor(readonly seconds: number) {
        super(format(_('the log scanner stopped answering (nothing within %d s)'), seconds));
        this.name = 'ScannerHungError';
    }
}

interface Worker {
    process: Gio.Subprocess;
    input: Gio.OutputStream;
    output: Gio.DataInputStream;
    /** It gave a full answer (not only its saved state): later scans are incremental. */
    answered: boolean;
}

const isLocalUsage = (value: unknown): value is LocalUsage =>
    isObject(value) && typeof value['generatedAt'] === 'number' && Array.isArray(value['sources']);

export class LocalUsageMonitor {
    private readonly _argv: readonly string[];
    private readonly _onError: (error: unknown) => void;
    private readonly _watchdog: Watchdog;
    /** The pending restart after a failure; while it waits, refreshes wait for it. */
    private _restartTimer = 0;
    private readonly _cancellable = new Gio.Cancellable();
    private readonly _listeners = new Set<() => void>();
    private _worker: Worker | null = null;
    private _timer = 0;
    private _again = false;
    private _state: LocalUsageState = {usage: null, error: null, scanning: false};

    /** `argv` starts the worker: gjs, -m, the CLI's main.js, scan, --serve. */
    constructor(argv: readonly string[], onError: (error: unknown) => void, watchdog: Partial<Watchdog> = {}) {
        this._argv = argv;
        this._onError = onError;
        this._watchdog = {...defaultWatchdog(), ...watchdog};
    }

    get state(): LocalUsageState {
        return this._state;
    }

    subscribe(listener: () => void): () => void {
        this._listeners.add(listener);
        return () => this._listeners.delete(listener);
    }

    /** Scans now and then every `intervalSeconds`. */
    start(intervalSeconds: number): void {
        this.setInterval(intervalSeconds);
        void this.refresh();
    }

    setInterval(intervalSeconds: number): void {
        if (this._timer !== 0)
            GLib.source_remove(this._timer);
        this._timer = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, Math.max(15, intervalSeconds), () => {
            void this.refresh();
            return GLib.SOURCE_CONTINUE;
        });
    }

    /**
     * Asks for a scan; one asked for while another runs happens right after it. After a failure
     * the worker is restarted after a back-off, which scans then: a refresh meanwhile waits for it.
     */
    async refresh(): Promise<void> {
        if (this._restartTimer !== 0 || this._cancellable.is_cancelled())
            return;
        if (this._state.scanning) {
            this._again = true;
            return;
        }
        this._set({scanning: true});
        this._again = false;
        do {
            try {
                const usage = await this._scan();
                this._watchdog.restart.succeeded();
                this._set({usage, error: null});
                // A restarted worker answers from its saved state first: ask at once for what changed since.
                this._again ||= usage.scanner?.fromSavedState === true;
            } catch (error) {
                if (isCancelled(error) || this._cancellable.is_cancelled())
                    return;
                this._onError(error);
                this._stopWorker();
                this._restartLater(error instanceof Error ? error.message : String(error));
                return;
            }
        } while (this._takeAgain() && !this._cancellable.is_cancelled());
        this._set({scanning: false});
    }

    /** Shows why the scan failed and when the worker starts again, and starts it then. */
    private _restartLater(reason: string): void {
        const delayMs = this._watchdog.restart.failed();
        this._restartTimer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, delayMs, () => {
            this._restartTimer = 0;
            void this.refresh();
            return GLib.SOURCE_REMOVE;
        });
        this._set({scanning: false, error: format(_('%s; restarting in %d s'), reason, Math.max(1, Math.round(delayMs / 1000)))});
    }

    private _takeAgain(): boolean {
        const again = this._again;
        this._again = false;
        return again;
    }

    destroy(): void {
        this._cancellable.cancel();
        if (this._timer !== 0)
            GLib.source_remove(this._timer);
        this._timer = 0;
        if (this._restartTimer !== 0)
            GLib.source_remove(this._restartTimer);
        this._restartTimer = 0;
        this._stopWorker();
        this._listeners.clear();
    }

    /** One scan, within the watchdog's time: past it, the worker is killed and the scan fails. */
    private async _scan(): Promise<LocalUsage> {
        const worker = this._worker ?? this._startWorker();
        const timeoutMs = worker.answered ? this._watchdog.refreshMs : this._watchdog.firstScanMs;
        const asked = new Gio.Cancellable();
        const link = onCancelled(this._cancellable, () => asked.cancel());
        try {
            const usage = await withDeadline(this._ask(worker, asked), timeoutMs,
                () => new ScannerHungError(Math.max(1, Math.ceil(timeoutMs / 1000))), () => {
                    asked.cancel();
                    worker.process.force_exit();
                });
            worker.answered ||= usage.scanner?.fromSavedState !== true;
            return usage;
        } finally {
            this._cancellable.disconnect(link);
        }
    }

    private async _ask(worker: Worker, cancellable: Gio.Cancellable): Promise<LocalUsage> {
        await worker.input.write_bytes_async(GLib.Bytes.new(new TextEncoder().encode('scan\n')), GLib.PRIORITY_DEFAULT,
            cancellable);
        const [line] = await worker.output.read_line_async(GLib.PRIORITY_DEFAULT, cancellable);
        if (line === null)
            throw new Error(_('the log scanner stopped'));
        const json = parseJson(new TextDecoder().decode(line));
        if (isObject(json) && typeof json['error'] === 'string')
            throw new Error(json['error']);
        if (!isLocalUsage(json))
            throw new Error(_('the log scanner gave an answer it should not'));
        return json;
    }

    private _startWorker(): Worker {
        const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDIN_PIPE |
            Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_SILENCE});
        // Only what it needs to find the logs: the Shell's environment may hold admin keys.
        launcher.set_environ(childEnvironment(GLib.get_environ()));
        const process = launcher.spawnv([...this._argv]);
        const input = process.get_stdin_pipe();
        const stdout = process.get_stdout_pipe();
        if (!input || !stdout)
            throw new Error('cannot talk to the log scanner');
        this._worker = {process, input, output: new Gio.DataInputStream({base_stream: stdout}), answered: false};
        return this._worker;
    }

    private _stopWorker(): void {
        this._worker?.process.force_exit();
        this._worker = null;
    }

    /** Listeners hear of new results, not of a scan starting or ending (nothing shows that). */
    private _set(change: Partial<LocalUsageState>): void {
        this._state = {...this._state, ...change};
        if ('usage' in change || 'error' in change) {
            for (const listener of [...this._listeners])
                listener();
        }
    }
}
