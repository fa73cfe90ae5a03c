// Asynchronous file helpers. Nothing here blocks the main loop.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {isNotFound} from './errors.js';

Gio._promisify(Gio.File.prototype, 'load_contents_async', 'load_contents_finish');
Gio._promisify(Gio.File.prototype, 'replace_contents_async', 'replace_contents_finish');
Gio._promisify(Gio.File.prototype, 'make_directory_async', 'make_directory_finish');

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

/**
 * Writes a file only its owner can read (0600), atomically: readers see the old or the
 * new contents, never a mix. For our own files only — never for another program's.
 */
export async function writePrivateFile(path: string, text: string, cancellable: Gio.Cancellable | null): Promise<void> {
    const file = Gio.File.new_for_path(path);
    await file.replace_contents_async(new TextEncoder().encode(text), null, false,
        Gio.FileCreateFlags.PRIVATE | Gio.FileCreateFlags.REPLACE_DESTINATION, cancellable);
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
                    reject(error instanceof Error ? error : new Error(String(error)));
                }
            });
    });
}
