// The command-line entry: `gjs -m cli/main.js COMMAND …` from the extension folder, or
// `npm run cli -- COMMAND …` from the repository. Same core, providers, keyring and settings.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

import {BackoffGate} from '../core/backoff.js';
import type {UsageSnapshot} from '../core/contract.js';
import {systemEnvironment} from '../core/environment.js';
import {HttpClient} from '../core/http.js';
import {readTextFile} from '../core/files.js';
import {isObject, optionalString, parseJson} from '../core/json.js';
import {DEFAULT_ACCOUNTS, createProviders, settingsAccounts} from '../core/registry.js';
import {SecretStore} from '../core/secrets.js';
import {withSpendPeriod} from '../core/spend.js';
import {sortSnapshots, withAccountName} from '../core/usageService.js';
import {USAGE, UsageError, parseArgs} from './args.js';
import {renderDoctor, runDoctor} from './doctor.js';
import {renderI3blocks, renderTable, renderWaybar} from './render.js';
import {readShareFromInput, runScan, serveScans} from './scan.js';
import {loadSettings} from './settings.js';

export const EXIT_OK = 0;
export const EXIT_PROVIDER_FAILED = 1;
export const EXIT_USAGE = 2;

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

const failed = (snapshots: readonly UsageSnapshot[]): boolean =>
    snapshots.some(s => s.error !== null && s.error.kind !== 'not-configured');

async function main(argv: string[]): Promise<number> {
    let command;
    try {
        command = parseArgs(argv);
    } catch (error) {
        if (!(error instanceof UsageError))
            throw error;
        printerr(`ai-usage-meter: ${error.message}\n\n${USAGE}`);
        return EXIT_USAGE;
    }
    if (command.name === 'help') {
        print(USAGE);
        return EXIT_OK;
    }
    const ver = await version();
    if (command.name === 'version') {
        print(`ai-usage-meter ${ver}`);
        return EXIT_OK;
    }

    const env = systemEnvironment();
    if (command.name === 'scan') {
        await (command.mode === 'serve' ? serveScans(env) : command.mode === 'share' ? readShareFromInput() : runScan(env, command.json));
        return EXIT_OK;
    }
    const loaded = await loadSettings(ROOTS.map(root => GLib.build_filenamev([root, 'schemas'])), env.cacheDir);
    const accounts = loaded.settings ? settingsAccounts(loaded.settings) : DEFAULT_ACCOUNTS;
    const secrets = new SecretStore();
    if (command.name === 'doctor') {
        const checks = await runDoctor({env, secrets, accounts, settingsSource: loaded.source,
            settingsInstalled: loaded.settings !== null});
        print(renderDoctor(checks));
        return checks.some(c => c.status === 'fail') ? EXIT_PROVIDER_FAILED : EXIT_OK;
    }

    const http = new HttpClient(`ai-usage-meter-cli/${ver} (+https://github.com/ai-usage-meter/ai-usage-meter)`);
    const explicit = argv.some(a => a.startsWith('--provider'));
    const providers = createProviders(secrets, accounts)
        .filter(p => command.providers.includes(p.id) && (explicit || accounts.enabled(p.id)));
    const gate = new BackoffGate();
    const cancellable = new Gio.Cancellable();
    const results = await Promise.all(providers.map(p => p.fetch({http, env, gate, cancellable, manual: true,
        accountDirs: accounts.accountDirs(p.id)})));
    const names = accounts.accountNames();
    const period = command.name === 'show' ? command.window : null;
    const snapshots = sortSnapshots(results.flat().map(s => withAccountName(s, names)))
        .map(s => period === null ? s : withSpendPeriod(s, period));
    const providerName = (id: string): string => providers.find(p => p.id === id)?.name ?? id;
    const thresholds = loaded.settings
        ? {warning: loaded.settings.get_uint('warning-threshold'), critical: loaded.settings.get_uint('critical-threshold')}
        : {warning: 70, critical: 90};

    if (command.name === 'show')
        print(command.json ? JSON.stringify(snapshots, null, 2) : renderTable(snapshots, providerName, env.now()));
    else if (command.format === 'waybar')
        print(renderWaybar(snapshots, providerName, thresholds, env.now()));
    else
        print(renderI3blocks(snapshots, providerName, thresholds));
    return failed(snapshots) ? EXIT_PROVIDER_FAILED : EXIT_OK;
}

const loop = new GLib.MainLoop(null, false);
let exitCode = EXIT_OK;
main(ARGV).then(code => {
    exitCode = code;
}).catch((error: unknown) => {
    printerr(`ai-usage-meter: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = EXIT_PROVIDER_FAILED;
}).finally(() => loop.quit());
loop.run();
System.exit(exitCode);
