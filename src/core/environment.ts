// Where the process looks for things: environment variables, the home folder and the clock.
// Injected so tests can point providers at fixture homes without touching the real one.

import GLib from 'gi://GLib';

export interface Environment {
    getenv(name: string): string | null;
    readonly homeDir: string;
    readonly cacheDir: string;
    readonly configDir: string;
    readonly dataDir: string;
    now(): number;
}

export function systemEnvironment(): Environment {
    return {
        getenv: name => GLib.getenv(name),
        homeDir: GLib.get_home_dir(),
        cacheDir: GLib.get_user_cache_dir(),
        configDir: GLib.get_user_config_dir(),
        dataDir: GLib.get_user_data_dir(),
        now: () => Date.now(),
    };
}
