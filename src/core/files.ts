// Asynchronous file helpers. Nothing here blocks the main loop.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {isCancelled, isNotFound} from './errors.js';

Gio._promisify(Gio.File.prototype, 'load_contents_async', 'load_contents_finish');
Gio._promisify(Gio.File.prototype, 'move_async', 'move_finish');
Gio._promisify(Gio.File.prototype, 'make_directory_async', 'make_directory_finish');
Gio._promisify(Gio.File.prototype, 'enumerate_children_async', 'enumerate_children_finish');
Gio._promisify(Gio.FileEnumerator.prototype, 'next_files_async', 'next_files_finish');
Gio._promisify(Gio.FileEnumerator.prototype, 'close_async', 'close_finish');
Gio._promisify(Gio.File.prototype, 'read_async', 'read_finish');
Gio._promisify(Gio.InputStream.prototype, 'skip_async', 'skip_finish');
Gio._promisify(Gio.InputStream.prototype, 'read_bytes_async', 'read_bytes_finish');
Gio._promisify(Gio.OutputStream.prototype, 'splice_async', 'splice_finish');
Gio._promisify(Gio.InputStream.prototype, 'close_async', 'close_finish');
Gio._promisify(Gio.FileInputStream.prototype, 'query_info_async', 'query_info_finish');
Gio._promisify(Gio.File.prototype, 'query_info_async', 'query_info_finish');
Gio._promisify(Gio.File.prototype, 'create_async', 'create_finish');
Gio._promisify(Gio.File.prototype, 'delete_async', 'delete_finish');
Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');
Gio._promisify(Gio.OutputStream.prototype, 'close_async', 'close_finish');

/** Reads a UTF-8 file; returns null when it does not exist. */
export async function readTextFile(path: string, cancellable: Gio.Cancellable | null): Promise<string | null> {
    try {
        const [contents] = await Gio.File.new_for_path(path).load_contents_async(cancellable);
        return new TextDecoder().decode(contents);
    } catch (error) {
        if (isNotFound(error))
            return null;
        throw error;
    }
}

/** Creates `path` and any missing parents (mode 0700). */
export async function ensureDirectory(path: string, cancellable: Gio.Cancellable | null): Promise<void> {
    const file = Gio.File.new_for_path(path);
    try {
        await file.make_directory_async(GLib.PRIORITY_DEFAULT, cancellable);
    } catch (error) {
        if (error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.EXISTS))
            return;
        const parent = file.get_parent()?.get_path();
        if (!isNotFound(error) || !parent || parent === path)
            throw error;
        await ensureDirectory(parent, cancellable);
        await file.make_directory_async(GLib.PRIORITY_DEFAULT, cancellable);
    }
    await setMode(file, 0o700, cancellable);
}

/** The pid of this process (the typings say `never` for g_credentials_get_unix_pid(); it is a number). */
const ownPid = (): number => new Gio.Credentials().get_unix_pid();

/** `.NAME.PID.RANDOM.tmp`: a temporary file of ours for NAME, named after the process writing it. */
const TEMPORARY = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** A temporary older than this is a dead writer's even when its pid is alive again (reused). */
const STALE_TEMPORARY_MS = 60 * 60_000;

/**
 * Where the next version of `path` is written before it is renamed over it: in the same folder
 * (a rename within a file system is atomic), under a name of ours that says which process writes
 * it, so that what a killed writer left behind can be told from a write in progress.
 */
export function temporaryPath(path: string): string {
    const random = GLib.uuid_string_random().replace(/-/g, '').slice(0, 8);
    return GLib.build_filenamev([GLib.path_get_dirname(path), `.${GLib.path_get_basename(path)}.${ownPid()}.${random}.tmp`]);
}

/**
 * Deletes the temporaries of `path` that a killed writer left (see temporaryPath): those of a
 * process that is gone, or an hour old. Only ours, and only of this file: nothing else in the
 * folder is touched. A failure here never fails the write that asked for it.
 */
export async function sweepTemporaries(path: string, cancellable: Gio.Cancellable | null): Promise<void> {
    const name = GLib.path_get_basename(path);
    const pid = String(ownPid());
    try {
        const entries = await listDirectory(GLib.path_get_dirname(path), 'standard::name,time::modified', cancellable) ?? [];
        for (const entry of entries) {
            const match = TEMPORARY.exec(entry.get_name());
            if (match?.[1] !== name || match[2] === pid)
                continue;
            const age = Date.now() - (entry.get_modification_date_time()?.to_unix() ?? 0) * 1000;
            if (age > STALE_TEMPORARY_MS || !await exists(`/proc/${match[2]}`))
                await deleteIfExists(Gio.File.new_for_path(GLib.build_filenamev([GLib.path_get_dirname(path), entry.get_name()])));
        }
    } catch (error) {
        if (isCancelled(error))
            throw error;
    }
}

/**
 * When this process last swept each file's temporaries (monotonic ms). The snapshot cache is
 * written on every refresh, and a folder listing through next_files_async left GJS's native
 * heap larger for good (GJS 1.86: +93 MB over 20,000 listings). A file is swept at its first
 * write here, then at most once per STALE_TEMPORARY_MS.
 */
const lastSwept = new Map<string, number>();

/**
 * Writes a file only its owner can read (0600), atomically: readers see the old or the new
 * contents, never a mix, whenever the writer is killed. The text goes to a temporary file of
 * ours beside it, which is renamed over it; one a killed writer left is swept at the next
 * process's first write (see lastSwept). For our own files only — never for another program's.
 */
export async function writePrivateFile(path: string, text: string, cancellable: Gio.Cancellable | null): Promise<void> {
    const temporary = Gio.File.new_for_path(temporaryPath(path));
    try {
        const stream = await temporary.create_async(Gio.FileCreateFlags.PRIVATE, GLib.PRIORITY_DEFAULT, cancellable);
        // GLib.Bytes, not a Uint8Array: GJS does not keep a plain array alive through an async write.
        const source = Gio.MemoryInputStream.new_from_bytes(new GLib.Bytes(new TextEncoder().encode(text)));
        await stream.splice_async(source, Gio.OutputStreamSpliceFlags.CLOSE_SOURCE | Gio.OutputStreamSpliceFlags.CLOSE_TARGET,
            GLib.PRIORITY_DEFAULT, cancellable);
        await temporary.move_async(Gio.File.new_for_path(path), Gio.FileCopyFlags.OVERWRITE | Gio.FileCopyFlags.NO_FALLBACK_FOR_MOVE,
            GLib.PRIORITY_DEFAULT, cancellable, null);
    } catch (error) {
        await deleteIfExists(temporary);
        throw error;
    }
    await sweepAfterWrite(path, cancellable);
}

/** Sweeps `path`'s temporaries after a write of it: at this process's first, then hourly (see lastSwept). */
export async function sweepAfterWrite(path: string, cancellable: Gio.Cancellable | null): Promise<void> {
    const now = GLib.get_monotonic_time() / 1000;
    if (now - (lastSwept.get(path) ?? -Infinity) < STALE_TEMPORARY_MS)
        return;
    lastSwept.set(path, now);
    await sweepTemporaries(path, cancellable);
}

function setMode(file: Gio.File, mode: number, cancellable: Gio.Cancellable | null): Promise<void> {
    const info = new Gio.FileInfo();
    info.set_attribute_uint32('unix::mode', mode);
    return new Promise((resolve, reject) => {
        file.set_attributes_async(info, Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT, cancellable,
            (_file, result) => {
                try {
                    file.set_attributes_finish(result);
                    resolve();
                } catch (error) {
                    reject(error); // a GLib.Error must stay one: callers test it for CANCELLED
                }
            });
    });
}

/** The entries of a folder with the given attributes; null when the folder does not exist. */
export async function listDirectory(path: string, attributes: string, cancellable: Gio.Cancellable | null):
    Promise<Gio.FileInfo[] | null> {
    let enumerator: Gio.FileEnumerator;
    try {
        enumerator = await Gio.File.new_for_path(path).enumerate_children_async(attributes,
            Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT, cancellable);
    } catch (error) {
        if (isNotFound(error) || (error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_DIRECTORY)))
            return null;
        throw error;
    }
    const infos: Gio.FileInfo[] = [];
    for (;;) {
        const batch = await enumerator.next_files_async(100, GLib.PRIORITY_DEFAULT, cancellable);
        if (batch.length === 0)
            break;
        infos.push(...batch);
    }
    await enumerator.close_async(GLib.PRIORITY_DEFAULT, cancellable);
    return infos;
}

/** The chunks one after another, in one array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
    let at = 0;
    for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.length;
    }
    return out;
}

/** Everything a stream gives until its end (a pipe from a subprocess, standard input); closes it. */
export async function readToEnd(stream: Gio.InputStream, cancellable: Gio.Cancellable | null): Promise<Uint8Array> {
    const memory = Gio.MemoryOutputStream.new_resizable();
    await memory.splice_async(stream, Gio.OutputStreamSpliceFlags.CLOSE_SOURCE | Gio.OutputStreamSpliceFlags.CLOSE_TARGET,
        GLib.PRIORITY_DEFAULT, cancellable);
    return memory.steal_as_bytes().toArray();
}

/** The last `maxBytes` of a file as text (the first, partial line dropped); null when missing. */
export async function readTail(path: string, maxBytes: number, cancellable: Gio.Cancellable | null):
    Promise<string | null> {
    let stream: Gio.FileInputStream;
    try {
        stream = await Gio.File.new_for_path(path).read_async(GLib.PRIORITY_DEFAULT, cancellable);
    } catch (error) {
        if (isNotFound(error))
            return null;
        throw error;
    }
    try {
        const info = await stream.query_info_async('standard::size', GLib.PRIORITY_DEFAULT, cancellable);
        const skip = Math.max(0, info.get_size() - maxBytes);
        if (skip > 0)
            await stream.skip_async(skip, GLib.PRIORITY_DEFAULT, cancellable);
        // The buffer is allocated at the size asked for: not more than the file holds.
        const bytes = await stream.read_bytes_async(Math.min(maxBytes, info.get_size() - skip),
            GLib.PRIORITY_DEFAULT, cancellable);
        const text = new TextDecoder().decode(bytes.get_data() ?? new Uint8Array());
        return skip > 0 ? text.slice(text.indexOf('\n') + 1) : text;
    } finally {
        await stream.close_async(GLib.PRIORITY_DEFAULT, null);
    }
}

/** Follows symbolic links to the real path of a file; null when it does not exist. */
export async function resolveLinks(path: string, cancellable: Gio.Cancellable | null): Promise<string | null> {
    let current = path;
    for (let hops = 0; hops < 16; hops++) {
        let info: Gio.FileInfo;
        try {
            info = await Gio.File.new_for_path(current).query_info_async('standard::is-symlink,standard::symlink-target',
                Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, GLib.PRIORITY_DEFAULT, cancellable);
        } catch (error) {
            if (isNotFound(error))
                return null;
            throw error;
        }
        const target = info.get_is_symlink() ? info.get_symlink_target() : null;
        if (target === null)
            return current;
        current = GLib.path_is_absolute(target) ? target
            : GLib.canonicalize_filename(target, GLib.path_get_dirname(current));
    }
    return null;
}

/** The real path of an executable found in $PATH, like `which` followed by `realpath`. */
export async function findProgram(name: string, searchPath: string | null, cancellable: Gio.Cancellable | null):
    Promise<string | null> {
    for (const dir of (searchPath ?? '').split(':').filter(d => d.length > 0)) {
        const found = await resolveLinks(GLib.build_filenamev([dir, name]), cancellable);
        if (found !== null)
            return found;
    }
    return null;
}

/**
 * How another program (Claude Code's statusline) starts our command line, shell-quoted: the
 * `ai-usage-meter` the installer put in ~/.local/bin when it is there, else this copy's
 * cli/main.js under gjs (<extension>/core/ → <extension>/cli/, likewise in build/src/).
 */
export async function meterProgram(homeDir: string, cancellable: Gio.Cancellable | null): Promise<string> {
    const installed = GLib.build_filenamev([homeDir, '.local', 'bin', 'ai-usage-meter']);
    const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
    const program = await resolveLinks(installed, cancellable) !== null ? [installed]
        : ['gjs', '-m', GLib.canonicalize_filename(GLib.build_filenamev([here, '..', 'cli', 'main.js']), null)];
    return program.map(arg => GLib.shell_quote(arg)).join(' ');
}

export interface LockOptions {
    /** A lock older than this is a crashed holder's, whatever its process. */
    staleMs: number;
    /** How long to wait for a live holder before giving up. */
    waitMs: number;
    /** How often to look again while waiting. */
    pollMs: number;
}

/** Thrown by withLockFile() when another live process held the lock for the whole wait. */
export class LockBusyError extends Error {}

const isExists = (error: unknown): boolean =>
    error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.EXISTS);


/**
 * Runs `work` while holding a lock shared with other processes of the same user: a file created
 * exclusively (O_EXCL: exactly one creator wins), holding the owner's pid, a random id and the
 * time. GJS has no flock(); this is the portable alternative, with staleness handled explicitly:
 * a lock whose process is gone (no /proc/PID) or that is older than `staleMs` is removed and taken.
 * Honest limits: two waiters breaking the same stale lock at the same instant can both get it
 * (callers re-read their state under the lock, which makes that harmless); a pid reused within
 * `staleMs` keeps a dead holder's lock until it is stale.
 */
export async function withLockFile<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
    const file = Gio.File.new_for_path(path);
    const id = GLib.uuid_string_random();
    await ensureDirectory(GLib.path_get_dirname(path), null);
    const started = Date.now();
    for (;;) {
        try {
            const stream = await file.create_async(Gio.FileCreateFlags.PRIVATE, GLib.PRIORITY_DEFAULT, null);
            // GLib.Bytes, not a Uint8Array: GJS does not keep a plain array alive through an async
            // write, and the file got garbage. A line this short is written in one go (checked).
            const line = new GLib.Bytes(new TextEncoder().encode(`${ownPid()} ${id} ${Date.now()}\n`));
            const written = await stream.write_bytes_async(line, GLib.PRIORITY_DEFAULT, null);
            await stream.close_async(GLib.PRIORITY_DEFAULT, null);
            if (written !== line.get_size())
                throw new Error(`short write to ${path}`);
            break;
        } catch (error) {
            if (!isExists(error))
                throw error;
        }
        if (await isStaleLock(file, options.staleMs)) {
            await deleteIfExists(file);
            continue;
        }
        if (Date.now() - started >= options.waitMs)
            throw new LockBusyError(`${path} is held by another process`);
        await new Promise<void>(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, options.pollMs, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        }));
    }
    try {
        return await work();
    } finally {
        // Only our own lock is removed: a lock taken over as stale belongs to its new holder.
        if ((await readTextFile(path, null))?.includes(` ${id} `))
            await deleteIfExists(file);
    }
}

async function isStaleLock(file: Gio.File, staleMs: number): Promise<boolean> {
    let info: Gio.FileInfo;
    try {
        info = await file.query_info_async('time::modified', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, GLib.PRIORITY_DEFAULT, null);
    } catch (error) {
        if (isNotFound(error))
            return false; // released meanwhile: try again at once
        throw error;
    }
    const modified = (info.get_modification_date_time()?.to_unix() ?? 0) * 1000;
    if (Date.now() - modified > staleMs)
        return true;
    // A lock still being written holds no pid yet: it is fresh.
    const pid = /^(\d+) /.exec(await readTextFile(file.get_path() ?? '', null) ?? '')?.[1];
    return pid !== undefined && !await exists(`/proc/${pid}`);
}

async function exists(path: string): Promise<boolean> {
    try {
        await Gio.File.new_for_path(path).query_info_async('standard::type', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS,
            GLib.PRIORITY_DEFAULT, null);
        return true;
    } catch (error) {
        if (isNotFound(error))
            return false;
        throw error;
    }
}

async function deleteIfExists(file: Gio.File): Promise<void> {
    try {
        await file.delete_async(GLib.PRIORITY_DEFAULT, null);
    } catch (error) {
        if (!isNotFound(error))
            throw error;
    }
}

/** `count` bytes from the kernel's CSPRNG (for PKCE verifiers and OAuth states). */
export async function randomBytes(count: number, cancellable: Gio.Cancellable | null): Promise<Uint8Array> {
    const stream = await Gio.File.new_for_path('/dev/urandom').read_async(GLib.PRIORITY_DEFAULT, cancellable);
    try {
        const bytes = await stream.read_bytes_async(count, GLib.PRIORITY_DEFAULT, cancellable);
        const data = bytes.get_data();
        if (data?.length !== count)
            throw new Error('short read from /dev/urandom');
        return data;
    } finally {
        await stream.close_async(GLib.PRIORITY_DEFAULT, null);
    }
}
