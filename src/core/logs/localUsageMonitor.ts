// The extension's side of the local-log engine: it keeps one scanner worker running
// (`gjs -m cli/main.js scan --serve`), asks it for a scan on a timer or on demand, and reads
// its one-line JSON answers asynchronously. Nothing here reads a log: the Shell's main loop
// only waits for a line on a pipe. destroy() cancels the read and ends the worker.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import {childEnvironment} from '../childEnvironment.js';
import {isCancelled} from '../errors.js';
import {isObject, parseJson} from '../json.js';
import type {LocalUsage} from './localUsage.js';

Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish');
Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');

export interface LocalUsageState {
    usage: LocalUsage | null;
    /** Why the last scan gave nothing, in words for the menu; null when it worked. */
    error: string | null;
    scanning: boolean;
}

interface Worker {
    process: Gio.Subprocess;
    input: Gio.OutputStream;
    output: Gio.DataInputStream;
}

const isLocalUsage = (value: unknown): value is LocalUsage =>
    isObject(value) && typeof value['generatedAt'] === 'number' && Array.isArray(value['sources']);

export class LocalUsageMonitor {
    private readonly _argv: readonly string[];
    private readonly _onError: (error: unknown) => void;
    private readonly _cancellable = new Gio.Cancellable();
    private readonly _listeners = new Set<() => void>();
    private _worker: Worker | null = null;
    private _timer = 0;
    private _again = false;
    private _state: LocalUsageState = {usage: null, error: null, scanning: false};

    /** `argv` starts the worker: gjs, -m, the CLI's main.js, scan, --serve. */
    constructor(argv: readonly string[], onError: (error: unknown) => void) {
        this._argv = argv;
        this._onError = onError;
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

    /** Asks for a scan; one asked for while another runs happens right after it. */
    async refresh(): Promise<void> {
        if (this._state.scanning) {
            this._again = true;
            return;
        }
        this._set({scanning: true});
        this._again = false;
        do {
            try {
                const usage = await this._scan();
                this._set({usage, error: null});
                // A restarted worker answers from its saved state first: ask at once for what changed since.
                this._again ||= usage.scanner?.fromSavedState === true;
            } catch (error) {
                if (isCancelled(error) || this._cancellable.is_cancelled())
                    return;
                this._onError(error);
                this._stopWorker();
                this._set({error: error instanceof Error ? error.message : String(error)});
            }
        } while (this._takeAgain() && !this._cancellable.is_cancelled());
        this._set({scanning: false});
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
        this._stopWorker();
        this._listeners.clear();
    }

    private async _scan(): Promise<LocalUsage> {
        const worker = this._worker ?? this._startWorker();
        await worker.input.write_bytes_async(GLib.Bytes.new(new TextEncoder().encode('scan\n')), GLib.PRIORITY_DEFAULT,
            this._cancellable);
        const [line] = await worker.output.read_line_async(GLib.PRIORITY_DEFAULT, this._cancellable);
        if (line === null)
            throw new Error('the log scanner stopped');
        const json = parseJson(new TextDecoder().decode(line));
        if (isObject(json) && typeof json['error'] === 'string')
            throw new Error(json['error']);
        if (!isLocalUsage(json))
            throw new Error('the log scanner gave an answer it should not');
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
        this._worker = {process, input, output: new Gio.DataInputStream({base_stream: stdout})};
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
