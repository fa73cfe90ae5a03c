// Command-line arguments: a command, then options. Errors say what was wrong.

import type {ProviderId} from '../core/contract.js';
import {PERIODS, type Period} from '../core/normalized.js';
import type {ProviderCommand} from '../core/provider.js';

/** `providers`: the ones asked for with --provider, or null for those enabled in the settings. */
export type Command =
    | {name: 'show'; providers: ProviderId[] | null; json: boolean; window: Period | null}
    | {name: 'status'; providers: ProviderId[] | null; format: 'waybar' | 'i3blocks'}
    | {name: 'doctor'}
    | {name: 'scan'; json: boolean; mode: 'once' | 'serve' | 'share'}
    | {name: 'login'; provider: ProviderId}
    | {name: 'logout'; provider: ProviderId; account: string | null}
    | {name: 'help'}
    | {name: 'version'};

export class UsageError extends Error {}

/**
 * The help text; `ids` are the providers of the registry, `signIns` those `login` takes,
 * `commands` those the providers add.
 */
export const usage = (ids: readonly ProviderId[], signIns: readonly ProviderId[] = [],
    commands: readonly ProviderCommand[] = []): string => `Usage: ai-usage-meter COMMAND [OPTIONS]

Commands:
  show      Subscription quotas of every account, as a table or JSON
  status    One line for a status bar (Waybar JSON or i3blocks)
  doctor    What was found and what is missing, with the fix (never prints a secret)
  scan      Estimated API cost from local Claude Code and Codex logs (no network)
${commands.map(c => `  ${c.name.padEnd(8)}${c.name.length > 8 ? '\n            ' : '  '}${c.help}\n`).join('')}  login P   Sign in with our own sign-in, as the preferences do (${signIns.join(', ') || 'none'});
            the token goes to your keyring
  logout P [ACCOUNT]
            Remove an own sign-in and its token (ACCOUNT as doctor names it, or its name)

Options:
  --provider P       the enabled ones (default), all, ${ids.join(', ')}; repeat or comma-separate
  --json             show, scan: print the normalized JSON
  --window W         show: the limits of that length and the API spend of that period:
                     ${PERIODS.join(', ')} (spend: month by default)
  --serve            scan: stay running; scan again (incrementally) for each line read
                     on standard input and print one JSON line per scan
  --share            scan: read the Claude files listed (JSON) on standard input for a
                     scan running on several cores; prints the entries kept
  --format F         status: waybar (default) or i3blocks
  -h, --help         this help
  --version          the version

Exit status: 0 all fine, 1 a provider failed, 2 bad usage.`;

function parseProviders(values: string[], ids: readonly ProviderId[]): ProviderId[] | null {
    const names = values.flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== '');
    if (names.length === 0)
        return null;
    if (names.includes('all'))
        return [...ids];
    for (const name of names) {
        if (!ids.includes(name))
            throw new UsageError(`unknown provider "${name}" (expected all, ${ids.join(', ')})`);
    }
    return names;
}

function signInProvider(name: string | undefined, command: string, signIns: readonly ProviderId[]): ProviderId {
    if (name === undefined || !signIns.includes(name))
        throw new UsageError(`${command} needs a provider: ${signIns.join(', ')}`);
    return name;
}

export function parseArgs(argv: readonly string[], ids: readonly ProviderId[], signIns: readonly ProviderId[] = []): Command {
    const args = [...argv];
    if (args.some(a => a === '-h' || a === '--help'))
        return {name: 'help'};
    if (args.includes('--version'))
        return {name: 'version'};
    const command = args.shift() ?? 'show';
    const providers: string[] = [];
    let json = false;
    let window: Period | null = null;
    let mode: 'once' | 'serve' | 'share' = 'once';
    let format: 'waybar' | 'i3blocks' = 'waybar';
    const positional: string[] = [];
    while (args.length > 0) {
        const arg = args.shift() ?? '';
        const [flag = '', inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
        const value = (): string => {
            const next = inline ?? args.shift();
            if (next === undefined || next.startsWith('--'))
                throw new UsageError(`${flag} needs a value`);
            return next;
        };
        if (flag === '--provider' && (command === 'show' || command === 'status')) {
            providers.push(value());
        } else if (flag === '--json' && (command === 'show' || command === 'scan') && inline === undefined) {
            json = true;
        } else if ((flag === '--serve' || flag === '--share') && command === 'scan' && inline === undefined) {
            mode = flag === '--serve' ? 'serve' : 'share';
        } else if (flag === '--window' && command === 'show') {
            const chosen = value();
            const period = PERIODS.find(p => p === chosen);
            if (period === undefined)
                throw new UsageError(`unknown window "${chosen}" (expected ${PERIODS.join(', ')})`);
            window = period;
        } else if (!arg.startsWith('-') && positional.length < (command === 'logout' ? 2 : command === 'login' ? 1 : 0)) {
            positional.push(arg);
        } else if (flag === '--format' && command === 'status') {
            const chosen = value();
            if (chosen !== 'waybar' && chosen !== 'i3blocks')
                throw new UsageError(`unknown format "${chosen}" (expected waybar or i3blocks)`);
            format = chosen;
        } else {
            throw new UsageError(`unexpected "${arg}" for ${command}`);
        }
    }
    if (command === 'show')
        return {name: 'show', providers: parseProviders(providers, ids), json, window};
    if (command === 'status')
        return {name: 'status', providers: parseProviders(providers, ids), format};
    if (command === 'doctor')
        return {name: 'doctor'};
    if (command === 'scan')
        return {name: 'scan', json, mode};
    if (command === 'login')
        return {name: 'login', provider: signInProvider(positional[0], command, signIns)};
    if (command === 'logout')
        return {name: 'logout', provider: signInProvider(positional[0], command, signIns), account: positional[1] ?? null};
    throw new UsageError(`unknown command "${command}"`);
}
