// The command-line entry: `gjs -m cli/main.js COMMAND …` from the extension folder, or
// `npm run cli -- COMMAND …` from the repository. Same core, providers, keyring and settings.
//
// Each command's modules are loaded when it runs: `scan` is also the extension's worker and its
// helpers, started at every login and unlock, and needs neither the providers nor HTTP nor the
// keyring (loading them took a third of its memory before the first byte of a log was read).

import GLib from 'gi://GLib';
import System from 'system';

import {systemEnvironment} from '../core/environment.js';
import {EXIT_OK, EXIT_PROVIDER_FAILED} from './exitCodes.js';

async function main(argv: string[]): Promise<number> {
    const env = systemEnvironment();
    if (argv[0] === 'scan' && !argv.includes('--help') && !argv.includes('-h')) {
        const {scanCommand} = await import('./scan.js');
        return scanCommand(argv, env);
    }
    const {runCommand} = await import('./commands.js');
    return runCommand(argv, env);
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
