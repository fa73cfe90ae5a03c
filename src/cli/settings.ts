// The CLI reads the extension's settings through its schema: installed system-wide, or the
// extension's own schemas/ folder (compiled into the user cache). The schema holds the defaults.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {ensureDirectory} from '../core/files.js';
import {Settings} from '../core/settings.js';

export const SCHEMA_ID = 'org.gnome.shell.extensions.ai-usage-meter';

Gio._promisify(Gio.Subprocess.prototype, 'wait_check_async', 'wait_check_finish');

export interface LoadedSettings {
    settings: Settings;
    /** Where they came from, for `doctor`. */
    source: string;
}

export class SchemaMissing extends Error {}

/** `schemaDirs`: folders that may hold the schema XML (the extension's, the repository's). */
export async function loadSettings(schemaDirs: readonly string[], cacheDir: string): Promise<LoadedSettings> {
    const installed = Gio.SettingsSchemaSource.get_default()?.lookup(SCHEMA_ID, true) ?? null;
    if (installed !== null)
        return {settings: new Settings(new Gio.Settings({settings_schema: installed})), source: 'installed schema'};
    for (const dir of schemaDirs) {
        const xml = GLib.build_filenamev([dir, `${SCHEMA_ID}.gschema.xml`]);
        if (!GLib.file_test(xml, GLib.FileTest.EXISTS))
            continue;
        const target = GLib.build_filenamev([cacheDir, 'ai-usage-meter', 'schemas']);
        try {
            await ensureDirectory(target, null);
            await Gio.Subprocess.new(['glib-compile-schemas', `--targetdir=${target}`, dir], Gio.SubprocessFlags.NONE)
                .wait_check_async(null);
            const source = Gio.SettingsSchemaSource.new_from_directory(target, Gio.SettingsSchemaSource.get_default(), false);
            const schema = source.lookup(SCHEMA_ID, false);
            if (schema !== null)
                return {settings: new Settings(new Gio.Settings({settings_schema: schema})), source: `schema from ${dir}`};
        } catch (error) {
            throw new SchemaMissing(`cannot compile the settings schema in ${dir} (${String(error)}); glib-compile-schemas comes with GLib`);
        }
    }
    throw new SchemaMissing(`the settings schema ${SCHEMA_ID} is neither installed nor next to the program`);
}
