// Claude's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.

import type {QuotaWindow} from '../../src/core/contract.js';
import {reportsNoLimits} from '../../src/core/contract.js';
import {formatLimitValue, panelText} from '../../src/core/format.js';
import type {HttpClient} from '../../src/core/http.js';
import {ClaudeProvider, parseClaudeUsage} from '../../src/core/providers/claude.js';
import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import type {TestEnvironment} from '../support/helpers.js';
import {fetchContext, loopbackHttp, makeTempDir, providerDeps, testEnvironment, writeFile} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const USAGE = 'api.anthropic.com/api/oauth/usage';
const PROFILE = 'api.anthropic.com/api/oauth/profile';

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
