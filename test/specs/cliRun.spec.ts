import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {makeTempDir, writeFile} from '../support/helpers.js';

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
const MAIN = GLib.build_filenamev([here, '..', '..', 'src', 'cli', 'main.js']);
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
        expect(snapshots.map(s => [s.provider, s.accountLabel, s.windows.length])).toEqual([['claude', 'e2e@example.com', 4]]);
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

    it('doctor says what it found, with fixes, and never prints a token', async () => {
        const {stdout} = await cli(['doctor'], home, server.baseUrl);
        expect(stdout).toMatch(/ok +claude +signed in \(~\/\.claude\/\.credentials\.json, Max 20x\)/);
        expect(stdout).toMatch(/warn +codex ~\/\.codex +Not signed in to Codex\./);
        expect(stdout).toContain('→ Run `codex login`');
        expect(stdout).toMatch(/ok +network +127\.0\.0\.1 reachable/);
        expect(stdout).not.toContain(TOKEN);
        expect(stdout).not.toContain('REFRESH');
    });
});
