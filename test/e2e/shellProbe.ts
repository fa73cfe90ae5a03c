// TEST ONLY, never shipped: runs inside the headless GNOME Shell, loaded by the unsafe-mode test
// extension (session.sh copies the compiled file next to it). It wraps the calls that create
// and end the resources an extension can leave behind — GLib sources and JS timers, GObject
// signal handlers (and Gio.Cancellable ones), subprocesses, Soup requests and sessions — and
// records those made *directly* by the code of one extension (the first stack frame outside
// this file and GJS's own modules is in its folder). The driver reads what is still alive with
// Eval (`aumE2EProbe.report()`), so the extension needs no hook of its own and every module is
// covered, whoever owns the resource.

import Clutter from 'gi://Clutter';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Soup from 'gi://Soup?version=3.0';
import System from 'system';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the wrapped functions have every signature
type AnyFunction = (...args: any[]) => any;
type Patchable = Record<string, unknown>;

interface Handler {
    /** Weak: a handler goes with its object once nothing holds the object any more. */
    target: WeakRef<GObject.Object>;
    id: number;
    site: string;
}

interface CancellableHandler {
    target: WeakRef<Gio.Cancellable>;
    id: number;
    site: string;
}

export interface ProbeReport {
    /** GLib sources (timeout_add, timeout_add_seconds, idle_add) still attached, by call site. */
    sources: string[];
    /** setTimeout/setInterval timers neither fired (setTimeout) nor cleared. */
    timers: string[];
    /** Signal handlers still connected on objects that were not destroyed. */
    handlers: string[];
    /** Gio.Cancellable handlers still connected. */
    cancellableHandlers: string[];
    /** Subprocesses started, as pids (the driver checks in /proc which still run). */
    pids: string[];
    /** Soup.Session.send_async calls that have not completed. */
    requestsInFlight: number;
    /** Soup sessions that sent a request and were never aborted. */
    sessionsNotAborted: number;
    /** How many of each were created since start(), for the report. */
    created: Record<string, number>;
    /** How often the callback of each GLib source (by `kind site`) ran. */
    fired: Record<string, number>;
}

export class ShellProbe {
    private _marker: string | null = null;
    private readonly _restore: (() => void)[] = [];
    private readonly _sources = new Map<number, string>();
    private readonly _timers = new Map<unknown, string>();
    private readonly _handlers = new Map<number, Handler>();
    private _handlerKey = 0;
    private readonly _hooked = new WeakSet();
    private readonly _cancellableHandlers = new Map<number, CancellableHandler>();
    private readonly _pids: string[] = [];
    private _inFlight = 0;
    private readonly _sessions = new Set<Soup.Session>();
    private readonly _created: Record<string, number> = {};
    private readonly _originalConnect: AnyFunction;
    private readonly _fired: Record<string, number> = {};
    private _clockOffset = 0;

    constructor() {
        const objectProto = GObject.Object.prototype as unknown as Patchable;
        this._originalConnect = objectProto['connect'] as AnyFunction;
        const glib = GLib as unknown as Patchable;
        for (const name of ['timeout_add', 'timeout_add_seconds', 'idle_add']) {
            this._wrap(glib, name, (original, args) => {
                const site = this._site();
                if (site === null)
                    return original(...args);
                this._count('source');
                const label = `${name} ${site}`;
                // (priority, interval, callback) or, for idle_add, (priority, callback)
                const at = name === 'idle_add' ? 1 : 2;
                const callback = args[at] as AnyFunction;
                args[at] = (...callbackArgs: unknown[]): unknown => {
                    this._fired[label] = (this._fired[label] ?? 0) + 1;
                    return callback(...callbackArgs) as unknown;
                };
                const id = original(...args) as number;
                this._sources.set(id, label);
                return id;
            });
        }
        this._wrap(Date as unknown as Patchable, 'now', original => original() as number + this._clockOffset);
        const global = globalThis as unknown as Patchable;
        for (const name of ['setTimeout', 'setInterval']) {
            this._wrap(global, name, (original, args) => {
                const site = this._site();
                if (site === null)
                    return original(...args);
                this._count('timer');
                const callback = args[0] as AnyFunction;
                const label = `${name} ${site}`;
                let handle: unknown = null;
                const wrapped = (...callbackArgs: unknown[]): unknown => {
                    if (name === 'setTimeout')
                        this._timers.delete(handle);
                    return callback(...callbackArgs);
                };
                handle = original(wrapped, ...args.slice(1));
                this._timers.set(handle, label);
                return handle;
            });
        }
        for (const name of ['clearTimeout', 'clearInterval']) {
            this._wrap(global, name, (original, args) => {
                this._timers.delete(args[0]);
                return original(...args);
            });
        }
        this._wrapSignals(objectProto, 'connect');
        this._wrapSignals(objectProto, 'connect_after');
        this._wrap(objectProto, 'disconnect', (original, args, self) => {
            const id = args[0] as number;
            for (const [key, handler] of this._handlers) {
                if (handler.id === id && handler.target.deref() === self)
                    this._handlers.delete(key);
            }
            return original.apply(self, args);
        });
        const cancellableProto = Gio.Cancellable.prototype as unknown as Patchable;
        this._wrap(cancellableProto, 'connect', (original, args, self) => {
            const id = original.apply(self, args) as number;
            this._record('cancellable handler', site => this._cancellableHandlers.set(id,
                {target: new WeakRef(self as Gio.Cancellable), id, site}));
            return id;
        });
        this._wrap(cancellableProto, 'disconnect', (original, args, self) => {
            const id = args[0] as number;
            if (this._cancellableHandlers.get(id)?.target.deref() === self)
                this._cancellableHandlers.delete(id);
            return original.apply(self, args);
        });
        const launcherProto = Gio.SubprocessLauncher.prototype as unknown as Patchable;
        for (const name of ['spawnv']) {
            this._wrap(launcherProto, name, (original, args, self) => {
                const process = original.apply(self, args) as Gio.Subprocess;
                this._record('subprocess', () => this._pids.push(process.get_identifier() ?? ''));
                return process;
            });
        }
        this._wrap(Gio.Subprocess as unknown as Patchable, 'new', (original, args) => {
            const process = original(...args) as Gio.Subprocess;
            this._record('subprocess', () => this._pids.push(process.get_identifier() ?? ''));
            return process;
        });
        const sessionProto = Soup.Session.prototype as unknown as Patchable;
        this._wrap(sessionProto, 'send_async', (original, args, self) => {
            if (this._site() === null)
                return original.apply(self, args);
            this._count('request');
            this._sessions.add(self as Soup.Session);
            this._inFlight++;
            let done = false;
            const settle = (): void => {
                if (!done)
                    this._inFlight--;
                done = true;
            };
            const last = args[args.length - 1];
            if (typeof last === 'function') {
                // Called by Gio._promisify with its callback: it completes when the callback runs.
                const callback = last as AnyFunction;
                args[args.length - 1] = (...callbackArgs: unknown[]): unknown => {
                    settle();
                    return callback(...callbackArgs) as unknown;
                };
                return original.apply(self, args);
            }
            const result = original.apply(self, args) as unknown;
            if (result instanceof Promise)
                result.then(settle, settle);
            else
                settle();
            return result;
        });
        this._wrap(sessionProto, 'abort', (original, args, self) => {
            this._sessions.delete(self as Soup.Session);
            return original.apply(self, args);
        });
    }

    /** Starts recording what the code under `/extensions/<uuid>/` creates. */
    start(uuid: string): boolean {
        this._marker = `/extensions/${uuid}/`;
        return true;
    }

    /** Stops recording (what was recorded is kept). */
    stop(): boolean {
        this._marker = null;
        return true;
    }

    /** What the extension created that is still alive (after a garbage collection). */
    report(): ProbeReport {
        System.gc();
        const context = GLib.MainContext.default();
        for (const id of [...this._sources.keys()]) {
            const source = context.find_source_by_id(id) as GLib.Source | null;
            if (source === null || source.is_destroyed())
                this._sources.delete(id);
        }
        for (const [id, handler] of [...this._cancellableHandlers]) {
            if (handler.target.deref() === undefined)
                this._cancellableHandlers.delete(id);
        }
        for (const [key, handler] of [...this._handlers]) {
            let connected = false;
            const target = handler.target.deref();
            try {
                connected = target !== undefined && GObject.signal_handler_is_connected(target, handler.id);
            } catch {
                // a disposed object: its handlers are gone with it
            }
            if (!connected)
                this._handlers.delete(key);
        }
        const typeName = (object: object | undefined): string => object === undefined ? '?'
            : (object.constructor as {$gtype?: GObject.GType}).$gtype?.name ?? object.constructor.name;
        return {
            sources: [...this._sources.values()],
            timers: [...this._timers.values()],
            handlers: [...this._handlers.values()].map(h => `${typeName(h.target.deref())} ${h.site}`),
            cancellableHandlers: [...this._cancellableHandlers.values()].map(h => h.site),
            pids: [...this._pids],
            requestsInFlight: this._inFlight,
            sessionsNotAborted: this._sessions.size,
            created: {...this._created},
            fired: {...this._fired},
        };
    }

    /**
     * Moves the Shell's wall clock as its JavaScript reads it (Date.now(), which is what the
     * extension's clock is) by `ms` from the real one. GLib's timers run on the monotonic
     * clock, which a wall-clock jump does not move either.
     */
    setClockOffset(ms: number): number {
        this._clockOffset = ms;
        return Date.now();
    }

    /** Puts every wrapped function back. */
    destroy(): void {
        for (const restore of this._restore.splice(0).reverse())
            restore();
        this._marker = null;
    }

    /** The call site in the extension of the call being wrapped, or null when it is not the extension's. */
    private _site(): string | null {
        if (this._marker === null)
            return null;
        const frames = (new Error().stack ?? '').split('\n');
        // 0 is this method, 1 the wrapper; GJS's own modules (Gio._promisify) are skipped.
        for (const frame of frames.slice(2)) {
            if (frame === '' || frame.includes('/org/gnome/gjs/') || frame.includes('shellProbe.js'))
                continue;
            const at = frame.indexOf(this._marker);
            return at < 0 ? null : `${frame.slice(0, frame.indexOf('@'))}@${frame.slice(at + this._marker.length)}`;
        }
        return null;
    }

    private _count(kind: string): void {
        this._created[kind] = (this._created[kind] ?? 0) + 1;
    }

    private _record(kind: string, keep: (site: string) => void): void {
        const site = this._site();
        if (site === null)
            return;
        this._count(kind);
        keep(site);
    }

    private _wrap(owner: Patchable, name: string,
        replacement: (original: AnyFunction, args: unknown[], self: unknown) => unknown): void {
        const original = owner[name] as AnyFunction | undefined;
        if (typeof original !== 'function')
            return;
        let active = true;
        const wrapper = function (this: unknown, ...args: unknown[]): unknown {
            return active ? replacement(original, args, this) : original.apply(this, args) as unknown;
        };
        // Gio._promisify compares the argument count with the original's arity.
        Object.defineProperty(wrapper, 'length', {value: original.length});
        owner[name] = wrapper;
        this._restore.push(() => {
            // Wrapped again since (Gio._promisify keeps the wrapper as its original): pass through.
            if (owner[name] === wrapper)
                owner[name] = original;
            active = false;
        });
    }

    private _wrapSignals(objectProto: Patchable, name: string): void {
        this._wrap(objectProto, name, (original, args, self) => {
            const id = original.apply(self, args) as number;
            const site = this._site();
            if (site === null)
                return id;
            this._count('handler');
            const target = self as GObject.Object;
            const key = ++this._handlerKey;
            this._handlers.set(key, {target: new WeakRef(target), id, site: `${String(args[0])} ${site}`});
            // Handlers go with an actor (or a MessageTray.Source) when it is destroyed.
            if (!this._hooked.has(target) && (target instanceof Clutter.Actor ||
                GObject.signal_lookup('destroy', (target.constructor as unknown as {$gtype: GObject.GType}).$gtype) !== 0)) {
                this._hooked.add(target);
                this._originalConnect.call(target, 'destroy', (destroyed: GObject.Object) => {
                    for (const [k, handler] of this._handlers) {
                        if (handler.target.deref() === destroyed)
                            this._handlers.delete(k);
                    }
                });
            }
            return id;
        });
    }
}
