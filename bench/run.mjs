// `npm run bench`: our local-log scanner against ccusage 20.0.24 on the same synthetic corpus,
// in one run on this machine. Prints cold-scan time and peak memory (min/median/max, the
// time ratio run by run), the refresh time after appending 1 MB, the first answer of a
// restarted worker (from its saved state), and whether the totals equal the generator's.
//
// The corpus has a Claude Code part and a Codex part (by default 1 GB and 200 MB); both tools
// read both, and the Codex part is also measured alone (`ccusage codex daily`).
//
// BENCH_MB (default 1000) sets the Claude part's size, BENCH_CODEX_MB (default a fifth of it)
// the Codex part's; BENCH_RUNS (default 3) the runs per figure (medians are printed). The
// corpus is cached in ~/.cache/ai-usage-meter-bench; the HOME folders of the runs are removed
// at the end. Then, unless BENCH_SHELL=0, the main-loop stall probe runs in the e2e's headless
// GNOME Shell (root).
import {spawn, spawnSync} from 'node:child_process';
import {appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {cpus, homedir, loadavg, tmpdir, totalmem} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {appendix, writeCodexCorpus, writeCorpus} from './corpus.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const MB = Number(process.env.BENCH_MB ?? 1000);
const CODEX_MB = Number(process.env.BENCH_CODEX_MB ?? MB / 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const cli = join(repo, 'build', 'src', 'cli', 'main.js');
const ccusage = join(repo, 'bench', 'node_modules', '.bin', 'ccusage');

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (n, digits = 2) => Number(n.toFixed(digits));
/** min / median / max of a figure. */
const spread = (values, digits = 2) => [Math.min(...values), median(values), Math.max(...values)].map(v => round(v, digits)).join(' / ');

function files(dir) {
    return readdirSync(dir, {withFileTypes: true}).flatMap(e =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.jsonl') ? [join(dir, e.name)] : []);
}

async function corpus() {
    const generator = readFileSync(join(repo, 'bench', 'corpus.mjs'));
    const id = createHash('sha256').update(generator).digest('hex').slice(0, 12);
    const root = join(process.env.BENCH_CACHE ?? join(homedir(), '.cache', 'ai-usage-meter-bench'), `corpus-${MB}mb-${CODEX_MB}mb-${id}`);
    const expectedPath = join(root, 'expected.json');
    if (!existsSync(expectedPath)) {
        process.stdout.write(`Generating a ${MB} MB Claude Code and a ${CODEX_MB} MB Codex corpus in ${root} … `);
        const started = Date.now();
        const expected = await writeCorpus(join(root, 'logs'), MB * 1e6);
        expected.codex = await writeCodexCorpus(join(root, 'codex'), CODEX_MB * 1e6);
        writeFileSync(expectedPath, JSON.stringify(expected));
        console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return {logs: join(root, 'logs'), codex: join(root, 'codex'), expected: JSON.parse(readFileSync(expectedPath, 'utf8'))};
}

/** Runs a command under GNU time: wall seconds, peak RSS (MB) and stdout. */
function timed(argv, env) {
    const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], {env, encoding: 'utf8', maxBuffer: 1 << 28});
    if (result.status !== 0)
        throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
    const [wall, rss] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
    return {wall, rss: rss / 1024, stdout: result.stdout};
}

/** Every HOME made for a run, removed at the end. */
const homes = [];

/** A fresh HOME (no saved state, no history) reading the Claude logs `logs` and the Codex home `codex`. */
function environment(logs, codex) {
    const home = mkdtempSync(join(tmpdir(), 'aum-bench-home-'));
    homes.push(home);
    return {...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'),
        XDG_CACHE_HOME: join(home, '.cache'), TZ: 'UTC', CLAUDE_CONFIG_DIR: logs, CODEX_HOME: codex};
}

/** An empty Claude Code folder, to measure the Codex part alone. */
function noClaude() {
    const home = mkdtempSync(join(tmpdir(), 'aum-bench-home-'));
    homes.push(home);
    mkdirSync(join(home, 'claude', 'projects'), {recursive: true});
    return join(home, 'claude');
}

const ours = (usage, source = 'claude') => usage.sources.find(s => s.source === source).allTime;
const sameTotals = (t, e) => t.input === e.input && t.output === e.output && t.cacheWrite === e.cacheWrite &&
    t.cacheRead === e.cacheRead && Math.abs(t.cost - e.cost) < 1e-6 && t.entries === e.responses;
/** Codex totals against the generator's: uncached input, cached input, output, cost, events. */
const sameCodexTotals = (t, e) => t.input === e.input && t.output === e.output && t.cacheRead === e.cacheRead &&
    Math.abs(t.cost - e.cost) < 1e-6 && (t.entries === undefined || t.entries === e.events);
/** ccusage's totals object in our field names. */
const theirTotals = t => ({input: t.inputTokens, output: t.outputTokens, cacheWrite: t.cacheCreationTokens, cacheRead: t.cacheReadTokens,
    cost: t.totalCost ?? t.costUSD});

/** The long-running worker the extension uses: `scan --serve`, one JSON line per request. */
function worker(env) {
    const child = spawn('gjs', ['-m', cli, 'scan', '--serve'], {env, stdio: ['pipe', 'pipe', 'inherit']});
    let buffer = '';
    const waiting = [];
    child.stdout.on('data', chunk => {
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            waiting.shift()?.(JSON.parse(line));
        }
    });
    return {
        scan: () => new Promise(resolve => {
            const started = process.hrtime.bigint();
            waiting.push(usage => resolve({usage, wallMs: Number(process.hrtime.bigint() - started) / 1e6}));
            child.stdin.write('scan\n');
        }),
        peakRss: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024,
        stop: () => new Promise(resolve => {
            if (child.exitCode !== null)
                return resolve();
            child.once('exit', resolve);
            child.stdin.end();
        }),
    };
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** ccusage is pinned in bench/package.json and installed there on first use (not by the test suite). */
function installPeer() {
    if (existsSync(ccusage))
        return;
    console.log('Installing ccusage 20.0.24 into bench/node_modules …');
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {cwd: join(repo, 'bench'), stdio: 'inherit'});
    if (result.status !== 0 || !existsSync(ccusage))
        throw new Error('could not install ccusage into bench/');
}

/** ms per phase of a scan (from the answer), as one line. */
const phases = usage => Object.entries(usage.scanner?.phases ?? {}).map(([name, ms]) => `${name} ${Math.round(ms)}`).join(', ');

async function main() {
    if (!existsSync(cli))
        throw new Error('build first: npm run build');
    installPeer();
    const {logs, codex, expected} = await corpus();
    try {
        await measure(logs, codex, expected);
    } finally {
        for (const home of homes)
            rmSync(home, {recursive: true, force: true});
    }
    if (process.env.BENCH_SHELL !== '0')
        shellStalls(logs);
}

async function measure(logs, codex, expected) {
    const paths = files(logs);
    const codexPaths = files(codex);
    const bytes = paths.reduce((sum, p) => sum + statSync(p).size, 0);
    const codexBytes = codexPaths.reduce((sum, p) => sum + statSync(p).size, 0);
    spawnSync('cat', [...paths, ...codexPaths], {stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 0}); // warm the page cache for both
    const gjsVersion = spawnSync('gjs', ['--version'], {encoding: 'utf8'}).stdout.trim();
    console.log(`Corpus: Claude Code ${(bytes / 1e6).toFixed(0)} MB, ${paths.length} files, ${expected.totals.responses} responses ` +
        `(expected $${expected.totals.cost.toFixed(2)}); Codex ${(codexBytes / 1e6).toFixed(0)} MB, ${codexPaths.length} files, ` +
        `${expected.codex.totals.events} events (expected $${expected.codex.totals.cost.toFixed(2)}). Machine: ${cpus().length} × ` +
        `${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${gjsVersion}; node ${process.version}; ${RUNS} runs, ` +
        `warm page cache; load average ${loadavg().map(l => l.toFixed(1)).join(' ')}.`);

    const env = environment(logs, codex);
    const ourRuns = [];
    const theirRuns = [];
    for (let i = 0; i < RUNS; i++) {
        // A new HOME each time: a cold scan, with no saved state to continue from.
        ourRuns.push(timed(['gjs', '-m', cli, 'scan', '--json'], environment(logs, codex)));
        theirRuns.push(timed([ccusage, 'daily', '--json', '--offline'], env));
    }
    const ourUsage = JSON.parse(ourRuns[0].stdout);
    const ourTotals = ours(ourUsage);
    const theirClaude = theirTotals(JSON.parse(timed([ccusage, 'claude', 'daily', '--json', '--offline'], env).stdout).totals);

    // The Codex part alone.
    const codexEnv = environment(noClaude(), codex);
    const ourCodexRuns = [];
    const theirCodexRuns = [];
    for (let i = 0; i < RUNS; i++) {
        ourCodexRuns.push(timed(['gjs', '-m', cli, 'scan', '--json'], {...environment(codexEnv.CLAUDE_CONFIG_DIR, codex)}));
        theirCodexRuns.push(timed([ccusage, 'codex', 'daily', '--json', '--offline'], codexEnv));
    }
    const ourCodex = ours(ourUsage, 'codex');
    const theirCodex = theirTotals(JSON.parse(theirCodexRuns[0].stdout).totals);

    // Refresh after appending 1 MB to a session file, in the worker the extension runs.
    const refreshEnv = environment(logs, codex);
    const w = worker(refreshEnv);
    const cold = await w.scan();
    const endsLine = p => readFileSync(p).at(-1) === 0x0a; // not one of the files cut mid-line
    const target = paths.slice(Math.floor(paths.length / 2)).find(endsLine);
    const original = statSync(target).size;
    const refresh = [];
    const restarts = [];
    const ccusageRefresh = [];
    const added = {input: 0, output: 0, cacheWrite: 0, cacheRead: 0, cost: 0, responses: 0};
    let refreshed;
    let workerRss = 0;
    try {
        for (let i = 0; i < RUNS; i++) {
            appendFileSync(target, appendix(1e6, 900 + i, t => {
                for (const k of Object.keys(added))
                    added[k] += t[k];
            }));
            await sleep(200); // a refresh comes minutes after a write, not within the same millisecond
            refreshed = await w.scan();
            refresh.push(refreshed);
            ccusageRefresh.push(timed([ccusage, 'daily', '--json', '--offline'], env).wall);
        }
        workerRss = w.peakRss();
        await w.stop();
        // Restarted workers (a login, an unlock): from spawn to the first answer, from the saved state.
        for (let i = 0; i < RUNS; i++) {
            const started = process.hrtime.bigint();
            const again = worker(refreshEnv);
            const first = await again.scan();
            restarts.push({...first, wallMs: Number(process.hrtime.bigint() - started) / 1e6});
            await again.stop();
        }
    } finally {
        w.stop();
        spawnSync('truncate', ['-s', String(original), target]);
    }
    const afterExpected = {...expected.totals};
    for (const k of Object.keys(added))
        afterExpected[k] += added[k];

    const ratios = ourRuns.map((r, i) => r.wall / theirRuns[i].wall);
    const codexRatios = ourCodexRuns.map((r, i) => r.wall / theirCodexRuns[i].wall);
    const restartExact = restarts.every(r => sameTotals(ours(r.usage), afterExpected) && r.usage.bytesRead === 0);
    const claudeMb = (bytes / 1e6).toFixed(0);
    const codexMb = (codexBytes / 1e6).toFixed(0);
    const rows = [
        ['figure (min / median / max)', 'ai-usage-meter', 'ccusage 20.0.24', 'target'],
        [`cold scan, Claude ${claudeMb} MB + Codex ${codexMb} MB, wall s`, spread(ourRuns.map(r => r.wall)), `${spread(theirRuns.map(r => r.wall))} (daily)`,
            `ratio ${spread(ratios)} (≤ 1.0)`],
        ['cold scan, peak RSS MB', spread(ourRuns.map(r => r.rss), 0), spread(theirRuns.map(r => r.rss), 0), '≤ 64'],
        [`cold scan, Codex ${codexMb} MB alone, wall s`, spread(ourCodexRuns.map(r => r.wall)),
            `${spread(theirCodexRuns.map(r => r.wall))} (codex daily)`, `ratio ${spread(codexRatios)}`],
        [`cold scan, Codex alone, peak RSS MB`, spread(ourCodexRuns.map(r => r.rss), 0), spread(theirCodexRuns.map(r => r.rss), 0), ''],
        ['refresh after +1 MB, ms (worker scan)', spread(refresh.map(r => r.usage.scanMs), 1),
            `${spread(ccusageRefresh.map(sec => sec * 1000), 0)} (full re-run)`, '≤ 50 every time'],
        ['refresh after +1 MB, ms (round trip)', spread(refresh.map(r => r.wallMs), 1), '', ''],
        ['restarted worker, spawn to first answer, ms', spread(restarts.map(r => r.wallMs), 0), 'n/a (no state)', '≤ 200'],
        ['restarted worker, bytes read / exact totals', `${restarts.map(r => r.usage.bytesRead).join(', ')} / ${restartExact ? 'yes' : 'NO'}`, '', '0 / yes'],
        ['worker cold scan in --serve (one process), s', round(cold.usage.scanMs / 1000), '', ''],
        ['totals exact, Claude (tokens, cost, responses)', sameTotals(ourTotals, expected.totals) ? 'yes' : 'NO',
            sameTotals({...theirClaude, entries: expected.totals.responses}, expected.totals) ? 'yes' : 'no (claude daily)', 'yes'],
        ['totals exact, Codex (tokens, cost, events)', sameCodexTotals(ourCodex, expected.codex.totals) ? 'yes' : 'NO',
            sameCodexTotals(theirCodex, expected.codex.totals) ? 'yes (codex daily)' : 'no (codex daily)', 'yes'],
        ['totals exact after the appends', sameTotals(ours(refreshed.usage), afterExpected) ? 'yes' : 'NO', '', 'yes'],
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map(r => String(r[c]).length)));
    console.log('');
    for (const row of rows)
        console.log(row.map((cell, c) => String(cell).padEnd(widths[c])).join('  '));
    const tokens = t => t.input + t.output + t.cacheWrite + t.cacheRead;
    console.log(`\nExpected Claude tokens ${tokens(expected.totals)}, cost $${expected.totals.cost.toFixed(4)}; ` +
        `ours ${tokens(ourTotals)}, $${ourTotals.cost.toFixed(4)}; ccusage ${tokens(theirClaude)}, $${theirClaude.cost.toFixed(4)} ` +
        `(${((tokens(theirClaude) / tokens(expected.totals) - 1) * 100).toFixed(2)}% tokens: it does not de-duplicate lines without requestId in daily).`);
    console.log(`Worker peak RSS after cold scan and ${RUNS} refreshes: ${round(workerRss, 0)} MB.`);
    const medianRun = [...ourRuns].sort((a, b) => a.wall - b.wall)[Math.floor(RUNS / 2)];
    console.log('\nWhere the time goes, ms per phase (this process; helpers run beside it):');
    console.log(`  cold scan (median run):       ${phases(JSON.parse(medianRun.stdout))}`);
    console.log(`  worker cold scan (--serve):   ${phases(cold.usage)}`);
    console.log(`  refresh after +1 MB (last):   ${phases(refreshed.usage)}`);
    console.log(`  restarted worker, 1st answer: ${phases(restarts[restarts.length - 1].usage)}; ` +
        `start-up and reply ${round(restarts[restarts.length - 1].wallMs - restarts[restarts.length - 1].usage.scanMs, 0)} ms`);
}

/** The longest main-loop stalls of a real headless GNOME Shell (48 unless BENCH_E2E_SHELL says) while the extension works on the corpus. */
function shellStalls(logs) {
    const shell = process.env.BENCH_E2E_SHELL ?? '48';
    console.log('\nGNOME Shell main loop, longest gap of a 1 ms timer (ms; gaps over 8 ms) — headless, software rendering:');
    const result = spawnSync('bash', [join(repo, 'test', 'e2e', 'run.sh')], {encoding: 'utf8',
        env: {...process.env, E2E_SHELLS: shell, E2E_DRIVER: 'stallProbe', E2E_CORPUS: logs}});
    const path = join(repo, 'build', 'e2e', shell, 'stall.json');
    if (result.status !== 0 || !existsSync(path)) {
        console.log(`  not measured: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
        return;
    }
    const s = JSON.parse(readFileSync(path, 'utf8'));
    const rows = [
        ['idle Shell, 5 s', s.idle],
        ['a panel label changes (no extension), 5×', s.repaint],
        [`the CLI scans the corpus beside the Shell (${s.outsideSeconds.toFixed(1)} s, extension off)`, s.outsideScan],
        ['enabling the extension (local logs off)', s.enable],
        [`first scan of the corpus in the worker (${s.coldSeconds.toFixed(1)} s)`, s.cold],
        ['5 refreshes, nothing new in the logs', s.refreshNothingNew],
        ['5 refreshes, each after appending 1 MB', s.refresh],
    ];
    for (const [what, probe] of rows)
        console.log(`  ${what.padEnd(66)} ${probe.max.toFixed(1).padStart(6)}  (${probe.over8})`);
}

await main();
