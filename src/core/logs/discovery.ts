// Where the logs are and which of them changed: the log roots from the environment, a listing
// of every *.jsonl under them, and folder monitors (inotify through Gio.FileMonitor) so that a
// long-running worker's refresh looks only at the files that changed — listing thousands of
// files costs more than reading what a session appended. It falls back to a full listing when
// the monitors cannot tell (before the first listing, after a folder could not be watched, and
// every ten minutes in case a change went unnoticed). Synchronous: worker processes only.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import type {Environment} from '../environment.js';
import {claudeFolders, codexHomes} from '../cliFolders.js';
import type {LogSource} from './localUsage.js';

export interface Root {
    source: LogSource;
    /** The folder scanned recursively for *.jsonl. */
    path: string;
}

/** A log file as listed: its root, size and identity (device and inode). */
export interface ListedFile {
    root: Root;
    size: number;
    identity: string;
}

export type Listing = Map<string, ListedFile>;

/**
 * Where the logs are: `projects/` of each Claude Code folder and `sessions/` and
 * `archived_sessions/` of each Codex folder — the folders the providers use for their sign-in,
 * so CLAUDE_CONFIG_DIR and CODEX_HOME mean the same everywhere (one folder or a comma-separated
 * list). A listed folder may be `projects/` itself.
 */
export function logRoots(env: Environment): Root[] {
    const claude = claudeFolders(env).map(p => GLib.path_get_basename(p) === 'projects' ? p : GLib.build_filenamev([p, 'projects']));
    const codex = codexHomes(env).flatMap(home => ['sessions', 'archived_sessions'].map(dir => GLib.build_filenamev([home, dir])));
    return [...claude.map(path => ({source: 'claude' as const, path})), ...codex.map(path => ({source: 'codex' as const, path}))];
}

/** Project and session of a log file, from its place under the root. */
export function logNames(root: Root, path: string, homeDir: string): {project: string; session: string} {
    const relative = path.slice(root.path.length + 1).split('/');
    if (root.source === 'codex')
        return {project: '', session: relative.join('/').replace(/\.jsonl$/, '')};
    const home = `${homeDir.replace(/[/.]/g, '-')}-`;
    const folder = relative.length > 1 ? relative[0] ?? '' : '';
    const project = folder.startsWith(home) ? folder.slice(home.length) : folder.replace(/^-/, '');
    const session = relative.length > 2 ? relative[1] ?? '' : (relative[relative.length - 1] ?? '').replace(/\.jsonl$/, '');
    return {project, session};
}

const ATTRIBUTES = 'standard::name,standard::type,standard::size,unix::device,unix::inode';

/** A file's or folder's device and inode: the same for every path that leads to it. */
const identityOf = (info: Gio.FileInfo): string =>
    `${info.get_attribute_uint32('unix::device')}:${info.get_attribute_uint64('unix::inode')}`;

const listed = (root: Root, info: Gio.FileInfo): ListedFile => ({root, size: info.get_size(), identity: identityOf(info)});

/**
 * Each file info is a GObject with a JavaScript wrapper, freed only by the garbage collector:
 * the wrappers of a listing of thousands of files took 10 MB until the next collection.
 */
const COLLECT_EVERY_ENTRIES = 500;

/** Counts the entries listed and collects garbage every COLLECT_EVERY_ENTRIES. */
class EntryCounter {
    private _since = 0;

    constructor(private readonly _collect: () => void) {}

    count(): void {
        if (++this._since >= COLLECT_EVERY_ENTRIES) {
            this._since = 0;
            this._collect();
        }
    }
}

/**
 * Every *.jsonl under `dir` (recursively), and every folder walked. Nothing below a root is
 * reached through a symbolic link, and a folder already walked (`visited`, by device and
 * inode: a root that is a link to another root, a bind mount) is not walked again: one `..`
 * link under projects/ once made a scan walk the tree over and over and count a file 41 times.
 */
function findLogs(root: Root, dir: string, info: Gio.FileInfo, files: Listing, dirs: Set<string>, visited: Set<string>,
    counter: EntryCounter): void {
    const identity = identityOf(info);
    if (visited.has(identity))
        return;
    let children: Gio.FileEnumerator;
    try {
        children = Gio.File.new_for_path(dir).enumerate_children(ATTRIBUTES, Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    } catch {
        return; // missing or unreadable: nothing to scan there
    }
    visited.add(identity);
    dirs.add(dir);
    for (let child = children.next_file(null); child !== null; child = children.next_file(null)) {
        counter.count();
        const path = `${dir}/${child.get_name()}`;
        if (child.get_file_type() === Gio.FileType.DIRECTORY)
            findLogs(root, path, child, files, dirs, visited, counter);
        else if (child.get_file_type() === Gio.FileType.REGULAR && path.endsWith('.jsonl') && !files.has(path))
            files.set(path, listed(root, child));
    }
    children.close(null);
}

/**
 * A file's or folder's info; null when it is gone. A root is followed when it is a link (the
 * user put the logs elsewhere); anything below it is not (see findLogs).
 */
function queryInfo(path: string, follow: boolean): Gio.FileInfo | null {
    try {
        return Gio.File.new_for_path(path).query_info(ATTRIBUTES,
            follow ? Gio.FileQueryInfoFlags.NONE : Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    } catch {
        return null;
    }
}

/**
 * A listing by find(1), records ending in NUL: depth, type, device, inode, size and path. The
 * walk (findLogs) makes a GFileInfo and its wrapper per entry, about 30 µs each: 150 ms on a
 * tree of 3,500 logs, which find lists in 20.
 */
const FIND_FORMAT = '%d %y %D %i %s %p\\0';
const strictDecoder = new TextDecoder('utf-8', {fatal: true});

/** The identity as identityOf has it from Gio: the device as 32 bits, the inode as a JavaScript number. */
const identityFrom = (device: string, inode: string): string =>
    `${device.length > 9 ? String(BigInt(device) & 0xffffffffn) : device}:${Number(inode)}`;

/**
 * Lists the roots with `find`, by the same rules as the walk: a root is followed when it is a
 * link, nothing below it is, and a folder reached again (by identity) is not listed again.
 * False, with nothing listed, when find could not list them (not installed, or not GNU find,
 * whose -printf it needs): then the caller walks.
 */
function listWithFind(find: readonly string[], roots: readonly Root[], files: Listing, dirs: Set<string>): boolean {
    if (roots.length === 0)
        return true;
    if (roots.some(r => !r.path.startsWith('/')))
        return false; // find would take a path starting with "-" for an option
    let output: Uint8Array;
    try {
        const process = Gio.Subprocess.new([...find, '-H', ...roots.map(r => r.path),
            '(', '-type', 'd', '-o', '-type', 'f', '-name', '*.jsonl', ')', '-printf', FIND_FORMAT],
        Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_SILENCE);
        const [, stdout] = process.communicate(null, null);
        output = stdout?.toArray() ?? new Uint8Array(0);
        // A folder it could not read makes find fail after listing the rest, as the walk skips it.
        if (output.length === 0 && !process.get_successful())
            return false;
    } catch {
        return false;
    }
    const visited = new Set<string>();
    let root: Root | undefined;
    let nextRoot = 0;
    /** Below a folder already listed: its entries are left out. */
    let skipping: string | null = null;
    for (let start = 0, end = output.indexOf(0, 0); end >= 0; start = end + 1, end = output.indexOf(0, start)) {
        let record: string;
        try {
            record = strictDecoder.decode(output.subarray(start, end));
        } catch {
            continue; // a name that is not UTF-8, which the walk cannot name either
        }
        const [depth, type, device, inode, size] = record.split(' ', 5);
        const path = record.slice(`${depth} ${type} ${device} ${inode} ${size} `.length);
        if (depth === '0') {
            const at = roots.findIndex((r, k) => k >= nextRoot && r.path === path);
            root = roots[at];
            nextRoot = at + 1;
            skipping = null;
        }
        if (!root || !device || !inode || (skipping !== null && path.startsWith(skipping)))
            continue;
        skipping = null;
        const identity = identityFrom(device, inode);
        if (type === 'd') {
            if (visited.has(identity)) {
                skipping = `${path}/`;
                continue;
            }
            visited.add(identity);
            dirs.add(path);
        } else if (type === 'f' && path.endsWith('.jsonl') && !files.has(path) && Number.isSafeInteger(Number(size))) {
            files.set(path, {root, size: Number(size), identity});
        }
    }
    return true;
}

/**
 * Every *.jsonl under the roots, and every folder listed: by the `find` command when it is
 * given and can, else by the walk. `collect` frees the walk's file infos now and then.
 */
export function listLogs(roots: readonly Root[], find: readonly string[] | null, collect: () => void): {files: Listing; dirs: Set<string>} {
    const files: Listing = new Map();
    const dirs = new Set<string>();
    const folders = roots.flatMap(root => {
        const info = queryInfo(root.path, true);
        return info?.get_file_type() === Gio.FileType.DIRECTORY ? [{root, info}] : [];
    });
    if (find !== null && listWithFind(find, folders.map(f => f.root), files, dirs))
        return {files, dirs};
    const visited = new Set<string>();
    const counter = new EntryCounter(collect);
    for (const {root, info} of folders)
        findLogs(root, root.path, info, files, dirs, visited, counter);
    return {files, dirs};
}

const FULL_LISTING_EVERY_MS = 10 * 60_000;

/** The log files under the roots: all of them, or (when watching) those that changed. */
export class LogTree {
    private readonly _monitor: TreeMonitor | null;
    private readonly _now: () => number;
    private readonly _collect: () => void;
    private _listedAt = -Infinity;

    /** `collect` frees what is no longer referenced (System.gc in the worker); called while listing. */
    constructor(watch: boolean, now: () => number, collect: () => void = () => undefined) {
        this._monitor = watch ? new TreeMonitor() : null;
        this._now = now;
        this._collect = collect;
    }

    /** True when the last listing is recent and the monitors can tell what changed since. */
    get canListChanges(): boolean {
        return this._monitor !== null && this._now() - this._listedAt < FULL_LISTING_EVERY_MS;
    }

    /** Every log file under the roots; starts watching their folders when asked to. */
    listAll(roots: readonly Root[]): Listing {
        const {files, dirs} = listLogs(roots, ['find'], this._collect);
        this._monitor?.watch(dirs);
        this._listedAt = this._now();
        return files;
    }

    /** Only the files the folder monitors saw change; null when they cannot tell. */
    listChanged(roots: readonly Root[]): Listing | null {
        const changed = this.canListChanges ? this._monitor?.takeChanges() ?? null : null;
        if (changed === null)
            return null;
        const files: Listing = new Map();
        const newDirs = new Set<string>();
        const visited = new Set<string>();
        const counter = new EntryCounter(this._collect);
        for (const path of changed) {
            const root = roots.find(r => path.startsWith(`${r.path}/`));
            const info = root ? queryInfo(path, false) : null;
            if (!root || !info)
                continue;
            if (info.get_file_type() === Gio.FileType.DIRECTORY)
                findLogs(root, path, info, files, newDirs, visited, counter);
            else if (info.get_file_type() === Gio.FileType.REGULAR && path.endsWith('.jsonl'))
                files.set(path, listed(root, info));
        }
        this._monitor?.add(newDirs);
        return files;
    }

    close(): void {
        this._monitor?.close();
    }
}

const NOTIFY = new Set([
    Gio.FileMonitorEvent.CHANGED, Gio.FileMonitorEvent.CHANGES_DONE_HINT, Gio.FileMonitorEvent.CREATED,
    Gio.FileMonitorEvent.MOVED_IN, Gio.FileMonitorEvent.RENAMED, Gio.FileMonitorEvent.ATTRIBUTE_CHANGED,
]);

/** Folder monitors collecting the paths that changed. */
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
        // Bounded: a source that is always ready (an idle of the host program) must not keep us here.
        for (let i = 0; i < 1000 && context.pending(); i++)
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
