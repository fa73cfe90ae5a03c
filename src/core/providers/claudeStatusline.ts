// Claude Code's statusline as a quota source that costs no request: Claude Code hands its
// statusline command a JSON with `rate_limits` (5 h and 7 d) on every message. The
// `ai-usage-meter statusline` command records it here, where the Claude provider reads it, then
// prints the user's own statusline (chained) or a compact line of ours. Installing the command
// into Claude Code's settings.json, and removing it again, happens only when the user asks.
//
// One record per Claude Code configuration folder: Claude Code runs the command with its own
// environment, so CLAUDE_CONFIG_DIR tells the accounts apart (unset: the default account).

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {QuotaWindow} from '../contract.js';
import type {Environment} from '../environment.js';
import {ensureDirectory, meterProgram, readTextFile, readToEnd, writePrivateFile} from '../files.js';
import {formatClock, formatPercent} from '../format.js';
import {_, format} from '../i18n.js';
import {isObject, optionalEpochSeconds, optionalNumber, optionalObject, optionalPercent, optionalString, parseJson} from '../json.js';
import type {JsonObject} from '../json.js';
import {configFolders} from '../cliFolders.js';
import type {ProviderCommand} from '../provider.js';

Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');
Gio._promisify(Gio.OutputStream.prototype, 'close_async', 'close_finish');
Gio._promisify(Gio.File.prototype, 'copy_async', 'copy_finish');
Gio._promisify(Gio.File.prototype, 'replace_contents_async', 'replace_contents_finish');

/** The windows the statusline carries, in the order the card shows them. */
const WINDOWS = [
    {id: 'five_hour', label: '5h', seconds: 5 * 3600},
    {id: 'seven_day', label: '7d', seconds: 7 * 86400},
] as const;
export type StatuslineWindowId = typeof WINDOWS[number]['id'];

/** One window as the statusline reported it. Times are epoch ms. */
export interface StatuslineReading {
    usedPercent: number;
    resetsAt: number | null;
}

export interface RecordedWindow extends StatuslineReading {
    id: StatuslineWindowId;
    recordedAt: number;
}

/** A recording counts as current this long, unless its window has reset since. */
export const STATUSLINE_FRESH_MS = 10 * 60_000;
/**
 * An unchanged reading is written again after this long, so that it stays fresh. Each write
 * wakes the extension for a refresh, so not more often.
 */
const REWRITE_MS = 5 * 60_000;
const BACKUP_SUFFIX = '.bak-ai-usage-meter';

/**
 * The `rate_limits` of one statusline JSON; windows that are absent or malformed are left out
 * (an empty result when `rate_limits` is missing). Percentages may exceed 100, up to MAX_PERCENT;
 * an impossible one or an impossible reset time is left out.
 */
export function parseStatusline(json: unknown): Map<StatuslineWindowId, StatuslineReading> {
    const readings = new Map<StatuslineWindowId, StatuslineReading>();
    const limits = isObject(json) ? optionalObject(json, 'rate_limits') : null;
    for (const {id} of WINDOWS) {
        const window = limits ? optionalObject(limits, id) : null;
        const used = window ? optionalPercent(window, 'used_percentage') : null;
        if (window === null || used === null)
            continue;
        readings.set(id, {usedPercent: used, resetsAt: optionalEpochSeconds(window, 'resets_at')});
    }
    return readings;
}

/** The configuration folder Claude Code uses in `env`, or null for its default one. */
export function statuslineConfigDir(env: Environment): string | null {
    return configFolders(env, 'CLAUDE_CONFIG_DIR', [])[0] ?? null;
}

/** Where the readings of one configuration folder are recorded (null: the default folder). */
export function statuslineRecordPath(env: Environment, configDir: string | null): string {
    const name = configDir === null ? 'default'
        : GLib.compute_checksum_for_string(GLib.ChecksumType.SHA256, GLib.canonicalize_filename(configDir, null), -1)?.slice(0, 16);
    return GLib.build_filenamev([env.cacheDir, 'ai-usage-meter', 'statusline', `${name ?? 'default'}.json`]);
}

function parseRecord(text: string | null): RecordedWindow[] {
    const json = text === null ? undefined : parseJson(text);
    const windows = isObject(json) ? optionalObject(json, 'windows') : null;
    if (windows === null)
        return [];
    return WINDOWS.flatMap(({id}): RecordedWindow[] => {
        const entry = optionalObject(windows, id);
        const usedPercent = entry ? optionalPercent(entry, 'usedPercent') : null;
        const recordedAt = entry ? optionalNumber(entry, 'recordedAt') : null;
        if (entry === null || usedPercent === null || recordedAt === null)
            return [];
        return [{id, usedPercent, resetsAt: optionalNumber(entry, 'resetsAt'), recordedAt}];
    });
}

/** What was recorded at `path` (see statuslineRecordPath); empty when nothing. */
export async function readStatuslineRecord(path: string, cancellable: Gio.Cancellable | null): Promise<RecordedWindow[]> {
    return parseRecord(await readTextFile(path, cancellable));
}

/**
 * Records the readings (0600, written whole and renamed into place). A window the statusline
 * did not send keeps its last recording, with its own time. Nothing is written when nothing
 * was read, or when the readings are unchanged and recent: Claude Code reruns the command
 * every few hundred milliseconds and each write wakes the extension.
 */
export async function recordStatusline(env: Environment, configDir: string | null,
    readings: ReadonlyMap<StatuslineWindowId, StatuslineReading>, cancellable: Gio.Cancellable | null): Promise<RecordedWindow[]> {
    const path = statuslineRecordPath(env, configDir);
    const previous = parseRecord(await readTextFile(path, cancellable));
    if (readings.size === 0)
        return previous;
    const now = env.now();
    const merged = WINDOWS.flatMap(({id}): RecordedWindow[] => {
        const reading = readings.get(id);
        const before = previous.find(w => w.id === id);
        if (reading === undefined)
            return before ? [before] : [];
        const same = before?.usedPercent === reading.usedPercent && before.resetsAt === reading.resetsAt &&
            now - before.recordedAt < REWRITE_MS;
        return [same ? before : {id, ...reading, recordedAt: now}];
    });
    if (merged.every((w, i) => w === previous[i]) && merged.length === previous.length)
        return previous;
    await ensureDirectory(GLib.path_get_dirname(path), cancellable);
    const windows = Object.fromEntries(merged.map(({id, usedPercent, resetsAt, recordedAt}) => [id, {usedPercent, resetsAt, recordedAt}]));
    await writePrivateFile(path, `${JSON.stringify({windows})}\n`, cancellable);
    return merged;
}

/** The recorded windows that still count: recent, and not past their reset. */
export function freshWindows(recorded: readonly RecordedWindow[], now: number): RecordedWindow[] {
    return recorded.filter(w => now - w.recordedAt <= STATUSLINE_FRESH_MS && w.recordedAt <= now + 60_000 &&
        (w.resetsAt === null || w.resetsAt > now));
}

/** A recorded window as a quota window, marked as coming from the statusline. */
export function statuslineWindow(recorded: RecordedWindow, now: number): QuotaWindow {
    const known = WINDOWS.find(w => w.id === recorded.id);
    return {id: recorded.id, label: known?.label ?? recorded.id, usedPercent: recorded.usedPercent, resetsAt: recorded.resetsAt,
        windowSeconds: known?.seconds ?? null, source: format(_('from the statusline, %s'), formatClock(recorded.recordedAt, now))};
}

/** Our own statusline: "5h 72% · 7d 22%", from what is current. */
export function compactStatusline(windows: readonly RecordedWindow[]): string {
    return windows.map(w => `${WINDOWS.find(k => k.id === w.id)?.label ?? w.id} ${formatPercent(w.usedPercent)}`).join(' · ');
}

// --- settings.json: install, remove, and the command it held before -----------------------

/** Claude Code's user settings file for `env` (CLAUDE_CONFIG_DIR, else ~/.claude). */
export function claudeSettingsPath(env: Environment): string {
    return GLib.build_filenamev([statuslineConfigDir(env) ?? GLib.build_filenamev([env.homeDir, '.claude']), 'settings.json']);
}

/** Our own file of what each install replaced: {settings path: {installed, previous}}. */
function chainPath(env: Environment): string {
    return GLib.build_filenamev([env.configDir, 'ai-usage-meter', 'statusline-chain.json']);
}

interface ChainEntry {
    /** The command we put into settings.json. */
    installed: string;
    /** The `statusLine` value it replaced, or null when there was none. */
    previous: unknown;
}

async function readChains(env: Environment, cancellable: Gio.Cancellable | null): Promise<Map<string, ChainEntry>> {
    const json = parseJson(await readTextFile(chainPath(env), cancellable) ?? '');
    const chains = new Map<string, ChainEntry>();
    for (const [path, entry] of Object.entries(isObject(json) ? json : {})) {
        const installed = isObject(entry) ? optionalString(entry, 'installed') : null;
        if (isObject(entry) && installed !== null)
            chains.set(path, {installed, previous: entry['previous'] ?? null});
    }
    return chains;
}

async function writeChains(env: Environment, chains: ReadonlyMap<string, ChainEntry>, cancellable: Gio.Cancellable | null):
    Promise<void> {
    await ensureDirectory(GLib.path_get_dirname(chainPath(env)), cancellable);
    await writePrivateFile(chainPath(env), `${JSON.stringify(Object.fromEntries(chains), null, 2)}\n`, cancellable);
}

/** The shell command of a `statusLine` value, or null when it is not a command. */
function commandOf(statusLine: unknown): string | null {
    return isObject(statusLine) && statusLine['type'] === 'command' ? optionalString(statusLine, 'command') : null;
}

/** The user's previous statusline command for this Claude Code folder, saved when ours was installed. */
export async function previousStatuslineCommand(env: Environment, cancellable: Gio.Cancellable | null): Promise<string | null> {
    const entry = (await readChains(env, cancellable)).get(claudeSettingsPath(env));
    return entry === undefined ? null : commandOf(entry.previous);
}

/**
 * Runs the user's previous statusline command with the same input, as Claude Code would (`sh -c`),
 * and returns the first line it printed. Its errors go to our standard error, as they would have.
 */
export async function runPreviousStatusline(command: string, input: string, cancellable: Gio.Cancellable | null): Promise<string> {
    const process = Gio.Subprocess.new(['sh', '-c', command], Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
    // Written and read side by side: a command that prints without reading its input (or
    // before reading all of it) closes the pipe, and what it printed still counts.
    const stdoutPipe = process.get_stdout_pipe();
    const stdin = process.get_stdin_pipe();
    if (stdoutPipe === null || stdin === null)
        throw new Error('the statusline command has no pipes');
    const output = readToEnd(stdoutPipe, cancellable);
    try {
        await stdin.write_bytes_async(new GLib.Bytes(new TextEncoder().encode(input)), GLib.PRIORITY_DEFAULT, cancellable);
        await stdin.close_async(GLib.PRIORITY_DEFAULT, cancellable);
    } catch (error) {
        if (!(error instanceof GLib.Error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.BROKEN_PIPE)))
            throw error;
    }
    const stdout = new TextDecoder().decode(await output);
    return stdout.split('\n')[0] ?? '';
}

export class SettingsFileError extends Error {}

/** Claude Code's settings as an object; an empty one when the file does not exist yet. */
async function readSettings(path: string, cancellable: Gio.Cancellable | null): Promise<{json: JsonObject; existed: boolean}> {
    const text = await readTextFile(path, cancellable);
    if (text === null)
        return {json: {}, existed: false};
    const json = parseJson(text);
    if (!isObject(json))
        throw new SettingsFileError(format(_('%s is not valid JSON; it was left as it is.'), path));
    return {json, existed: true};
}

/** Backs the file up next to itself, then replaces it whole (its mode is kept). */
async function writeSettings(path: string, json: JsonObject, existed: boolean, cancellable: Gio.Cancellable | null): Promise<void> {
    const file = Gio.File.new_for_path(path);
    if (existed) {
        await file.copy_async(Gio.File.new_for_path(`${path}${BACKUP_SUFFIX}`), Gio.FileCopyFlags.OVERWRITE,
            GLib.PRIORITY_DEFAULT, cancellable, null);
    } else {
        await ensureDirectory(GLib.path_get_dirname(path), cancellable);
    }
    await file.replace_contents_async(new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`), null, false,
        Gio.FileCreateFlags.REPLACE_DESTINATION, cancellable);
}

/**
 * What Claude Code's settings.json holds for the statusline: our command (with the user's own
 * one it chains, if any), another command (which an install would keep and chain), or none.
 */
export type StatuslineState =
    | {kind: 'installed'; path: string; chained: string | null}
    | {kind: 'other'; path: string; command: string}
    | {kind: 'none'; path: string};

/** The statusline state of the Claude Code folder of `env`; a settings.json that is not JSON throws SettingsFileError. */
export async function readStatuslineState(env: Environment, command: string, cancellable: Gio.Cancellable | null):
    Promise<StatuslineState> {
    const path = claudeSettingsPath(env);
    const {json} = await readSettings(path, cancellable);
    const entry = (await readChains(env, cancellable)).get(path);
    const current = commandOf(json['statusLine']);
    if (current !== null && (current === command || current === entry?.installed))
        return {kind: 'installed', path, chained: entry === undefined ? null : commandOf(entry.previous)};
    return current === null ? {kind: 'none', path} : {kind: 'other', path, command: current};
}

/** A state in words, for the preferences and the command line. */
export function describeStatuslineState(state: StatuslineState): string {
    switch (state.kind) {
    case 'installed':
        return state.chained === null
            ? _('Installed: Claude Code runs the meter as its statusline and shows the meter’s line.')
            : format(_('Installed: Claude Code runs the meter, which runs your own statusline (%s) and shows its line.'),
                state.chained);
    case 'other':
        return format(_('Not installed. Claude Code runs another statusline (%s); installing keeps it and chains it.'),
            state.command);
    case 'none':
        return _('Not installed. The 5-hour and weekly numbers come from the usage API.');
    }
}

/** The command settings.json gets: our command line's `statusline`. */
export async function meterStatuslineCommand(env: Environment, cancellable: Gio.Cancellable | null): Promise<string> {
    return `${await meterProgram(env.homeDir, cancellable)} statusline`;
}

export type InstallOutcome = 'installed' | 'already-installed';
export type UninstallOutcome = 'removed' | 'not-installed';

/**
 * Makes `command` Claude Code's statusline. The user's own command is saved and chained; the
 * other settings are kept; the file is backed up first. Installing twice changes nothing.
 */
export async function installStatusline(env: Environment, command: string, cancellable: Gio.Cancellable | null):
    Promise<InstallOutcome> {
    const path = claudeSettingsPath(env);
    const {json, existed} = await readSettings(path, cancellable);
    const chains = await readChains(env, cancellable);
    const current = json['statusLine'];
    if (commandOf(current) === command || commandOf(current) === chains.get(path)?.installed)
        return 'already-installed';
    chains.set(path, {installed: command, previous: current ?? null});
    await writeChains(env, chains, cancellable);
    json['statusLine'] = {...isObject(current) ? current : {padding: 0}, type: 'command', command};
    await writeSettings(path, json, existed, cancellable);
    return 'installed';
}

/** Puts the user's previous statusline back (or none), if ours is still the one installed. */
export async function uninstallStatusline(env: Environment, cancellable: Gio.Cancellable | null): Promise<UninstallOutcome> {
    const path = claudeSettingsPath(env);
    const chains = await readChains(env, cancellable);
    const entry = chains.get(path);
    const {json, existed} = await readSettings(path, cancellable);
    if (entry === undefined || !existed || commandOf(json['statusLine']) !== entry.installed)
        return 'not-installed';
    if (entry.previous === null)
        delete json['statusLine'];
    else
        json['statusLine'] = entry.previous;
    await writeSettings(path, json, existed, cancellable);
    chains.delete(path);
    await writeChains(env, chains, cancellable);
    return 'removed';
}

/**
 * The whole `ai-usage-meter statusline` run: record what `input` carries, then the line to print,
 * the user's previous command's or ours. Never a network request.
 */
export async function handleStatusline(env: Environment, input: string, cancellable: Gio.Cancellable | null): Promise<string> {
    const configDir = statuslineConfigDir(env);
    // A recording that fails (a full disk) must not cost the user their statusline.
    const recorded = await recordStatusline(env, configDir, parseStatusline(parseJson(input)), cancellable)
        .catch((): RecordedWindow[] => []);
    const previous = await previousStatuslineCommand(env, cancellable);
    if (previous !== null)
        return runPreviousStatusline(previous, input, cancellable);
    return compactStatusline(freshWindows(recorded, env.now()));
}

/** `ai-usage-meter statusline [--install | --uninstall | --status]`. */
export const statuslineCommand: ProviderCommand = {
    name: 'statusline',
    help: `Claude Code's statusline command: records the 5 h and 7 d limits it is given on
            standard input (no request needed), then prints your previous statusline or ours
            --install / --uninstall: make it Claude Code's statusline in ~/.claude/settings.json
            (or $CLAUDE_CONFIG_DIR), keeping your own command chained; a backup is made
            --status: whether it is installed, and which command of yours it chains`,
    async run(args, ctx) {
        const action = args[0] ?? null;
        if (args.length > 1 || (action !== null && action !== '--install' && action !== '--uninstall' && action !== '--status')) {
            ctx.err(format(_('ai-usage-meter: unexpected “%s” for statusline (expected --install, --uninstall or --status)'),
                args.join(' ')));
            return 2;
        }
        try {
            if (action === '--install') {
                const outcome = await installStatusline(ctx.env, `${await ctx.program()} statusline`, null);
                ctx.out(outcome === 'installed' ? _('Claude Code now runs the meter as its statusline; your own command is kept and chained.')
                    : _('The meter is already Claude Code’s statusline.'));
            } else if (action === '--uninstall') {
                const outcome = await uninstallStatusline(ctx.env, null);
                ctx.out(outcome === 'removed' ? _('Claude Code’s statusline is back to what it was before.')
                    : _('The meter is not Claude Code’s statusline; nothing was changed.'));
            } else if (action === '--status') {
                ctx.out(describeStatuslineState(await readStatuslineState(ctx.env, `${await ctx.program()} statusline`, null)));
            } else {
                ctx.out(await handleStatusline(ctx.env, await ctx.readInput(), null));
            }
            return 0;
        } catch (error) {
            // A settings.json that is not JSON, or that may not be read or written, is said plainly.
            if (!(error instanceof SettingsFileError) && !(action !== null && error instanceof GLib.Error))
                throw error;
            ctx.err(`ai-usage-meter: ${error.message}`);
            return 1;
        }
    },
};
