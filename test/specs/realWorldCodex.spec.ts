// Codex's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.

import {formatBalance, formatLimitValue} from '../../src/core/format.js';
import type {HttpClient} from '../../src/core/http.js';
import {CodexProvider, parseCodexUsage} from '../../src/core/providers/codex.js';
import {FixtureServer, fixtureText} from '../support/fixtureServer.js';
import type {TestEnvironment} from '../support/helpers.js';
import {fetchContext, loopbackHttp, makeTempDir, providerDeps, testEnvironment, writeFile} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const USAGE = 'chatgpt.com/backend-api/wham/usage';
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
});
