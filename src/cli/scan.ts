// `scan`: the local-log engine from the command line. One-shot (a table or JSON), or as the
// extension's worker with --serve: each line read on standard input triggers an incremental
// scan whose result is printed as one line of JSON. Standard input closing ends the worker.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

import type {Environment} from '../core/environment.js';
import {formatClock, formatMoney, formatTokens} from '../core/format.js';
import {LOG_SOURCE_NAMES, dayKey, recentCost, totalTokens, type LocalUsage, type SourceUsage, type Totals} from '../core/logs/localUsage.js';
import {serveShare} from '../core/logs/claudeShare.js';
import {MemoryBudget} from '../core/logs/memoryBudget.js';
import {LogScanner, scanStatePath} from '../core/logs/scanner.js';
import {PriceList, parsePriceOverrides} from '../core/pricing.js';
import {parseArgs} from './args.js';
import {EXIT_OK, EXIT_USAGE} from './exitCodes.js';
import {unixStreams} from './unixStreams.js';

Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish');

function money(t: Totals): string {
    const unpriced = t.unpricedTokens > 0 ? ` + ${formatTokens(t.unpricedTokens)} tokens unpriced` : '';
    return `${formatMoney(t.cost, 'USD')}${unpriced}`;
}

function renderSource(s: SourceUsage, now: number): string[] {
    const lines = [`${LOG_SOURCE_NAMES[s.source]} (${s.files} files)`];
    if (s.allTime.entries === 0 && s.days.length === 0)
        return [...lines, `  no logs in ${s.roots.join(', ')}`];
    lines.push(`  Today          ${money(s.today)}  ${formatTokens(totalTokens(s.today))} tokens, ${s.sessionsToday} sessions`);
    lines.push(`  Month to date  ${money(s.month)}  ${formatTokens(totalTokens(s.month))} tokens`);
    lines.push(`  Last 7 days    ${formatMoney(recentCost(s.days, dayKey(now), 7), 'USD')}`);
    if (s.block) {
        lines.push(`  5-hour block   ${formatMoney(s.block.cost, 'USD')} since ${formatClock(s.block.start, now)}, ends ${
            formatClock(s.block.end, now)}; ${formatMoney(s.block.costPerHour, 'USD')}/h, projected ${formatMoney(s.block.projectedCost, 'USD')}`);
    }
    for (const m of s.models.slice(0, 8))
        lines.push(`  ${m.model.padEnd(28)} ${m.priced ? formatMoney(m.cost, 'USD').padStart(10) : 'unpriced'.padStart(10)}  ${formatTokens(totalTokens(m))} tokens`);
    for (const p of s.projects)
        lines.push(`  project ${p.project.padEnd(20)} ${formatMoney(p.cost, 'USD').padStart(10)}`);
    return lines;
}

export function renderLocalUsage(usage: LocalUsage): string {
    const blocks = usage.sources.map(s => renderSource(s, usage.generatedAt).join('\n'));
    const footer = [`Estimated at API prices of ${usage.priceTableDate}; scanned in ${Math.round(usage.scanMs)} ms.`,
        ...usage.priceErrors];
    return [...blocks, footer.join('\n')].join('\n\n');
}

const MAX_HELPERS = 3;

/**
 * The scanner for this process: mapped files are released by collecting garbage now and then;
 * a large scan uses the other cores through helpers (this program with `scan --share`); the
 * scan state is kept in the cache folder, so that the next start reads only what changed.
 */
function newScanner(env: Environment, watch: boolean): LogScanner {
    // The worker answers first from its saved state (see LogScanner); the one-shot CLI never does.
    const program = GLib.filename_from_uri(import.meta.url)[0].replace(/scan\.js$/, 'main.js');
    const gjs = GLib.file_read_link('/proc/self/exe');
    // The worker (watch) runs beside GNOME Shell: it leaves one core free for it, whose frames
    // would stutter otherwise. A scan run from the command line may use every core.
    const count = Math.min(MAX_HELPERS, GLib.get_num_processors() - (watch ? 2 : 1));
    return new LogScanner({env, watch, answerFromState: watch, memory: MemoryBudget.forReading(() => System.gc()), statePath: scanStatePath(env),
        helper: {argv: [gjs, '-m', program, 'scan', '--share'], count}});
}

/** `scan`, `scan --json`, `scan --serve` (the worker), `scan --share` (a helper); returns the exit status. */
export async function scanCommand(argv: string[], env: Environment): Promise<number> {
    const command = parseArgs(argv, []);
    if (command.name !== 'scan')
        return EXIT_USAGE;
    await (command.mode === 'serve' ? serveScans(env) : command.mode === 'share' ? readShareFromInput() : runScan(env, command.json));
    return EXIT_OK;
}

async function runScan(env: Environment, json: boolean): Promise<void> {
    const scanner = newScanner(env, false);
    const usage = await scanner.scan(null);
    print(json ? JSON.stringify(usage, null, 2) : renderLocalUsage(usage));
    persist(scanner, true);
}

/**
 * Helper mode: reads the share request (files with offsets, the user's price file) on stdin,
 * writes its progress and what it kept to stdout (see serveShare).
 */
async function readShareFromInput(): Promise<void> {
    const {InputStream, OutputStream} = await unixStreams();
    const stdout = new OutputStream({fd: 1, close_fd: false});
    await serveShare(new InputStream({fd: 0, close_fd: false}), stdout,
        pricesText => new PriceList(pricesText === null ? {} : parsePriceOverrides(pricesText).prices),
        MemoryBudget.forReading(() => System.gc()));
}

/** Saves the scan state; a failure costs the next start a full scan, not this answer. */
function persist(scanner: LogScanner, force: boolean): void {
    try {
        scanner.persist(force);
    } catch (error) {
        printerr(`cannot save the scan state: ${error instanceof Error ? error.message : String(error)}`);
    }
}

/** The worker loop: a scan per input line, a JSON line per scan; errors are reported, not fatal. */
async function serveScans(env: Environment): Promise<void> {
    const scanner = newScanner(env, true);
    const {InputStream} = await unixStreams();
    const input = new Gio.DataInputStream({base_stream: new InputStream({fd: 0, close_fd: false})});
    for (;;) {
        const [line] = await input.read_line_async(GLib.PRIORITY_DEFAULT, null);
        if (line === null) {
            persist(scanner, true); // a clean stop keeps everything read
            return;
        }
        let reply: string;
        try {
            reply = JSON.stringify(await scanner.scan(null));
        } catch (error) {
            reply = JSON.stringify({error: error instanceof Error ? error.message : String(error)});
        }
        print(reply); // g_print flushes: the extension reads each line as it comes
        persist(scanner, false); // after the answer: saving never delays it
        // A scan leaves much garbage, and GJS (1.74 at least) blocks, and so loses, a callback that
        // comes while an incremental collection of it is still sweeping: the read of the next
        // request could be lost, and the worker would hang until the watchdog killed it. A full
        // collection before waiting ends any such collection first.
        System.gc();
    }
}
