import Gio from 'gi://Gio';

import {MANUAL_RETRY_GAP_MS} from '../../src/core/backoff.js';
import {type QuotaWindow, reportsNoLimits} from '../../src/core/contract.js';
import {ProviderError, isCancelled} from '../../src/core/errors.js';
import {formatLimitValue, panelText} from '../../src/core/format.js';
import type {HttpClient} from '../../src/core/http.js';
import {normalize} from '../../src/core/normalized.js';
import type {InstallSection} from '../../src/core/prefsSection.js';
import {
    ClaudeProvider, claudePlanLabel, describeBucket, parseClaudeProfile, parseClaudeUsage, readClaudeCredentials,
} from '../../src/core/providers/claude.js';
import {Keys, type Settings} from '../../src/core/settings.js';
import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {
    type TestEnvironment, fetchContext, listDir, loopbackHttp, makeTempDir, providerDeps, providerErrorFrom, readFile,
    testEnvironment, testSettings, writeFile,
} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const USAGE = 'api.anthropic.com/api/oauth/usage';
const PROFILE = 'api.anthropic.com/api/oauth/profile';
const TOKEN = 'sk-ant-oat01-FIXTURE-ACCESS-TOKEN-e2e';

function modifiedMicros(path: string): number {
    const info = Gio.File.new_for_path(path).query_info('time::*', Gio.FileQueryInfoFlags.NONE, null);
    const time = info.get_modification_date_time();
    return time ? time.to_unix() * 1_000_000 + time.get_microsecond() : -1;
}

function credentials(overrides: Record<string, unknown> = {}): string {
    const json = fixtureJson('claude/credentials.json') as {claudeAiOauth: Record<string, unknown>};
    Object.assign(json.claudeAiOauth, overrides);
    return JSON.stringify(json);
}

function credentialError(env: TestEnvironment): Promise<ProviderError> {
    return providerErrorFrom(() => readClaudeCredentials(env, {cancellable: null}));
}

describe('readClaudeCredentials()', () => {
    let home: string;
    beforeEach(() => {
        home = makeTempDir();
    });

    it('prefers CLAUDE_CODE_OAUTH_TOKEN', async () => {
        writeFile(`${home}/.claude/.credentials.json`, credentials());
        const env = testEnvironment(home, {CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-from-env'});
        const found = await readClaudeCredentials(env, {cancellable: null});
        expect(found.source).toBe('CLAUDE_CODE_OAUTH_TOKEN');
        expect(found.accessToken).toBe('sk-ant-oat01-from-env');
        expect(found.expiresAt).toBeNull();
    });

    it('reads $CLAUDE_CONFIG_DIR/.credentials.json before ~/.claude', async () => {
        writeFile(`${home}/.claude/.credentials.json`, credentials({accessToken: 'sk-ant-oat01-home'}));
        writeFile(`${home}/other/.credentials.json`, credentials({accessToken: 'sk-ant-oat01-other'}));
        const env = testEnvironment(home, {CLAUDE_CONFIG_DIR: `${home}/other`});
        const found = await readClaudeCredentials(env, {cancellable: null});
        expect(found.accessToken).toBe('sk-ant-oat01-other');
        expect(found.source).toBe(`${home}/other/.credentials.json`);
    });

    it('falls back to ~/.claude when $CLAUDE_CONFIG_DIR holds no credentials', async () => {
        writeFile(`${home}/.claude/.credentials.json`, credentials());
        const env = testEnvironment(home, {CLAUDE_CONFIG_DIR: `${home}/empty`});
        const found = await readClaudeCredentials(env, {cancellable: null});
        expect(found.expiresAt).toBe(4102444800000);
        expect(found.scopes).toContain('user:profile');
        expect(found.subscriptionType).toBe('max');
        expect(found.rateLimitTier).toBe('default_claude_max_20x');
    });

    it('says "not signed in" when there are no credentials', async () => {
        const error = await credentialError(testEnvironment(home));
        expect(error.kind).toBe('not-configured');
        expect(error.hint).toContain('claude');
    });

    it('reports a credentials file that is not JSON', async () => {
        writeFile(`${home}/.claude/.credentials.json`, '{"claudeAiOauth": ');
        expect((await credentialError(testEnvironment(home))).kind).toBe('parse');
    });

    it('treats a file without a Claude sign-in (MCP tokens only) as not signed in', async () => {
        writeFile(`${home}/.claude/.credentials.json`, JSON.stringify({mcpOAuth: {x: {accessToken: 'a'}}}));
        expect((await credentialError(testEnvironment(home))).kind).toBe('not-configured');
    });
});

describe('ClaudeProvider', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let home: string;
    let env: TestEnvironment;
    let provider: ClaudeProvider;
    let settings: Settings;

    beforeEach(() => {
        settings = testSettings();
        provider = new ClaudeProvider(providerDeps(settings));
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        home = makeTempDir();
        env = testEnvironment(home);
        writeFile(`${home}/.claude/.credentials.json`, credentials());
        server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
        server.route(PROFILE, {status: 200, body: fixtureJson('claude/profile.json')});
    });

    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    /** A context after `dir` was added as an extra Claude Code folder in the settings. */
    function withFolder(dir: string) {
        settings.setEntry(Keys.accountDirs, 'claude', [dir]);
        return fetchContext(env, http);
    }

    async function fetchOne(ctx = fetchContext(env, http)) {
        const snapshots = await provider.fetch(ctx);
        expect(snapshots.length).toBe(1);
        const snapshot = snapshots[0];
        if (snapshot === undefined)
            throw new Error('no snapshot');
        return snapshot;
    }

    it('sends the documented headers and fills the contract', async () => {
        const snapshot = await fetchOne();
        const request = server.requestsTo(USAGE)[0];
        expect(request?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
        expect(request?.headers['anthropic-beta']).toBe('oauth-2025-04-20');
        expect(request?.headers['user-agent']).toBe('ai-usage-meter/spec');
        expect(snapshot.error).toBeNull();
        expect(snapshot.provider).toBe('claude');
        expect(snapshot.accountLabel).toBe('e2e@example.com');
        expect(snapshot.plan).toBe('Max 20x');
        const normalized = normalize(snapshot);
        expect(normalized.window).toBe('5h');
        expect(normalized.remaining).toBeCloseTo(27.6, 5);
        expect(normalized.limit).toBe(100);
        expect(normalized.unit).toBe('percent');
        expect(normalized.resetAt).toBe(Date.UTC(2100, 0, 1, 15, 0, 0, 123));
        expect(normalized.cost).toBe(12.34);
        expect(normalized.currency).toBe('USD');
        expect(snapshot.windows.length).toBe(5);
        expect(snapshot.updatedAt).toBe(env.clock);
        expect(snapshot.stale).toBeFalse();
    });

    it('keeps the raw payload without anything secret in it', async () => {
        server.route(USAGE, {status: 200, body: {five_hour: {utilization: 1}, note: `Bearer ${TOKEN}`}});
        const snapshot = await fetchOne();
        expect(JSON.stringify(snapshot.raw)).not.toContain(TOKEN);
        expect(JSON.stringify(snapshot.raw)).toContain('five_hour');
    });

    it('looks the account e-mail up once per token', async () => {
        await fetchOne();
        await fetchOne();
        expect(server.requestsTo(PROFILE).length).toBe(1);
        expect(server.requestsTo(USAGE).length).toBe(2);
    });

    it('still shows usage when the profile lookup fails', async () => {
        server.route(PROFILE, {status: 500, body: {}});
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.accountLabel).toBe('Claude');
    });

    it('does not call the API with an expired token and says how to refresh it', async () => {
        writeFile(`${home}/.claude/.credentials.json`, credentials({expiresAt: env.clock - 1000}));
        const snapshot = await fetchOne();
        expect(snapshot.error?.kind).toBe('expired');
        expect(snapshot.error?.hint).toContain('Run `claude` once to refresh it');
        expect(server.requests.length).toBe(0);
    });

    it('does not call the API when the token lacks user:profile', async () => {
        writeFile(`${home}/.claude/.credentials.json`, credentials({scopes: ['user:inference']}));
        const snapshot = await fetchOne();
        expect(snapshot.error?.kind).toBe('scope');
        expect(server.requests.length).toBe(0);
    });

    it('maps 401 to an auth error', async () => {
        server.route(USAGE, {status: 401, body: {error: {type: 'authentication_error'}}});
        const snapshot = await fetchOne();
        expect(snapshot.error?.kind).toBe('auth');
        expect(snapshot.error?.hint).toContain('claude login');
    });

    it('maps a 403 that names user:profile to a scope error, any other 403 to auth', async () => {
        server.route(USAGE, {status: 403, body: {error: {message: 'OAuth token does not meet scope requirement user:profile'}}});
        expect((await fetchOne()).error?.kind).toBe('scope');
        server.route(USAGE, {status: 403, body: {error: {message: 'forbidden'}}});
        expect((await fetchOne()).error?.kind).toBe('auth');
    });

    it('honours Retry-After on 429 and sends nothing automatic until then', async () => {
        server.route(USAGE, {status: 429, body: {}, headers: {'Retry-After': '120'}});
        const ctx = fetchContext(env, http);
        const first = await fetchOne(ctx);
        expect(first.error?.kind).toBe('rate-limited');
        expect(first.error?.retryAt).toBe(env.clock + 120_000);
        server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
        env.clock += 60_000;
        const second = await fetchOne(ctx);
        expect(second.error?.kind).toBe('rate-limited');
        expect(server.requestsTo(USAGE).length).toBe(1);
        env.clock += 61_000;
        expect((await fetchOne(ctx)).error).toBeNull();
        expect(server.requestsTo(USAGE).length).toBe(2);
    });

    it('backs off for 5 minutes without Retry-After, doubling on each repeat', async () => {
        server.route(USAGE, {status: 429, body: {}});
        const ctx = fetchContext(env, http);
        expect((await fetchOne(ctx)).error?.retryAt).toBe(env.clock + 5 * 60_000);
        env.clock += 5 * 60_000;
        expect((await fetchOne(ctx)).error?.retryAt).toBe(env.clock + 10 * 60_000);
        expect(server.requestsTo(USAGE).length).toBe(2);
    });

    it('lets a refresh the user asked for through a rate-limit pause, a few seconds after the 429', async () => {
        server.route(USAGE, {status: 429, body: {}, headers: {'Retry-After': '600'}});
        const ctx = fetchContext(env, http);
        await fetchOne(ctx);
        server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
        expect((await fetchOne({...ctx, manual: true})).error?.kind).withContext('right after it').toBe('rate-limited');
        env.clock += MANUAL_RETRY_GAP_MS;
        expect((await fetchOne({...ctx, manual: true})).error).toBeNull();
    });

    it('rate-limits per token: another token is not delayed', async () => {
        server.route(USAGE, {status: 429, body: {}, headers: {'Retry-After': '600'}});
        const ctx = fetchContext(env, http);
        await fetchOne(ctx);
        server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
        writeFile(`${home}/.claude/.credentials.json`, credentials({accessToken: 'sk-ant-oat01-another-token'}));
        expect((await fetchOne(ctx)).error).toBeNull();
    });

    it('maps 5xx to a server error, a web page to a server error and broken JSON to a parse error', async () => {
        server.route(USAGE, {status: 503, body: 'upstream down'});
        expect((await fetchOne()).error?.kind).toBe('server');
        server.route(USAGE, {status: 200, body: '<html>hello</html>'});
        expect((await fetchOne()).error?.message).toContain('web page');
        server.route(USAGE, {status: 200, body: '{"five_hour": {'});
        expect((await fetchOne()).error?.kind).toBe('parse');
    });

    it('shows one account per extra Claude Code folder', async () => {
        writeFile(`${home}/work/.credentials.json`, credentials({accessToken: 'sk-ant-oat01-work-account'}));
        const snapshots = await provider.fetch(withFolder(`${home}/work`));
        expect(snapshots.map(s => s.accountId)).toEqual([`${home}/.claude/.credentials.json`, `${home}/work/.credentials.json`]);
        expect(server.requestsTo(USAGE).map(r => r.headers['authorization']))
            .toEqual(jasmine.arrayWithExactContents([`Bearer ${TOKEN}`, 'Bearer sk-ant-oat01-work-account']));
    });

    it('shows a folder that signs in to the same account only once', async () => {
        writeFile(`${home}/copy/.credentials.json`, credentials());
        const snapshots = await provider.fetch(withFolder(`${home}/copy`));
        expect(snapshots.length).toBe(1);
        expect(server.requestsTo(USAGE).length).toBe(1);
    });

    it('names a folder without a sign-in in its error card', async () => {
        const snapshots = await provider.fetch(withFolder(`${home}/empty`));
        const [, empty] = snapshots;
        expect(empty?.accountLabel).toBe('Claude (~/empty)');
        expect(empty?.error?.kind).toBe('not-configured');
        expect(empty?.error?.message).toContain(`${home}/empty`);
        expect(empty?.error?.hint).toContain(`CLAUDE_CONFIG_DIR=${home}/empty claude`);
    });

    it('abandons a request in flight as soon as it is cancelled', async () => {
        server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json'), delayMs: 3000});
        const ctx = fetchContext(env, http);
        const started = Date.now();
        setTimeout(() => ctx.cancellable.cancel(), 100);
        let outcome: unknown = null;
        try {
            await provider.fetch(ctx);
        } catch (error) {
            outcome = error;
        }
        expect(isCancelled(outcome)).toBeTrue();
        expect(Date.now() - started).toBeLessThan(2000);
    });

    it('reports a network error when nothing listens', async () => {
        const closed = new FixtureServer();
        const port = closed.baseUrl;
        closed.destroy();
        const deadHttp = loopbackHttp(port);
        const snapshot = await fetchOne(fetchContext(env, deadHttp));
        expect(snapshot.error?.kind).toBe('network');
    });

    it('never touches Claude Code\'s credentials, with valid or expired tokens, whatever the server says', async () => {
        const path = `${home}/.claude/.credentials.json`;
        for (const expiresAt of [4102444800000, env.clock - 1]) {
            writeFile(path, credentials({expiresAt}));
            const before = {text: readFile(path), mtime: modifiedMicros(path), files: listDir(`${home}/.claude`)};
            for (const status of [200, 401, 403, 429, 500, 200, 200, 429, 200, 200]) {
                server.route(USAGE, {status, body: fixtureJson('claude/usage-max.json')});
                await fetchOne(fetchContext(env, http, {manual: true}));
                env.clock += 60_000;
            }
            expect(readFile(path)).toBe(before.text);
            expect(modifiedMicros(path)).toBe(before.mtime);
            expect(listDir(`${home}/.claude`)).toEqual(before.files);
        }
    });
});

function parseError(json: unknown): Promise<ProviderError> {
    return providerErrorFrom(() => parseClaudeUsage(json));
}

describe('parseClaudeUsage()', () => {
    it('reads every bucket of a Max response, session first, then weekly, then the rest', () => {
        const usage = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
        expect(usage.map(w => [w.id, w.label, w.usedPercent])).toEqual([
            ['five_hour', '5h', 72.4],
            ['seven_day', '7d', 22],
            ['seven_day_cowork', '7d Daily Routines', 18],
            ['seven_day_sonnet', '7d Sonnet', 5],
            ['extra_usage', 'Extra usage', 24.68],
        ]);
        expect(usage[0]?.windowSeconds).toBe(5 * 3600);
        expect(usage[1]?.windowSeconds).toBe(7 * 86400);
    });

    it('parses reset times with fractional seconds and offsets', () => {
        const usage = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
        expect(usage[0]?.resetsAt).toBe(Date.UTC(2100, 0, 1, 15, 0, 0, 123));
        expect(usage[1]?.resetsAt).toBe(Date.UTC(2100, 0, 5, 9, 0, 0));
    });

    it('reads extra usage as a money limit, from cents to dollars', () => {
        const usage = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
        expect(usage.find(w => w.id === 'extra_usage')?.money).toEqual({used: 12.34, limit: 50, currency: 'USD'});
    });

    it('gives an account whose only limit is a spend cap that cap, in its own currency', () => {
        const usage = parseClaudeUsage({five_hour: null, seven_day: null,
            extra_usage: {is_enabled: true, monthly_limit: 2000, used_credits: 763, currency: 'EUR'}});
        expect(usage.map(w => [w.label, w.money?.currency, Math.round(w.usedPercent)])).toEqual([['Extra usage', 'EUR', 38]]);
    });

    it('ignores extra usage that is disabled or incomplete', () => {
        const base = {five_hour: {utilization: 1, resets_at: null}};
        const money = (json: unknown) => parseClaudeUsage(json).filter(w => w.money !== undefined);
        expect(money({...base, extra_usage: {is_enabled: false, monthly_limit: 100, used_credits: 5}})).toEqual([]);
        expect(money({...base, extra_usage: {is_enabled: true, monthly_limit: 100}})).toEqual([]);
    });

    it('keeps buckets it has never seen, with a readable label', () => {
        const usage = parseClaudeUsage({
            five_hour: {utilization: 10, resets_at: '2026-11-23T15:00:00Z'},
            thirty_day_design: {utilization: 40, resets_at: '2026-12-01T00:00:00Z'},
            weekly_routines: {utilization: 3},
        });
        expect(usage.map(w => w.label)).toEqual(['5h', '30d Design', 'Other limit (weekly_routines)']);
        expect(usage[1]?.windowSeconds).toBe(30 * 86400);
        expect(usage[2]?.windowSeconds).toBeNull();
        expect(usage[2]?.resetsAt).toBeNull();
    });

    it('skips null buckets, null utilization and wrongly typed fields', () => {
        const usage = parseClaudeUsage({
            five_hour: {utilization: '12', resets_at: '2026-11-23T15:00:00Z'},
            seven_day: {utilization: 30, resets_at: 12345},
            seven_day_opus: null,
            seven_day_sonnet: {utilization: null},
            seven_day_oauth_apps: [1, 2],
            unrelated: 'text',
        });
        expect(usage.map(w => w.id)).toEqual(['seven_day']);
        expect(usage[0]?.resetsAt).toBeNull();
    });

    it('adds model-scoped weekly limits from limits[] without duplicating named buckets', () => {
        const usage = parseClaudeUsage({
            seven_day: {utilization: 30, resets_at: '2026-11-25T09:00:00Z'},
            seven_day_sonnet: {utilization: 5, resets_at: '2026-11-25T09:00:00Z'},
            limits: [
                {kind: 'weekly_scoped', percent: 40, resets_at: '2026-11-25T09:00:00Z',
                    scope: {model: {id: 'x', display_name: 'Fable'}}, is_active: false},
                {kind: 'weekly_scoped', percent: 6, scope: {model: {display_name: 'Sonnet'}}},
                {kind: 'session', percent: 12},
                'garbage',
            ],
        });
        expect(usage.map(w => [w.label, w.usedPercent])).toEqual([['5h', 12], ['7d', 30], ['7d Fable', 40], ['7d Sonnet', 6]]);
    });

    it('reads an answer with nothing to show as no limits, not as an error', () => {
        expect(parseClaudeUsage({})).toEqual([]);
        expect(parseClaudeUsage({five_hour: null, extra_usage: {is_enabled: false}})).toEqual([]);
    });

    it('reports a parse error for a body that is not an object', async () => {
        expect((await parseError([])).kind).toBe('parse');
        expect((await parseError(null)).kind).toBe('parse');
        expect((await parseError(undefined)).kind).toBe('parse');
    });
});

describe('describeBucket()', () => {
    it('turns known duration prefixes into short labels', () => {
        expect(describeBucket('five_hour')).toEqual({label: '5h', windowSeconds: 18000});
        expect(describeBucket('seven_day_opus')).toEqual({label: '7d Opus', windowSeconds: 604800});
        expect(describeBucket('seven_day_oauth_apps').label).toBe('7d OAuth apps');
    });

    it('falls back to the humanized key', () => {
        expect(describeBucket('many_day_thing')).toEqual({label: 'Many day thing', windowSeconds: null});
    });
});

describe('claudePlanLabel()', () => {
    it('combines the subscription with the rate-limit tier multiplier', () => {
        expect(claudePlanLabel('max', 'default_claude_max_20x')).toBe('Max 20x');
        expect(claudePlanLabel('pro', null)).toBe('Pro');
    });

    it('derives the plan from the tier alone', () => {
        expect(claudePlanLabel(null, 'default_claude_max_5x')).toBe('Max 5x');
    });

    it('returns null when nothing is known', () => {
        expect(claudePlanLabel(null, null)).toBeNull();
    });
});

// Claude's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.


const rows = (windows: QuotaWindow[]): [string, number, number | null][] =>
    windows.map(w => [w.label, Math.round(w.usedPercent * 10) / 10, w.resetsAt]);
const parse = (file: string): QuotaWindow[] => parseClaudeUsage(realWorldJson(`claude/real-world/${file}`));

describe('Claude real-world usage answers', () => {
    const cases: {file: string; expected: [string, number][]}[] = [
        {file: 'oauth-usage-all-null.json', expected: []},
        {file: 'oauth-usage-spend-cap-eur.json', expected: [['Extra usage', 38.2]]},
        {file: 'oauth-usage-limits-array.json', expected: [['5h', 24], ['7d', 83], ['7d Fable', 36]]},
        {file: 'oauth-usage-limits-only.json', expected: [['5h', 11], ['7d', 9], ['7d Fable', 5], ['Other limit (monthly_pooled)', 40]]},
        {file: 'oauth-usage-resets-at-null.json', expected: [['5h', 0], ['7d', 18], ['7d Fable', 0]]},
        {file: 'oauth-usage-oauth-apps-only.json', expected: [['7d OAuth apps', 42]]},
        {file: 'oauth-usage-routines-cowork-omelette.json', expected: [['5h', 12.5], ['7d', 30], ['7d Daily Routines', 14]]},
        {file: 'oauth-usage-iguana-necktie-codenames.json',
            expected: [['5h', 61], ['7d', 25], ['7d scoped', 22], ['Other limit (velvet_otter)', 40]]},
        {file: 'oauth-usage-over-100.json', expected: [['5h', 104], ['7d', 100], ['Extra usage', 24.8]]},
    ];
    for (const {file, expected} of cases) {
        it(`reads ${file} as ${JSON.stringify(expected)}`, () => {
            expect(rows(parse(file)).map(([label, percent]) => [label, percent])).toEqual(expected);
        });
    }

    it('keeps a spend cap in its own currency, from minor units, as the headline', () => {
        const [headline] = parse('oauth-usage-spend-cap-eur.json');
        expect(headline?.money).toEqual({used: 7.63, limit: 20, currency: 'EUR'});
        expect(formatLimitValue(headline ?? {} as QuotaWindow)).toBe('€7.63 / €20.00');
    });

    it('shows an unknown reset as none, not as "now"', () => {
        const windows = parse('oauth-usage-resets-at-null.json');
        expect(windows.map(w => w.resetsAt === null)).toEqual([true, false, true]);
    });

    it('never lets a codename be the headline', () => {
        const windows = parse('oauth-usage-iguana-necktie-codenames.json');
        expect(windows[0]?.label).toBe('5h');
        expect(windows.at(-1)?.id).toBe('other:velvet_otter');
    });
});

describe('ClaudeProvider with real-world answers', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    let provider: ClaudeProvider;

    beforeEach(() => {
        provider = new ClaudeProvider(providerDeps());
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir());
        writeFile(`${env.homeDir}/.claude/.credentials.json`, fixtureText('claude/credentials.json'));
        server.route(PROFILE, {status: 200, body: fixtureJson('claude/profile.json')});
    });

    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('shows an answer whose limits are all null as a calm empty state, keeping plan and account', async () => {
        server.route(USAGE, realWorldRoute('claude/real-world/oauth-usage-all-null.json'));
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.windows).toEqual([]);
        expect(snapshot?.plan).not.toBeNull();
        expect(snapshot?.accountLabel).toContain('@');
        expect(snapshot && reportsNoLimits(snapshot)).toBeTrue();
    });

    it('puts a spend cap in the panel instead of "AI"', async () => {
        server.route(USAGE, realWorldRoute('claude/real-world/oauth-usage-spend-cap-eur.json'));
        const snapshots = await provider.fetch(fetchContext(env, http));
        expect(panelText(snapshots, () => 'Claude')).toBe('Extra usage 38%');
    });

    it('treats a 429 with Retry-After: 0 as a pause of at least five minutes, never as a sign-in problem', async () => {
        server.route(USAGE, realWorldRoute('claude/real-world/oauth-usage-429-retry-after-0.json'));
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('rate-limited');
        expect((snapshot?.error?.retryAt ?? 0) - env.now()).toBeGreaterThanOrEqual(5 * 60_000);
        expect(snapshot?.error?.message).not.toContain('rate_limit_error');
    });
});

describe('Claude\'s preferences: the statusline install row', () => {
    let env: TestEnvironment;
    let settingsPath: string;
    let install: InstallSection;
    const cancellable = new Gio.Cancellable();
    beforeEach(() => {
        env = testEnvironment(makeTempDir());
        settingsPath = `${env.homeDir}/.claude/settings.json`;
        const found = new ClaudeProvider(providerDeps()).prefs.install;
        if (found === undefined)
            throw new Error('Claude has no statusline install in its preferences');
        install = found;
    });

    it('shows the state, installs with a backup keeping the user\'s command chained, and removes it again', async () => {
        const original = JSON.stringify({model: 'opus', statusLine: {type: 'command', command: '~/bin/my-line'}});
        writeFile(settingsPath, original);
        const before = await install.read(env, null, cancellable);
        expect(before.installed).toBeFalse();
        expect(before.text).toContain('~/bin/my-line');
        expect(readFile(settingsPath)).toBe(original);

        const after = await install.install(env, null, cancellable);
        expect(after.installed).toBeTrue();
        expect(after.text).toContain('runs your own statusline (~/bin/my-line)');
        expect(readFile(`${settingsPath}.bak-ai-usage-meter`)).toBe(original);
        expect((JSON.parse(readFile(settingsPath)) as {statusLine: {command: string}}).statusLine.command).toMatch(/ statusline$/);
        expect((await install.read(env, null, cancellable)).installed).toBeTrue();

        const removed = await install.remove(env, null, cancellable);
        expect(removed.installed).toBeFalse();
        expect(JSON.parse(readFile(settingsPath))).toEqual(JSON.parse(original));
    });

    it('installs into an added folder\'s settings.json (CLAUDE_CONFIG_DIR), leaving the default one alone', async () => {
        const folder = `${env.homeDir}/work-claude`;
        expect((await install.install(env, folder, cancellable)).installed).toBeTrue();
        expect((JSON.parse(readFile(`${folder}/settings.json`)) as {statusLine: {command: string}}).statusLine.command)
            .toMatch(/ statusline$/);
        expect(Gio.File.new_for_path(settingsPath).query_exists(null)).toBeFalse();
        expect((await install.read(env, null, cancellable)).installed).toBeFalse();
        expect((await install.remove(env, folder, cancellable)).installed).toBeFalse();
        expect(JSON.parse(readFile(`${folder}/settings.json`))).toEqual({});
    });

    it('is what doctor says of the statusline too', async () => {
        const provider = new ClaudeProvider(providerDeps());
        const line = async (): Promise<string> => {
            const found = (await provider.diagnose(env)).find(f => f.scope === 'claude statusline');
            return `${found?.status} ${found?.detail}`;
        };
        expect(await line()).toMatch(/^ok Not installed\. .*statusline --install/);
        await install.install(env, null, cancellable);
        expect(await line()).toMatch(/^ok Installed: /);
        writeFile(settingsPath, '{"statusLine": ');
        expect(await line()).toMatch(/^warn .*not valid JSON/);
    });

    it('says what went wrong with a settings.json that is not JSON, and leaves it as it is', async () => {
        writeFile(settingsPath, '{"model": ');
        await expectAsync(install.install(env, null, cancellable)).toBeRejectedWithError(/not valid JSON; it was left as it is/);
        expect(readFile(settingsPath)).toBe('{"model": ');
    });
});

describe('Claude plans from the provider\'s own fields', () => {
    it('reads a plan from the rate-limit tier only when the tier names one', () => {
        expect(claudePlanLabel(null, 'default_claude_ai')).toBeNull();
        expect(claudePlanLabel('pro', 'default_claude_ai')).toBe('Pro');
        expect(claudePlanLabel('max', 'default_claude_ai')).toBe('Max');
        expect(claudePlanLabel(null, 'default_claude_max_20x')).toBe('Max 20x');
        expect(claudePlanLabel(null, null)).toBeNull();
    });

    it('reads the e-mail and the plan of the OAuth profile', () => {
        expect(parseClaudeProfile(realWorldJson('claude/real-world/oauth-profile-max-5x.json')))
            .toEqual({email: 'fixture@example.com', plan: 'Max 5x'});
        expect(parseClaudeProfile({account: {email_address: 'a@example.com'}, organization: {organization_type: 'api'}}))
            .toEqual({email: 'a@example.com', plan: null});
        expect(parseClaudeProfile(null)).toEqual({email: null, plan: null});
    });

    describe('in the fetch', () => {
        let server: FixtureServer;
        let http: HttpClient;
        let env: TestEnvironment;
        beforeEach(() => {
            server = new FixtureServer();
            http = loopbackHttp(server.baseUrl);
            env = testEnvironment(makeTempDir());
            server.route(USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
            server.route(PROFILE, realWorldRoute('claude/real-world/oauth-profile-max-5x.json'));
        });
        afterEach(() => {
            http.destroy();
            server.destroy();
        });

        it('gives a token without plan metadata (CLAUDE_CODE_OAUTH_TOKEN) the profile\'s plan', async () => {
            env.vars['CLAUDE_CODE_OAUTH_TOKEN'] = 'sk-ant-oat01-FIXTURE-env';
            const [snapshot] = await new ClaudeProvider(providerDeps()).fetch(fetchContext(env, http));
            expect(snapshot?.error).toBeNull();
            expect(snapshot?.plan).toBe('Max 5x');
            expect(snapshot?.accountLabel).toBe('fixture@example.com');
            expect(server.requestsTo(PROFILE).length).toBe(1);
        });

        it('keeps the plan Claude Code\'s credentials name', async () => {
            writeFile(`${env.homeDir}/.claude/.credentials.json`, fixtureText('claude/credentials.json'));
            const [snapshot] = await new ClaudeProvider(providerDeps()).fetch(fetchContext(env, http));
            expect(snapshot?.plan).toBe('Max 20x'); // not the profile's Max 5x
        });
    });
});
