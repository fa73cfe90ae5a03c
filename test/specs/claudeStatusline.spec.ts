// The Claude Code statusline source: parsing every real-world shape, the atomic record, the
// chained previous command, install/uninstall in settings.json and its state in words, and the
// provider asking nothing.

import Gio from 'gi://Gio';

import type {HttpClient} from '../../src/core/http.js';
import {ClaudeProvider} from '../../src/core/providers/claude.js';
import {
    SettingsFileError, describeStatuslineState, freshWindows, handleStatusline, installStatusline, meterStatuslineCommand,
    parseStatusline, readStatuslineRecord, readStatuslineState, recordStatusline, statuslineCommand, statuslineRecordPath,
    uninstallStatusline,
} from '../../src/core/providers/claudeStatusline.js';
import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import type {TestEnvironment} from '../support/helpers.js';
import {
    fetchContext, fileMode, listDir, loopbackHttp, makeTempDir, providerDeps, readFile, testEnvironment, writeFile,
} from '../support/helpers.js';

const USAGE = 'api.anthropic.com/api/oauth/usage';
const PROFILE = 'api.anthropic.com/api/oauth/profile';
const FIXTURES = 'claude/real-world/statusline';
const OURS = "'/home/me/.local/bin/ai-usage-meter' statusline";
const readings = (name: string): ReturnType<typeof parseStatusline> => parseStatusline(fixtureJson(`${FIXTURES}-${name}.json`));

describe('parseStatusline()', () => {
    it('reads both windows, resets in epoch seconds', () => {
        expect([...readings('full')]).toEqual([
            ['five_hour', {usedPercent: 23.5, resetsAt: 4102444800000}],
            ['seven_day', {usedPercent: 41.2, resetsAt: 4102876800000}]]);
    });

    it('leaves an absent window out rather than making it 0', () => {
        expect([...readings('five-hour-only')]).toEqual([['five_hour', {usedPercent: 42, resetsAt: 4102444800000}]]);
    });

    it('keeps values over 100 and float noise as they are', () => {
        expect([...readings('over-100')].map(([id, r]) => [id, r.usedPercent])).toEqual([['five_hour', 102.4],
            ['seven_day', 55.00000000000001]]);
    });

    it('reads nothing from a payload without rate_limits, or from junk', () => {
        expect(readings('no-rate-limits').size).toBe(0);
        expect(parseStatusline(undefined).size).toBe(0);
        expect(parseStatusline({rate_limits: {five_hour: {used_percentage: '12'}}}).size).toBe(0);
    });
});

describe('recordStatusline()', () => {
    let env: TestEnvironment;
    beforeEach(() => {
        env = testEnvironment(makeTempDir());
    });

    it('writes a private file whole, with no temporary file left beside it', async () => {
        await recordStatusline(env, null, readings('full'), null);
        const path = statuslineRecordPath(env, null);
        expect(fileMode(path)).toBe(0o600);
        expect(listDir(`${env.cacheDir}/ai-usage-meter/statusline`)).toEqual(['default.json']);
        expect(await readStatuslineRecord(path, null)).toEqual([
            {id: 'five_hour', usedPercent: 23.5, resetsAt: 4102444800000, recordedAt: env.clock},
            {id: 'seven_day', usedPercent: 41.2, resetsAt: 4102876800000, recordedAt: env.clock}]);
    });

    it('keeps the last value and time of a window the statusline did not send', async () => {
        await recordStatusline(env, null, readings('full'), null);
        const first = env.clock;
        env.clock += 60_000;
        const merged = await recordStatusline(env, null, readings('five-hour-only'), null);
        expect(merged.map(w => [w.id, w.usedPercent, w.recordedAt])).toEqual([['five_hour', 42, env.clock],
            ['seven_day', 41.2, first]]);
    });

    it('does not overwrite the record when no rate_limits came, nor rewrite an unchanged one', async () => {
        await recordStatusline(env, null, readings('full'), null);
        const path = statuslineRecordPath(env, null);
        const before = readFile(path);
        env.clock += 1000;
        await recordStatusline(env, null, readings('no-rate-limits'), null);
        await recordStatusline(env, null, readings('full'), null);
        expect(readFile(path)).toBe(before);
    });

    it('keeps one record per Claude Code configuration folder', () => {
        expect(statuslineRecordPath(env, '/home/me/work-claude')).not.toBe(statuslineRecordPath(env, null));
        expect(statuslineRecordPath(env, '/home/me/work-claude/')).toBe(statuslineRecordPath(env, '/home/me/work-claude'));
    });

    it('counts a recording as current for 10 minutes, and not past its reset', async () => {
        const recorded = await recordStatusline(env, null, readings('full'), null);
        expect(freshWindows(recorded, env.clock + 10 * 60_000).length).toBe(2);
        expect(freshWindows(recorded, env.clock + 10 * 60_000 + 1).length).toBe(0);
        expect(freshWindows(recorded.map(w => ({...w, resetsAt: env.clock - 1})), env.clock).length).toBe(0);
    });
});

describe('the statusline command', () => {
    let env: TestEnvironment;
    let settingsPath: string;
    beforeEach(() => {
        env = testEnvironment(makeTempDir());
        settingsPath = `${env.homeDir}/.claude/settings.json`;
    });

    it('prints a compact line of its own when there was no previous statusline', async () => {
        expect(await handleStatusline(env, fixtureText(`${FIXTURES}-full.json`), null)).toBe('5h 24% · 7d 41%');
        expect(await handleStatusline(env, fixtureText(`${FIXTURES}-over-100.json`), null)).toBe('5h 102% · 7d 55%');
        expect(await handleStatusline(env, fixtureText(`${FIXTURES}-no-rate-limits.json`), null)).toBe('5h 102% · 7d 55%');
        expect(await handleStatusline(env, 'not json', null)).toBe('5h 102% · 7d 55%');
    });

    it('records, then runs the previous command with the same input and prints its first line', async () => {
        writeFile(settingsPath, JSON.stringify({statusLine: {type: 'command', command: 'printf "prev\\nsecond"'}}));
        await installStatusline(env, OURS, null);
        expect(await handleStatusline(env, fixtureText(`${FIXTURES}-full.json`), null)).toBe('prev');
        expect((await readStatuslineRecord(statuslineRecordPath(env, null), null)).length).toBe(2);

        writeFile(settingsPath, JSON.stringify({statusLine: {type: 'command', command: 'grep -c rate_limits'}}));
        await installStatusline(env, OURS, null);
        expect(await handleStatusline(env, fixtureText(`${FIXTURES}-full.json`), null)).toBe('1');
        expect(await handleStatusline(env, fixtureText(`${FIXTURES}-no-rate-limits.json`), null)).toBe('0');
    });

    it('installs into settings.json: backup first, other keys kept, the old command saved, idempotent', async () => {
        const original = {model: 'opus', permissions: {allow: ['Bash(ls)']},
            statusLine: {type: 'command', command: 'printf prev', padding: 1}, env: {FOO: 'bar'}};
        const text = JSON.stringify(original);
        writeFile(settingsPath, text);
        writeFile(`${env.homeDir}/.claude/.credentials.json`, '{"claudeAiOauth":{}}');

        expect(await installStatusline(env, OURS, null)).toBe('installed');
        expect(readFile(`${settingsPath}.bak-ai-usage-meter`)).toBe(text);
        const installed = readFile(settingsPath);
        expect(JSON.parse(installed)).toEqual({...original, statusLine: {type: 'command', command: OURS, padding: 1}});
        expect(installed).toContain('\n  "model": "opus"');
        expect(Object.keys(JSON.parse(installed) as object)).toEqual(['model', 'permissions', 'statusLine', 'env']);

        expect(await installStatusline(env, OURS, null)).toBe('already-installed');
        expect(readFile(settingsPath)).toBe(installed);

        expect(await uninstallStatusline(env, null)).toBe('removed');
        expect(JSON.parse(readFile(settingsPath))).toEqual(original);
        expect(await uninstallStatusline(env, null)).toBe('not-installed');
        expect(readFile(`${env.homeDir}/.claude/.credentials.json`)).toBe('{"claudeAiOauth":{}}');
    });

    it('installs where there was no statusline, or no file, and removes it again', async () => {
        expect(await installStatusline(env, OURS, null)).toBe('installed');
        expect(JSON.parse(readFile(settingsPath))).toEqual({statusLine: {padding: 0, type: 'command', command: OURS}});
        expect(await uninstallStatusline(env, null)).toBe('removed');
        expect(JSON.parse(readFile(settingsPath))).toEqual({});
    });

    it('leaves a statusline the user changed after the install alone', async () => {
        writeFile(settingsPath, '{}');
        await installStatusline(env, OURS, null);
        writeFile(settingsPath, JSON.stringify({statusLine: {type: 'command', command: 'mine'}}));
        expect(await uninstallStatusline(env, null)).toBe('not-installed');
        expect(JSON.parse(readFile(settingsPath))).toEqual({statusLine: {type: 'command', command: 'mine'}});
    });

    it('refuses a settings.json that is not valid JSON, and leaves it as it is', async () => {
        writeFile(settingsPath, '{"model": "opus",,}');
        await expectAsync(installStatusline(env, OURS, null)).toBeRejectedWithError(SettingsFileError);
        expect(readFile(settingsPath)).toBe('{"model": "opus",,}');
        expect(Gio.File.new_for_path(`${settingsPath}.bak-ai-usage-meter`).query_exists(null)).toBeFalse();
    });

    it('as `ai-usage-meter statusline`: records stdin, installs itself by the program it is given, refuses other words',
        async () => {
            const printed: string[] = [];
            const ctx = {env, out: (t: string) => printed.push(t), err: (t: string) => printed.push(`! ${t}`),
                readInput: () => Promise.resolve(fixtureText(`${FIXTURES}-full.json`)), program: () => Promise.resolve("'/bin/aum'")};
            expect(await statuslineCommand.run([], ctx)).toBe(0);
            expect(printed.pop()).toBe('5h 24% · 7d 41%');
            expect(await statuslineCommand.run(['--install'], ctx)).toBe(0);
            expect(JSON.parse(readFile(settingsPath))).toEqual({statusLine: {padding: 0, type: 'command', command: "'/bin/aum' statusline"}});
            expect(await statuslineCommand.run(['--uninstall'], ctx)).toBe(0);
            expect(JSON.parse(readFile(settingsPath))).toEqual({});
            writeFile(settingsPath, 'not json');
            expect(await statuslineCommand.run(['--install'], ctx)).toBe(1);
            expect(printed.pop()).toMatch(/^! .*not valid JSON/);
            expect(await statuslineCommand.run(['--instal'], ctx)).toBe(2);
            expect(await statuslineCommand.run(['--install', 'x'], ctx)).toBe(2);
            expect(readFile(settingsPath)).toBe('not json');
        });

    it('uses $CLAUDE_CONFIG_DIR/settings.json when it is set', async () => {
        env.vars['CLAUDE_CONFIG_DIR'] = `${env.homeDir}/work-claude`;
        await installStatusline(env, OURS, null);
        expect(JSON.parse(readFile(`${env.homeDir}/work-claude/settings.json`))).toEqual(
            {statusLine: {padding: 0, type: 'command', command: OURS}});
    });
});

describe('ClaudeProvider with a statusline recording', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    let provider: ClaudeProvider;
    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir());
        writeFile(`${env.homeDir}/.claude/.credentials.json`, fixtureText('claude/credentials.json'));
        server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
        server.route(PROFILE, {status: 200, body: fixtureJson('claude/profile.json')});
        provider = new ClaudeProvider(providerDeps());
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('makes no request at all while the recording is fresh, and marks the source', async () => {
        await recordStatusline(env, null, readings('full'), null);
        env.clock += 9 * 60_000;
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(server.requests.length).toBe(0);
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.plan).toBe('Max 20x');
        expect(snapshot?.windows.map(w => [w.id, w.usedPercent, w.resetsAt])).toEqual([['five_hour', 23.5, 4102444800000],
            ['seven_day', 41.2, 4102876800000]]);
        expect(snapshot?.windows.every(w => w.source?.startsWith('from the statusline, ') === true)).toBeTrue();
        expect(snapshot?.updatedAt).toBe(env.clock - 9 * 60_000);
    });

    it('asks the usage endpoint when the recording is stale', async () => {
        await recordStatusline(env, null, readings('full'), null);
        env.clock += 11 * 60_000;
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(USAGE).length).toBe(1);
        expect(snapshot?.windows.length).toBe(5);
        expect(snapshot?.windows.some(w => w.source !== undefined)).toBeFalse();
    });

    it('asks the usage endpoint for a window the statusline lacks', async () => {
        await recordStatusline(env, null, readings('five-hour-only'), null);
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(USAGE).length).toBe(1);
        expect(snapshot?.windows.find(w => w.id === 'seven_day')?.source).toMatch(/^from the usage API, /);
    });

    it('fills in the other limits from the endpoint at most every 30 minutes while the statusline is fresh', async () => {
        await recordStatusline(env, null, readings('full'), null);
        await provider.fetch(fetchContext(env, http));
        env.clock += 29 * 60_000;
        await recordStatusline(env, null, readings('over-100'), null);
        await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(USAGE).length).toBe(0);
        env.clock += 2 * 60_000;
        await recordStatusline(env, null, readings('full'), null);
        const [filled] = await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(USAGE).length).toBe(1);
        expect(filled?.windows.length).toBe(5);
        env.clock += 60_000;
        await recordStatusline(env, null, readings('over-100'), null);
        const [next] = await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(USAGE).length).toBe(1);
        expect(next?.windows.find(w => w.id === 'five_hour')).toEqual(jasmine.objectContaining(
            {usedPercent: 102.4, source: jasmine.stringMatching(/^from the statusline, /)}));
        expect(next?.windows.find(w => w.id === 'seven_day_sonnet')?.source).toMatch(/^from the usage API, /);
    });

    it('keeps the statusline numbers without an error when a fill-in is rate limited', async () => {
        await recordStatusline(env, null, readings('full'), null);
        await provider.fetch(fetchContext(env, http));
        server.route(USAGE, {status: 429, body: {}, headers: {'Retry-After': '600'}});
        env.clock += 31 * 60_000;
        await recordStatusline(env, null, readings('over-100'), null);
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(USAGE).length).toBe(1);
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.windows.map(w => w.usedPercent)).toEqual([102.4, 55.00000000000001]);
    });

    it('watches the recording', () => {
        expect(provider.watchedPaths(env)).toContain(statuslineRecordPath(env, null));
    });
});

describe('the statusline state (preferences and `statusline --status`)', () => {
    let env: TestEnvironment;
    let settingsPath: string;
    beforeEach(() => {
        env = testEnvironment(makeTempDir());
        settingsPath = `${env.homeDir}/.claude/settings.json`;
    });

    it('is "none" without a file or without a statusline, and reading it writes nothing', async () => {
        expect(await readStatuslineState(env, OURS, null)).toEqual({kind: 'none', path: settingsPath});
        expect(Gio.File.new_for_path(settingsPath).query_exists(null)).toBeFalse();
        writeFile(settingsPath, '{"model": "opus"}');
        expect((await readStatuslineState(env, OURS, null)).kind).toBe('none');
        expect(readFile(settingsPath)).toBe('{"model": "opus"}');
    });

    it('names another command, which an install keeps and chains', async () => {
        writeFile(settingsPath, JSON.stringify({statusLine: {type: 'command', command: '~/bin/my-line'}}));
        const state = await readStatuslineState(env, OURS, null);
        expect(state).toEqual({kind: 'other', path: settingsPath, command: '~/bin/my-line'});
        expect(describeStatuslineState(state)).toBe(
            'Not installed. Claude Code runs another statusline (~/bin/my-line); installing keeps it and chains it.');
    });

    it('is "installed" with the chained command after an install, and "other" again after the removal', async () => {
        writeFile(settingsPath, JSON.stringify({statusLine: {type: 'command', command: '~/bin/my-line'}}));
        await installStatusline(env, OURS, null);
        const state = await readStatuslineState(env, OURS, null);
        expect(state).toEqual({kind: 'installed', path: settingsPath, chained: '~/bin/my-line'});
        expect(describeStatuslineState(state)).toContain('runs your own statusline (~/bin/my-line)');
        await uninstallStatusline(env, null);
        expect((await readStatuslineState(env, OURS, null)).kind).toBe('other');
    });

    it('knows our command installed without a chain, and one installed under another path of ours', async () => {
        await installStatusline(env, OURS, null);
        expect(await readStatuslineState(env, OURS, null)).toEqual({kind: 'installed', path: settingsPath, chained: null});
        // Installed as gjs -m …, now asked as ~/.local/bin/ai-usage-meter: still ours (the chain file says so).
        expect((await readStatuslineState(env, "'/elsewhere/ai-usage-meter' statusline", null)).kind).toBe('installed');
    });

    it('throws a plain SettingsFileError for a settings.json that is not JSON', async () => {
        writeFile(settingsPath, '{"model": ');
        await expectAsync(readStatuslineState(env, OURS, null)).toBeRejectedWithError(SettingsFileError, /not valid JSON/);
    });

    it('is the command line installed in ~/.local/bin when there is one, else this copy under gjs', async () => {
        const ownCopy = /^'gjs' '-m' '(\/.*\/cli\/main\.js)' statusline$/.exec(await meterStatuslineCommand(env, null))?.[1] ?? '';
        expect(Gio.File.new_for_path(ownCopy).query_exists(null)).toBeTrue();
        writeFile(`${env.homeDir}/.local/bin/ai-usage-meter`, '#!/bin/sh\n');
        expect(await meterStatuslineCommand(env, null)).toBe(`'${env.homeDir}/.local/bin/ai-usage-meter' statusline`);
    });

    it('as `statusline --status`: the state in words; a file that cannot be read is a plain error', async () => {
        const printed: string[] = [];
        const ctx = {env, out: (t: string) => printed.push(t), err: (t: string) => printed.push(`! ${t}`),
            readInput: () => Promise.resolve(''), program: () => Promise.resolve("'/bin/aum'")};
        expect(await statuslineCommand.run(['--status'], ctx)).toBe(0);
        expect(printed.pop()).toBe('Not installed. The 5-hour and weekly numbers come from the usage API.');
        expect(await statuslineCommand.run(['--install'], ctx)).toBe(0);
        expect(await statuslineCommand.run(['--status'], ctx)).toBe(0);
        expect(printed.pop()).toMatch(/^Installed: /);
        Gio.File.new_for_path(settingsPath).delete(null);
        Gio.File.new_for_path(settingsPath).make_directory(null); // cannot be read, even by root
        expect(await statuslineCommand.run(['--status'], ctx)).toBe(1);
        expect(printed.pop()).toMatch(/^! ai-usage-meter: .*settings\.json/);
    });
});
