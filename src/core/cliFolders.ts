// Where the assistants' command-line tools keep their configuration: read by the providers
// (the sign-in) and by the local-log scanner (the logs). A module of its own so that the
// scanner, a separate process started at every login and unlock, loads neither the providers
// nor what they need (HTTP, the keyring, settings).

import GLib from 'gi://GLib';

import type {Environment} from './environment.js';

/**
 * A CLI's configuration folders: `variable` when set (one folder, or several separated by
 * commas), else `defaults`. The same meaning everywhere: the sign-in is read from the first
 * folder that has one, as the CLI itself does, and local costs from the logs of all of them.
 */
export function configFolders(env: Environment, variable: string, defaults: readonly string[]): string[] {
    const value = env.getenv(variable);
    const listed = (value?.split(',') ?? []).map(dir => dir.trim()).filter(dir => dir !== '')
        .map(dir => dir === '~' || dir.startsWith('~/') ? env.homeDir + dir.slice(1) : dir);
    return listed.length > 0 ? listed : [...defaults];
}

/**
 * Claude Code's configuration folders: CLAUDE_CONFIG_DIR (one, or several separated by commas),
 * else ~/.config/claude and ~/.claude. Quotas use the first sign-in found; local costs read the
 * projects/ logs of each.
 */
export function claudeFolders(env: Environment): string[] {
    return configFolders(env, 'CLAUDE_CONFIG_DIR', [GLib.build_filenamev([env.configDir, 'claude']),
        GLib.build_filenamev([env.homeDir, '.claude'])]);
}

/**
 * The Codex CLI's folders: CODEX_HOME (one, or several separated by commas), else ~/.codex.
 * Quotas use the first sign-in found; local costs read the session logs of each.
 */
export function codexHomes(env: Environment): string[] {
    return configFolders(env, 'CODEX_HOME', [GLib.build_filenamev([env.homeDir, '.codex'])]);
}
