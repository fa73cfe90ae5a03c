// Every command but `scan`: the providers, the keyring and the settings, loaded by main.js
// only when such a command runs.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {BackoffGate} from '../core/backoff.js';
import {SnapshotCache} from '../core/cache.js';
import type {UsageSnapshot} from '../core/contract.js';
import type {Environment} from '../core/environment.js';
import {HttpClient} from '../core/http.js';
import {meterProgram, readToEnd, readTextFile} from '../core/files.js';
import {isObject, optionalString, parseJson} from '../core/json.js';
import {normalize} from '../core/normalized.js';
import {OwnTokenStore} from '../core/ownSignIn.js';
import type {CommandContext} from '../core/provider.js';
import {createProviders, providerCommands} from '../core/registry.js';
import {SecretStore} from '../core/secrets.js';
import {Keys, enabledKey} from '../core/settings.js';
import {sortSnapshots, withAccountName, withLastData} from '../core/usageService.js';
import {UsageError, parseArgs, usage} from './args.js';
import {renderDoctor, runDoctor} from './doctor.js';
import {EXIT_OK, EXIT_PROVIDER_FAILED, EXIT_USAGE} from './exitCodes.js';
import {login, logout, signInProviders} from './login.js';
import {renderI3blocks, renderTable, renderWaybar} from './render.js';
import {SchemaMissing, loadSettings} from './settings.js';
import {unixStreams} from './unixStreams.js';

const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
/** Installed: <extension>/cli/main.js; in the repository: build/src/cli/main.js. */
const ROOTS = [GLib.build_filenamev([here, '..']), GLib.build_filenamev([here, '..', '..', '..'])]
    .map(path => GLib.canonicalize_filename(path, null));

async function version(): Promise<string> {
    for (const root of ROOTS) {
        const json = parseJson(await readTextFile(GLib.build_filenamev([root, 'metadata.json']), null) ?? '');
        if (isObject(json))
            return optionalString(json, 'version-name') ?? (typeof json['version'] === 'number' ? `${json['version']}` : 'dev');
    }
    return 'dev';
}

Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish');

function commandContext(env: Environment): CommandContext {
    return {
        env,
        out: text => print(text),
        err: text => printerr(text),
        readInput: async () => {
            const {InputStream} = await unixStreams();
            return new TextDecoder().decode(await readToEnd(new InputStream({fd: 0, close_fd: false}), null));
        },
        program: () => meterProgram(env.homeDir, null),
    };
}

/** Lines typed on standard input (the code pasted at `login`). */
async function stdinLines(): Promise<() => Promise<string | null>> {
    const {InputStream} = await unixStreams();
    const input = new Gio.DataInputStream({base_stream: new InputStream({fd: 0, close_fd: false})});
    return async () => {
        const [line] = await input.read_line_async(GLib.PRIORITY_DEFAULT, null);
        return line === null ? null : new TextDecoder().decode(line);
    };
}

const failed = (snapshots: readonly UsageSnapshot[]): boolean =>
    snapshots.some(s => s.error !== null && s.error.kind !== 'not-configured');

/** Runs a command other than `scan` (and `scan --help`); returns the exit status. */
export async function runCommand(argv: string[], env: Environment): Promise<number> {
    // A provider's command runs at once too: another program may start it on every message.
    const commands = providerCommands();
    const providerCommand = commands.find(c => c.name === argv[0]);
    if (providerCommand !== undefined && !argv.includes('--help') && !argv.includes('-h'))
        return providerCommand.run(argv.slice(1), commandContext(env));
    let loaded;
    try {
        loaded = await loadSettings(ROOTS.map(root => GLib.build_filenamev([root, 'schemas'])), env.cacheDir);
    } catch (error) {
        if (!(error instanceof SchemaMissing))
            throw error;
        printerr(`ai-usage-meter: ${error.message}`);
        return EXIT_USAGE;
    }
    const {settings} = loaded;
    const secrets = new SecretStore();
    const ownTokens = new OwnTokenStore(secrets);
    const providers = createProviders({secrets, ownTokens, settings});
    const ids = providers.map(p => p.id);
    const signIns = signInProviders(providers);
    let command;
    try {
        command = parseArgs(argv, ids, signIns);
    } catch (error) {
        if (!(error instanceof UsageError))
            throw error;
        printerr(`ai-usage-meter: ${error.message}\n\n${usage(ids, signIns, commands)}`);
        return EXIT_USAGE;
    }
    if (command.name === 'help') {
        print(usage(ids, signIns, commands));
        return EXIT_OK;
    }
    const ver = await version();
    if (command.name === 'version') {
        print(`ai-usage-meter ${ver}`);
        return EXIT_OK;
    }
    if (command.name === 'doctor') {
        const findings = await runDoctor({env, secrets, settings, providers, settingsSource: loaded.source});
        print(renderDoctor(findings));
        return findings.some(c => c.status === 'fail') ? EXIT_PROVIDER_FAILED : EXIT_OK;
    }
    if (command.name === 'scan')
        return EXIT_USAGE;

    const http = new HttpClient(`ai-usage-meter-cli/${ver} (+https://github.com/ai-usage-meter/ai-usage-meter)`);
    if (command.name === 'login' || command.name === 'logout') {
        const provider = providers.find(p => p.id === command.provider);
        if (provider === undefined)
            return EXIT_USAGE;
        const ctx = {env, http, tokens: ownTokens, settings, cancellable: new Gio.Cancellable(),
            io: {out: (text: string) => print(text), err: (text: string) => printerr(text), readLine: await stdinLines()}};
        const code = command.name === 'login' ? await login(ctx, provider) : await logout(ctx, provider, command.account);
        Gio.Settings.sync(); // the account list reaches dconf before the program exits
        return code;
    }
    const asked = command.providers;
    const chosen = providers.filter(p => asked === null ? settings.get(enabledKey(p.id)) : asked.includes(p.id));
    // The rate-limit pauses and failure back-offs are the extension's too: a status bar polling
    // `status` every minute must not hit an endpoint that asked us to wait or keeps failing.
    // `show` is a person asking: it may go past (at most every few seconds, see BackoffGate).
    const gate = new BackoffGate();
    const cache = new SnapshotCache(env.cacheDir);
    await cache.restorePauses(gate, env.now(), null);
    const cancellable = new Gio.Cancellable();
    const manual = command.name === 'show';
    const results = await Promise.all(chosen.map(p => p.fetch({http, env, gate, cancellable, manual})));
    await cache.savePauses(gate, env.now(), null);
    // An account that failed (often: paused) shows the extension's last data, marked stale.
    const cached = await cache.load(null);
    const lastData = (s: UsageSnapshot): UsageSnapshot => s.error?.kind === 'not-configured' ? s : withLastData(s, cached);
    const names = new Map(Object.entries(settings.get(Keys.accountNames)));
    const snapshots = sortSnapshots(results.flat().map(s => withAccountName(lastData(s), names)), ids);
    const providerName = (id: string): string => providers.find(p => p.id === id)?.name ?? id;
    const thresholds = {warning: settings.get(Keys.warningThreshold), critical: settings.get(Keys.criticalThreshold)};

    if (command.name === 'show') {
        print(command.json ? JSON.stringify(snapshots.map(s => normalize(s, command.window)), null, 2)
            : renderTable(snapshots, providerName, env.now(), command.window));
    } else if (command.format === 'waybar') {
        print(renderWaybar(snapshots, providerName, thresholds, env.now()));
    } else {
        print(renderI3blocks(snapshots, providerName, thresholds));
    }
    return failed(snapshots) ? EXIT_PROVIDER_FAILED : EXIT_OK;
}
