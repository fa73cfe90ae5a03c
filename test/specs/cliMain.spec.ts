import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {ShareHelper, readShare} from '../../src/core/logs/claudeShare.js';
import {MemoryBudget} from '../../src/core/logs/memoryBudget.js';
import {UsageStore} from '../../src/core/logs/usageStore.js';
import {PriceList} from '../../src/core/pricing.js';
import {listDir, makeTempDir, readFile, until, writeFile} from '../support/helpers.js';
import {assistantLine} from '../support/logLines.js';

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');
Gio._promisify(Gio.Subprocess.prototype, 'wait_async', 'wait_finish');

const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
const MAIN = GLib.build_filenamev([here, '..', '..', 'src', 'cli', 'main.js']);
const SHARE_MODULE = GLib.filename_to_uri(GLib.build_filenamev([here, '..', '..', 'src', 'core', 'logs', 'claudeShare.js']), null);

/**
 * A scan worker as far as its helper is concerned: it hands a helper (`scan --share`) a share
 * of $3 files (one log, listed again and again: minutes of reading), sends the request as the
 * pipe takes it, and waits to be killed. The share is read front to back: such a helper says
 * nothing until its result, so a pipe nobody reads would not stop it either.
 */
const WORKER = `
import GLib from 'gi://GLib';
import {ShareHelper} from '${SHARE_MODULE}';
const [main, log, count] = ARGV;
const files = Array.from({length: Number(count)}, () => ({path: log, offset: 0, size: 0}));
const helper = new ShareHelper([GLib.file_read_link('/proc/self/exe'), '-m', main, 'scan', '--share']).send({files, pricesText: null, fromBack: false});
GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
    helper.pump();
    return GLib.SOURCE_CONTINUE;
});
await new Promise(() => undefined);
`;

/** A file's text, empty when it cannot be read (a process that is gone). */
function readable(path: string): string {
    try {
        return readFile(path);
    } catch {
        return '';
    }
}

/** The processes whose parent is `pid`, with their command lines (a few small files: this runs on every idle). */
function childrenOf(pid: string): {pid: string; argv: string[]}[] {
    const children = listDir(`/proc/${pid}/task`).flatMap(task => readable(`/proc/${pid}/task/${task}/children`).split(' '))
        .filter(child => child !== '');
    return children.map(child => ({pid: child, argv: readable(`/proc/${child}/cmdline`).split('\0')}));
}

/** True once process `pid` has ended (gone, or a zombie its new parent has not reaped yet). */
function ended(pid: string): boolean {
    try {
        const stat = readFile(`/proc/${pid}/stat`);
        return ['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
        return true;
    }
}

const TOKEN = 'sk-ant-oat01-FIXTURE-ACCESS-TOKEN-e2e';

/** Runs the CLI as a user would, against the loopback server, with a fixture HOME. */
async function cli(args: string[], home: string, baseUrl: string): Promise<{status: number; stdout: string}> {
    const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_MERGE});
    launcher.setenv('HOME', home, true);
    launcher.setenv('XDG_CACHE_HOME', `${home}/.cache`, true);
    launcher.setenv('AI_USAGE_METER_TEST_ENDPOINT', baseUrl, true);
    launcher.unsetenv('CLAUDE_CONFIG_DIR');
    launcher.unsetenv('CODEX_HOME');
    const process = launcher.spawnv(['gjs', '-m', MAIN, ...args]);
    const [stdout] = await process.communicate_utf8_async(null, null);
    return {status: process.get_exit_status(), stdout};
}

describe('the CLI, run as a program', () => {
    let server: FixtureServer;
    let home: string;
    beforeEach(() => {
        server = new FixtureServer();
        home = makeTempDir();
        writeFile(`${home}/.claude/.credentials.json`, fixtureText('claude/credentials.json'));
        server.route('api.anthropic.com/api/oauth/usage', {status: 200, body: fixtureJson('claude/usage-max.json')});
        server.route('api.anthropic.com/api/oauth/profile', {status: 200, body: fixtureJson('claude/profile.json')});
    });
    afterEach(() => server.destroy());

    it('show --json prints the contract, one object per account', async () => {
        const {status, stdout} = await cli(['show', '--provider', 'claude', '--json'], home, server.baseUrl);
        expect(status).toBe(0);
        const snapshots = JSON.parse(stdout) as {provider: string; accountLabel: string; windows: unknown[]}[];
        expect(snapshots.map(s => [s.provider, s.accountLabel, s.windows.length])).toEqual([['claude', 'e2e@example.com', 5]]);
        expect(stdout).not.toContain(TOKEN);
    });

    it('exits 1 when a provider fails, and 2 on bad usage', async () => {
        server.route('api.anthropic.com/api/oauth/usage', {status: 500, body: {}});
        expect((await cli(['show', '--provider', 'claude'], home, server.baseUrl)).status).toBe(1);
        const bad = await cli(['show', '--provider', 'nope'], home, server.baseUrl);
        expect(bad.status).toBe(2);
        expect(bad.stdout).toContain('unknown provider "nope"');
    });

    it('status prints one Waybar line', async () => {
        const {status, stdout} = await cli(['status', '--provider', 'claude'], home, server.baseUrl);
        expect(status).toBe(0);
        expect((JSON.parse(stdout.trim()) as {text: string; class: string}))
            .toEqual(jasmine.objectContaining({text: '5h 72% · 7d 22%', class: 'warning'}));
    });

    it('status keeps to a 429 pause an earlier run recorded, the extension\'s pause file, and is no manual refresh', async () => {
        server.route('api.anthropic.com/api/oauth/usage', {status: 429, body: {error: 'rate_limited'}, headers: {'Retry-After': '3600'}});
        const usage = (): number => server.requestsTo('api.anthropic.com/api/oauth/usage').length;
        expect((await cli(['status', '--provider', 'claude'], home, server.baseUrl)).status).toBe(1);
        expect(usage()).toBe(1);
        expect((await cli(['status', '--provider', 'claude'], home, server.baseUrl)).status).toBe(1);
        expect(usage()).withContext('the next run of a status bar').toBe(1);
        // An hour later in the pause file's terms (its 429 long past): a manual refresh would go now, status still must not.
        const pausesPath = `${home}/.cache/ai-usage-meter/rate-limits.json`;
        const pauses = JSON.parse(readFile(pausesPath)) as {rateLimits: Record<string, {limitedAt: number}>};
        for (const pause of Object.values(pauses.rateLimits))
            pause.limitedAt -= 3_600_000;
        writeFile(pausesPath, JSON.stringify(pauses));
        expect((await cli(['status', '--provider', 'claude'], home, server.baseUrl)).status).toBe(1);
        expect(usage()).withContext('status is no manual refresh').toBe(1);
        await cli(['show', '--provider', 'claude'], home, server.baseUrl);
        expect(usage()).withContext('show is a person asking').toBe(2);
    });

    it('status backs off an endpoint that failed in an earlier run', async () => {
        server.route('api.anthropic.com/api/oauth/usage', {status: 503, body: '<h1>upstream trouble</h1>'});
        const usage = (): number => server.requestsTo('api.anthropic.com/api/oauth/usage').length;
        expect((await cli(['status', '--provider', 'claude'], home, server.baseUrl)).status).toBe(1);
        expect(usage()).toBe(1);
        const again = await cli(['status', '--provider', 'claude'], home, server.baseUrl);
        expect(again.status).toBe(1);
        expect(usage()).withContext('the next run of a status bar').toBe(1);
        expect(again.stdout).toContain('The server had a problem (503).');
    });

    it('doctor says what it found, with fixes, and never prints a token', async () => {
        const {stdout} = await cli(['doctor'], home, server.baseUrl);
        expect(stdout).toMatch(/ok +claude +signed in \(~\/\.claude\/\.credentials\.json, Max 20x\)/);
        expect(stdout).toMatch(/warn +codex ~\/\.codex +Not signed in to Codex\./);
        expect(stdout).toContain('→ Run `codex login`');
        expect(stdout).toMatch(/ok +network +127\.0\.0\.1 reachable/);
        expect(stdout).toMatch(/ok +claude statusline +Not installed\. .*statusline --install/);
        expect(stdout).not.toContain(TOKEN);
        expect(stdout).not.toContain('REFRESH');
    });
});

describe('the scan command', () => {
    let home: string;
    beforeEach(() => {
        home = makeTempDir();
        const project = `${home}/.claude/projects/-home-u-src-app`;
        writeFile(`${project}/a.jsonl`, [assistantLine({id: 'm1', requestId: 'r1', output: 5, time: Date.now() - 60_000}),
            assistantLine({id: 'm1', requestId: 'r1', output: 50, time: Date.now() - 60_000})].join('\n') + '\n');
        writeFile(`${project}/b.jsonl`, `${assistantLine({id: 'm2', requestId: 'r2', model: 'claude-haiku-4-5', output: 7,
            time: Date.now() - 30_000})}\n`);
    });

    it('prints a table, and the contract as JSON', async () => {
        const table = await cli(['scan'], home, 'http://127.0.0.1:9');
        expect(table.status).toBe(0);
        expect(table.stdout).toContain('Claude Code (2 files)');
        expect(table.stdout).toContain('Month to date');
        expect(table.stdout).toContain('claude-haiku-4-5');
        const json = await cli(['scan', '--json'], home, 'http://127.0.0.1:9');
        const usage = JSON.parse(json.stdout) as {sources: {source: string; today: {output: number; entries: number}}[]};
        expect(usage.sources.map(s => [s.source, s.today.output, s.today.entries])).toEqual([['claude', 57, 2], ['codex', 0, 0]]);
    });

    it('serves one JSON line per request, and ends when its input closes', async () => {
        const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE});
        launcher.setenv('HOME', home, true);
        launcher.unsetenv('CLAUDE_CONFIG_DIR');
        const worker = launcher.spawnv(['gjs', '-m', MAIN, 'scan', '--serve']);
        const [stdout] = await worker.communicate_utf8_async('scan\nscan\n', null);
        const lines = stdout.trim().split('\n').map(line => JSON.parse(line) as {bytesRead: number});
        expect(lines.map(l => l.bytesRead > 0)).toEqual([true, false]);
        expect(worker.get_exit_status()).toBe(0);
    });

    it('has no helper left reading once its worker is killed with SIGKILL', async () => {
        const log = `${home}/big.jsonl`;
        writeFile(log, `${Array.from({length: 30_000}, (_, i) => assistantLine({id: `m${i}`, requestId: `r${i}`, output: 1,
            time: Date.now() - 60_000})).join('\n')}\n`); // some 20 MB
        // Those strings are garbage now, and GJS 1.74 loses a callback that comes while an incremental
        // collection is sweeping (see serveScans): the waits below would never end. Collect them first.
        System.gc();
        writeFile(`${home}/worker.js`, WORKER);
        const worker = Gio.Subprocess.new(['gjs', '-m', `${home}/worker.js`, MAIN, log, '2000'], Gio.SubprocessFlags.NONE);
        const workerPid = worker.get_identifier() ?? '';
        let helpers: string[] = [];
        try {
            await until(() => {
                helpers = childrenOf(workerPid).filter(child => child.argv.includes('--share')).map(child => child.pid);
                return helpers.length > 0;
            }, 20_000);
            // Reading: it has the log mapped.
            await until(() => helpers.every(pid => readable(`/proc/${pid}/maps`).includes(log)), 20_000);
            worker.force_exit(); // SIGKILL: the worker cannot tell its helper anything
            await worker.wait_async(null);
            await until(() => helpers.every(ended), 20_000).catch(() => fail('the helper read on for a worker that was gone'));
        } finally {
            worker.force_exit();
            for (const pid of helpers.filter(h => !ended(h)))
                await Gio.Subprocess.new(['kill', '-9', pid], Gio.SubprocessFlags.NONE).wait_async(null);
        }
    }, 90_000);

    it('lets a helper process read a share, with the same result as reading it here', async () => {
        const files = ['a', 'b'].map(name => `${home}/.claude/projects/-home-u-src-app/${name}.jsonl`)
            .map(path => ({path, offset: 0, size: Gio.File.new_for_path(path).query_info('standard::size', 0, null).get_size()}));
        const helper = ['gjs', '-m', MAIN, 'scan', '--share'];
        const merged = new UsageStore();
        const sink = {store: merged, fileIds: (): number[] => [0, 1]};
        const viaHelper = (await new ShareHelper(helper).send({files, pricesText: null, fromBack: false}).finish(null, sink, MemoryBudget.unlimited())).head;
        const readHere = readShare(files, new PriceList(), MemoryBudget.unlimited());
        expect(viaHelper?.read).toEqual([0, 1]);
        expect(viaHelper?.offsets).toEqual(readHere.offsets);
        expect(merged.toBytes()).toEqual(readHere.store.toBytes());
        const failed = await new ShareHelper(['false']).send({files, pricesText: null, fromBack: false}).finish(null, sink, MemoryBudget.unlimited());
        expect([failed.head, failed.merged]).toEqual([null, 0]);

        // Read from both ends: this process took the first file, so the helper stops before it.
        const both = new ShareHelper(helper).send({files, pricesText: null, fromBack: true});
        both.take(0);
        const back = (await both.finish(null, {store: new UsageStore(), fileIds: () => [0, 1]}, MemoryBudget.unlimited())).head;
        expect(back?.read).toEqual([1]);
        expect(both.helperFrom).toBe(1);
    });
});
