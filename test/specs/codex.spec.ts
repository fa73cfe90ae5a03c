import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {emptySnapshot} from '../../src/core/contract.js';
import {formatBalance, formatLimitValue} from '../../src/core/format.js';
import type {HttpClient} from '../../src/core/http.js';
import {normalize} from '../../src/core/normalized.js';
import {
    CodexProvider, monthlyLimitAccount, newestRollout, parseCodexCredentials, parseCodexMonthlyUsage, parseCodexUsage,
    parseRolloutRateLimits, windowLabel,
} from '../../src/core/providers/codex.js';
import {Keys, type Settings} from '../../src/core/settings.js';
import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {
    type TestEnvironment, fetchContext, loopbackHttp, makeTempDir, providerDeps, providerErrorFrom, readFile,
    testEnvironment, testSettings, writeFile,
} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const USAGE = 'chatgpt.com/backend-api/wham/usage';
const MONTHLY = 'chatgpt.com/backend-api/accounts/acct-fixture-123/spend-controls/current-user/monthly-usage';

describe('parseCodexUsage()', () => {
    it('reads both windows, extra named limits and credits, skipping malformed entries', () => {
        const usage = parseCodexUsage(fixtureJson('codex/usage-plus.json'));
        expect(usage.plan).toBe('plus');
        expect(usage.windows.map(w => [w.label, w.usedPercent])).toEqual(
            [['5h', 41], ['7d', 63], ['5h GPT-5.3-Codex-Spark', 30]]);
        expect(usage.windows[0]?.resetsAt).toBe(4102444800 * 1000);
        expect(usage.balances).toEqual([{label: 'Credits', amount: 125.5, currency: null, unlimited: false}]);
    });

    it('classifies a weekly-only plan by window length, not by slot', () => {
        const usage = parseCodexUsage(fixtureJson('codex/usage-weekly-only.json'));
        expect(usage.windows.map(w => [w.id, w.label, w.windowSeconds])).toEqual([['primary', '7d', 604800]]);
        expect(usage.balances).toEqual([]);
    });

    it('orders windows by length even when the slots are swapped', () => {
        const usage = parseCodexUsage({rate_limit: {
            primary_window: {used_percent: 5, limit_window_seconds: 604800},
            secondary_window: {used_percent: 50, limit_window_seconds: 18000},
        }});
        expect(usage.windows.map(w => w.label)).toEqual(['5h', '7d']);
    });

    it('shows unlimited credits even without windows', () => {
        const usage = parseCodexUsage({credits: {unlimited: true}});
        expect(usage.balances[0]?.unlimited).toBeTrue();
    });

    it('reads an answer without limits as none, and only a non-object as a parse error', async () => {
        expect(parseCodexUsage({plan_type: 'free'})).toEqual({plan: 'free', windows: [], balances: []});
        expect((await providerErrorFrom(() => parseCodexUsage('nope'))).kind).toBe('parse');
    });
});

describe('windowLabel()', () => {
    it('names windows by their length', () => {
        expect(windowLabel(18000)).toBe('5h');
        expect(windowLabel(604800)).toBe('7d');
        expect(windowLabel(2592000)).toBe('30d');
        expect(windowLabel(5400)).toBe('90m');
    });
});

describe('parseCodexCredentials()', () => {
    it('reads the token, account id, e-mail and plan (from the id token)', () => {
        const found = parseCodexCredentials(fixtureJson('codex/auth.json'), '/h/.codex/auth.json', '/h/.codex');
        expect(found.accountId).toBe('acct-fixture-123');
        expect(found.email).toBe('codex@example.com');
        expect(found.plan).toBe('plus');
        expect(found.expiresAt).toBe(4102444800 * 1000);
    });

    it('takes the account id from the id token when tokens.account_id is missing', () => {
        const json = fixtureJson('codex/auth.json') as {tokens: Record<string, unknown>};
        delete json.tokens['account_id'];
        expect(parseCodexCredentials(json, 'a', 'h').accountId).toBe('acct-from-id-token');
    });

    it('explains that an API-key sign-in has no plan limits', async () => {
        const error = await providerErrorFrom(() => parseCodexCredentials(fixtureJson('codex/auth-api-key.json'), 'a', 'h'));
        expect(error.kind).toBe('not-configured');
        expect(error.message).toContain('API key');
    });
});

describe('parseRolloutRateLimits()', () => {
    it('takes the last snapshot, tolerating a partial last line', () => {
        const found = parseRolloutRateLimits(fixtureText('codex/rollout.jsonl'));
        const at = Date.UTC(2026, 10, 23, 9, 30);
        expect(found?.at).toBe(at);
        expect(found?.windows.map(w => [w.label, w.usedPercent])).toEqual([['5h', 26.5], ['7d', 16.1]]);
        expect(found?.windows[0]?.resetsAt).toBe(at + 6455 * 1000);
        expect(found?.windows[1]?.resetsAt).toBe(1795000000 * 1000);
    });

    it('returns null when no line has rate limits', () => {
        expect(parseRolloutRateLimits('{"type":"session_meta"}\n')).toBeNull();
    });

    it('takes a reset a delay puts past year 9999 for unknown (found by the fuzz, FUZZ_REPLAY=39361376)', () => {
        const line = JSON.stringify({timestamp: '2026-11-23T09:30:00Z', type: 'event_msg', payload: {type: 'token_count',
            rate_limits: {primary: {used_percent: 26.5, window_minutes: 300, resets_in_seconds: 255197727000}}}});
        expect(parseRolloutRateLimits(`${line}\n`)?.windows.map(w => [w.usedPercent, w.resetsAt])).toEqual([[26.5, null]]);
    });

    it('shows a window of unknown length generically, never as "5h" because of its slot', () => {
        const found = parseRolloutRateLimits(fixtureText('codex/real-world/rollout-no-window-minutes.jsonl'));
        expect(found?.windows.map(w => [w.label, w.usedPercent, w.windowSeconds])).toEqual(
            [['7d', 12.5, 604800], ['Other limit (primary)', 41, null]]);
    });
});

function touch(path: string, text: string, unixSeconds: number): void {
    writeFile(path, text);
    const info = new Gio.FileInfo();
    info.set_modification_date_time(GLib.DateTime.new_from_unix_utc(unixSeconds));
    Gio.File.new_for_path(path).set_attributes_from_info(info, Gio.FileQueryInfoFlags.NONE, null);
}

describe('newestRollout()', () => {
    it('picks the most recently written log of the two newest days', async () => {
        const home = makeTempDir();
        touch(`${home}/sessions/2026/11/22/rollout-2026-11-22T23-00-00-a.jsonl`, 'x', 2000);
        touch(`${home}/sessions/2026/11/23/rollout-2026-11-23T08-00-00-b.jsonl`, 'x', 1000);
        touch(`${home}/sessions/2026/10/01/rollout-2026-10-01T08-00-00-c.jsonl`, 'x', 3000);
        touch(`${home}/sessions/2026/11/23/notes.txt`, 'x', 5000);
        expect(await newestRollout(home, null)).toBe(`${home}/sessions/2026/11/22/rollout-2026-11-22T23-00-00-a.jsonl`);
    });

    it('returns null without sessions', async () => {
        expect(await newestRollout(makeTempDir(), null)).toBeNull();
    });
});

describe('CodexProvider', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    let home: string;
    let provider: CodexProvider;
    let settings: Settings;

    beforeEach(() => {
        settings = testSettings();
        provider = new CodexProvider(providerDeps(settings));
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir());
        home = `${env.homeDir}/.codex`;
        writeFile(`${home}/auth.json`, fixtureText('codex/auth.json'));
        server.route(USAGE, {status: 200, body: fixtureJson('codex/usage-plus.json')});
    });

    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('sends the token and the ChatGPT account id, and fills the contract', async () => {
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        const request = server.requestsTo(USAGE)[0];
        expect(request?.headers['authorization']).toMatch(/^Bearer eyJ/);
        expect(request?.headers['chatgpt-account-id']).toBe('acct-fixture-123');
        expect(snapshot?.accountLabel).toBe('codex@example.com');
        expect(snapshot?.plan).toBe('Plus');
        expect(snapshot?.windows[0]?.label).toBe('5h');
        expect(normalize(snapshot ?? emptySnapshot('codex', '', '')).remaining).toBe(59);
        expect(snapshot?.balances.length).toBe(1);
        expect(snapshot?.source).toBeNull();
        expect(snapshot?.error).toBeNull();
    });

    it('shows one account per extra Codex home', async () => {
        const other = JSON.parse(fixtureText('codex/auth.json')) as {tokens: Record<string, string>};
        other.tokens['access_token'] = `${other.tokens['access_token'] ?? ''}x`;
        other.tokens['account_id'] = 'acct-work';
        writeFile(`${env.homeDir}/work-codex/auth.json`, JSON.stringify(other));
        settings.setEntry(Keys.accountDirs, 'codex', [`${env.homeDir}/work-codex`]);
        const snapshots = await provider.fetch(fetchContext(env, http));
        expect(snapshots.length).toBe(2);
        expect(server.requestsTo(USAGE).map(r => r.headers['chatgpt-account-id']))
            .toEqual(jasmine.arrayWithExactContents(['acct-fixture-123', 'acct-work']));
    });

    it('honours $CODEX_HOME', async () => {
        env.vars['CODEX_HOME'] = `${env.homeDir}/other-codex`;
        const [missing] = await provider.fetch(fetchContext(env, http));
        expect(missing?.error?.kind).toBe('not-configured');
        writeFile(`${env.homeDir}/other-codex/auth.json`, fixtureText('codex/auth.json'));
        const [found] = await provider.fetch(fetchContext(env, http));
        expect(found?.error).toBeNull();
    });

    it('falls back to the newest session log when the API refuses, and says why', async () => {
        server.route(USAGE, {status: 401, body: {}});
        writeFile(`${home}/sessions/2026/11/23/rollout-2026-11-23T09-00-00-x.jsonl`, fixtureText('codex/rollout.jsonl'));
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.windows.map(w => w.usedPercent)).toEqual([26.5, 16.1]);
        expect(snapshot?.source).toBe('Codex session log');
        expect(snapshot?.updatedAt).toBe(Date.UTC(2026, 10, 23, 9, 30));
        expect(snapshot?.stale).toBeTrue();
        expect(snapshot?.error?.kind).toBe('auth');
        expect(snapshot?.error?.hint).toContain('codex login');
    });

    it('does not call the API with an expired token; the session log stands in', async () => {
        writeFile(`${home}/auth.json`, fixtureText('codex/auth-expired.json'));
        writeFile(`${home}/sessions/2026/11/23/rollout-2026-11-23T09-00-00-x.jsonl`, fixtureText('codex/rollout.jsonl'));
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(server.requests.length).toBe(0);
        expect(snapshot?.error?.kind).toBe('expired');
        expect(snapshot?.windows.length).toBe(2);
    });

    it('shows the API error alone when there is no session log', async () => {
        server.route(USAGE, {status: 500, body: {}});
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('server');
        expect(snapshot?.windows).toEqual([]);
    });

    it('never writes auth.json, whatever happens', async () => {
        for (const status of [200, 401, 403, 429, 500, 200]) {
            server.route(USAGE, {status, body: fixtureJson('codex/usage-plus.json')});
            await provider.fetch(fetchContext(env, http, {manual: true}));
            expect(readFile(`${home}/auth.json`)).toBe(fixtureText('codex/auth.json'));
        }
        writeFile(`${home}/auth.json`, fixtureText('codex/auth-expired.json'));
        await provider.fetch(fetchContext(env, http));
        expect(readFile(`${home}/auth.json`)).toBe(fixtureText('codex/auth-expired.json'));
        expect(server.requests.every(r => r.path === `/${USAGE}`)).toBeTrue();
    });
});

// Codex's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.

const parse = (file: string): ReturnType<typeof parseCodexUsage> => parseCodexUsage(realWorldJson(`codex/real-world/${file}`));

describe('Codex real-world usage answers', () => {
    const cases: {file: string; plan: string; windows: [string, number][]; balances: string[]}[] = [
        {file: 'usage-rate-limit-null.json', plan: 'plus', windows: [], balances: []},
        {file: 'usage-primary-is-weekly.json', plan: 'plus', windows: [['7d', 12]], balances: []},
        {file: 'usage-30-day-window.json', plan: 'free', windows: [['5h', 7], ['30d', 64]], balances: []},
        {file: 'usage-windows-reversed.json', plan: 'pro', windows: [['5h', 22], ['7d', 43]], balances: []},
        {file: 'usage-additional-rate-limits.json', plan: 'pro', balances: [], windows: [['5h', 22], ['7d', 43],
            ['5h GPT-5.3-Codex-Spark', 30], ['7d GPT-5.3-Codex-Spark', 100], ['5h GPT-5.3-Codex-Mini', 12]]},
        {file: 'usage-spend-control-team.json', plan: 'team', windows: [['7d', 100], ['Credit limit', 3.7]], balances: []},
        {file: 'usage-spend-control-edu-null.json', plan: 'education', windows: [['5h', 10]], balances: ['Credits 14']},
        {file: 'usage-individual-limit-enterprise.json', plan: 'enterprise', windows: [['Credit limit', 7.8]], balances: ['Credits 0']},
        {file: 'usage-credits-only.json', plan: 'prolite', windows: [], balances: ['Credits 125.5']},
    ];
    for (const {file, plan, windows, balances} of cases) {
        it(`reads ${file}`, () => {
            const usage = parse(file);
            expect(usage.plan).toBe(plan);
            expect(usage.windows.map(w => [w.label, Math.round(w.usedPercent * 10) / 10])).toEqual(windows);
            expect(usage.balances.map(b => `${b.label} ${formatBalance(b)}`)).toEqual(balances);
        });
    }

    it('reads a credit cap from strings, as credits and never as money', () => {
        const cap = parse('usage-spend-control-team.json').windows.find(w => w.id === 'credit_limit');
        expect(cap?.money).toBeUndefined();
        expect(cap?.credits).toEqual({used: 36.79748725891113, limit: 1000});
        expect(cap ? formatLimitValue(cap) : '').toBe('36.8 / 1,000 credits');
        expect(cap?.resetsAt).toBe(4104950400 * 1000);
    });
});

describe('CodexProvider with real-world answers', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    let provider: CodexProvider;

    beforeEach(() => {
        provider = new CodexProvider(providerDeps());
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir());
        writeFile(`${env.homeDir}/.codex/auth.json`, fixtureText('codex/auth.json'));
    });

    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('shows rate_limit: null as a calm empty state with the plan', async () => {
        server.route(USAGE, realWorldRoute('codex/real-world/usage-rate-limit-null.json'));
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.windows).toEqual([]);
        expect(snapshot?.plan).toBe('Plus');
    });

    it('calls a Cloudflare challenge page an availability problem, not a sign-in one, and never prints it', async () => {
        server.route(USAGE, realWorldRoute('codex/real-world/usage-cloudflare-challenge-403.html'));
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('server');
        expect(snapshot?.error?.message).toContain('chatgpt.com');
        expect(`${snapshot?.error?.message} ${snapshot?.error?.hint}`).not.toMatch(/codex login|<html|_cf_chl/i);
    });

    describe('and the workspace spend controls (the monthly credit limit)', () => {
        beforeEach(() => {
            server.route(USAGE, realWorldRoute('codex/real-world/usage-spend-control-edu-null.json'));
        });

        it('adds the monthly credit limit of the signed-in workspace account to the card', async () => {
            server.route(MONTHLY, realWorldRoute('codex/real-world/spend-controls-monthly-usage.json'));
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            expect(snapshot?.error).toBeNull();
            expect(snapshot?.plan).toBe('Education');
            expect(snapshot?.windows.map(w => w.label)).toEqual(['5h', 'Monthly credit limit']);
            // The signed-in account of auth.json, not the one the answer names.
            const [request] = server.requestsTo(MONTHLY);
            expect(request?.headers['chatgpt-account-id']).toBe('acct-fixture-123');
            expect(request?.headers['authorization']).toMatch(/^Bearer /);
        });

        it('shows the card without it when the endpoint fails, and rests the endpoint until a manual refresh', async () => {
            server.route(MONTHLY, {status: 403, body: {detail: 'Forbidden'}});
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            expect(snapshot?.error).toBeNull();
            expect(snapshot?.windows.map(w => w.label)).toEqual(['5h']);
            await provider.fetch(fetchContext(env, http));
            expect(server.requestsTo(MONTHLY).length).toBe(1);
            server.route(MONTHLY, realWorldRoute('codex/real-world/spend-controls-monthly-usage.json'));
            const [manual] = await provider.fetch(fetchContext(env, http, {manual: true}));
            expect(server.requestsTo(MONTHLY).length).toBe(2);
            expect(manual?.windows.map(w => w.label)).toEqual(['5h', 'Monthly credit limit']);
        });

        it('never asks for a personal plan', async () => {
            server.route(USAGE, {status: 200, body: {plan_type: 'plus', spend_control: {individual_limit: null}, rate_limit: null}});
            await provider.fetch(fetchContext(env, http));
            expect(server.requestsTo(MONTHLY).length).toBe(0);
        });
    });
});

describe('Codex workspace spend controls (the monthly credit limit)', () => {
    const usage = (file: string): unknown => realWorldJson(`codex/real-world/${file}`);

    it('reads this member\'s monthly credit limit, in credits and never money', () => {
        const window = parseCodexMonthlyUsage(usage('spend-controls-monthly-usage.json'));
        expect(window?.label).toBe('Monthly credit limit');
        expect(window?.credits).toEqual({used: 3046.4506806135178, limit: 7000});
        expect(window?.money).toBeUndefined();
        expect(window ? formatLimitValue(window) : '').toBe('3,046.45 / 7,000 credits');
        expect(Math.round((window?.usedPercent ?? 0) * 10) / 10).toBe(43.5);
    });

    it('reads numbers as strings and a negative usage as none; a limit not in force is no limit', () => {
        expect(parseCodexMonthlyUsage(usage('spend-controls-monthly-usage-strings.json'))?.credits).toEqual({used: 0, limit: 7000});
        expect(parseCodexMonthlyUsage(usage('spend-controls-monthly-usage-disabled.json'))).toBeNull();
        for (const mode of ['NONE', 'off', 'no_limit'])
            expect(parseCodexMonthlyUsage({current_month_usage: 1, effective_monthly_limit: {limit: 10, enforcement_mode: mode}})).toBeNull();
        expect(parseCodexMonthlyUsage({current_month_usage: 1, effective_monthly_limit: {limit: 0}})).toBeNull();
        expect(parseCodexMonthlyUsage({current_month_usage: 12, effective_monthly_limit: {enforcement_mode: 'HARD_CAP'}})).toBeNull();
        expect(parseCodexMonthlyUsage('<html>')).toBeNull();
    });

    it('asks only for a workspace plan whose answer has spend controls but no cap', () => {
        expect(monthlyLimitAccount(usage('usage-spend-control-edu-null.json'), null)).toBe('00000000-0000-4000-8000-0000000000ed');
        expect(monthlyLimitAccount(usage('usage-spend-control-edu-null.json'), 'signed-in')).toBe('signed-in');
        expect(monthlyLimitAccount(usage('usage-spend-control-camel-null.json'), null)).toBe('00000000-0000-4000-8000-0000000000ca');
        // A cap in the answer, no spend-control key, or a personal plan: nothing to ask.
        expect(monthlyLimitAccount(usage('usage-spend-control-team.json'), 'a')).toBeNull();
        expect(monthlyLimitAccount(usage('usage-individual-limit-enterprise.json'), 'a')).toBeNull();
        expect(monthlyLimitAccount(usage('usage-primary-is-weekly.json'), 'a')).toBeNull();
        for (const plan of ['plus', 'pro', 'free', 'go', 'guest'])
            expect(monthlyLimitAccount({plan_type: plan, spend_control: {individual_limit: null}}, 'a')).toBeNull();
        expect(monthlyLimitAccount({spend_control: null}, 'a')).toBeNull();
    });

    it('reads a cap at the top level of the answer too', () => {
        const windows = parseCodexUsage({plan_type: 'team', individual_limit: {limit: '1000', used: '250'}}).windows;
        expect(windows.map(w => [w.label, w.credits])).toEqual([['Credit limit', {used: 250, limit: 1000}]]);
    });
});
