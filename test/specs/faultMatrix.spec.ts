// Every provider against every way a network or a server fails, through UsageService as the Shell
// runs it: first a good fetch, then the fault. Each cell must leave a clear state with a fix, the
// last good data kept and marked stale, no exception escaping, and — for rate limits — no request
// at the next automatic refresh. Short deadlines keep the whole matrix to a few seconds.

import type Gio from 'gi://Gio';

import type {UsageSnapshot} from '../../src/core/contract.js';
import type {ErrorKind} from '../../src/core/errors.js';
import {HttpClient, type HttpRequest, type HttpResponse} from '../../src/core/http.js';
import type {Provider} from '../../src/core/provider.js';
import {AnthropicAdminProvider} from '../../src/core/providers/anthropicAdmin.js';
import {ClaudeProvider} from '../../src/core/providers/claude.js';
import {CodexProvider} from '../../src/core/providers/codex.js';
import {COPILOT_ACCOUNTS, CopilotProvider} from '../../src/core/providers/copilot.js';
import {COPILOT_ORG, CopilotOrgProvider} from '../../src/core/providers/copilotOrg.js';
import {GeminiProvider} from '../../src/core/providers/gemini.js';
import {OpenAIAdminProvider} from '../../src/core/providers/openaiAdmin.js';
import {SecretStore} from '../../src/core/secrets.js';
import {UsageService} from '../../src/core/usageService.js';
import {FixtureServer, fixtureJson, fixtureText, refusedPort, type FixtureRoute} from '../support/fixtureServer.js';
import {
    loopbackHttp, makeTempDir, providerDeps, removeTree, testEnvironment, testSettings, writeFile, type TestEnvironment,
} from '../support/helpers.js';

const DAY_MS = 86_400_000;
const MAX_BODY = 64 * 1024;
const LIMITS = {deadlineSeconds: 0.3, maxBodyBytes: MAX_BODY};
const secrets = new SecretStore();

/** Lets a spec point the service's one client at another address (a refused port, a name that does not resolve). */
class SwitchableHttp extends HttpClient {
    constructor(public target: HttpClient) {
        super('spec');
    }

    override request(request: HttpRequest, cancellable: Gio.Cancellable): Promise<HttpResponse> {
        return this.target.request(request, cancellable);
    }

    override destroy(): void {
        this.target.destroy();
        super.destroy();
    }
}

interface ProviderCase {
    name: string;
    /** Answers for a good fetch. */
    routes(server: FixtureServer): void;
    /** The routes a fault replaces: every request the provider's data depends on first. */
    faulted: string[];
    make(env: TestEnvironment): Provider;
}

const CLAUDE_USAGE = 'api.anthropic.com/api/oauth/usage';
const ANTHROPIC = 'api.anthropic.com/v1/organizations';
const OPENAI = 'api.openai.com/v1/organization';
const COPILOT_ORG_REPORT = 'api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest';

const PROVIDERS: ProviderCase[] = [
    {
        name: 'Claude',
        routes: server => {
            server.route(CLAUDE_USAGE, {status: 200, body: fixtureJson('claude/usage-max.json')});
            server.route('api.anthropic.com/api/oauth/profile', {status: 200, body: fixtureJson('claude/profile.json')});
        },
        faulted: [CLAUDE_USAGE],
        make: env => {
            writeFile(`${env.homeDir}/.claude/.credentials.json`, fixtureText('claude/credentials.json'));
            return new ClaudeProvider(providerDeps(testSettings(), secrets));
        },
    },
    {
        name: 'Codex',
        routes: server => server.route('chatgpt.com/backend-api/wham/usage', {status: 200, body: fixtureJson('codex/usage-plus.json')}),
        faulted: ['chatgpt.com/backend-api/wham/usage'],
        make: env => {
            writeFile(`${env.homeDir}/.codex/auth.json`, fixtureText('codex/auth.json'));
            return new CodexProvider(providerDeps(testSettings(), secrets));
        },
    },
    {
        name: 'Gemini',
        routes: server => {
            server.route('cloudcode-pa.googleapis.com/v1internal:loadCodeAssist', {status: 200,
                body: fixtureJson('gemini/load-code-assist.json')});
            server.route('cloudcode-pa.googleapis.com/v1internal:retrieveUserQuota', {status: 200, body: fixtureJson('gemini/quota.json')});
        },
        faulted: ['cloudcode-pa.googleapis.com/v1internal:loadCodeAssist'],
        make: env => {
            writeFile(`${env.homeDir}/.gemini/oauth_creds.json`, fixtureText('gemini/oauth_creds.json'));
            return new GeminiProvider();
        },
    },
    {
        name: 'Copilot',
        routes: server => server.route('api.github.com/copilot_internal/user', {status: 200,
            body: fixtureJson('copilot/user-individual.json')}),
        faulted: ['api.github.com/copilot_internal/user'],
        make: () => {
            const settings = testSettings();
            settings.set(COPILOT_ACCOUNTS, ['octocat']);
            return new CopilotProvider(providerDeps(settings, secrets));
        },
    },
    {
        name: 'OpenAI API',
        routes: server => {
            server.route(`${OPENAI}/costs`, query => ({status: 200,
                body: fixtureJson(query['page'] === 'page_AAAA' ? 'spend/openai-costs-2.json' : 'spend/openai-costs-1.json')}));
            server.route(`${OPENAI}/usage/completions`, {status: 200, body: fixtureJson('spend/openai-completions.json')});
        },
        faulted: [`${OPENAI}/costs`, `${OPENAI}/usage/completions`],
        make: env => {
            env.vars['OPENAI_ADMIN_KEY'] = 'sk-admin-FIXTURE';
            return new OpenAIAdminProvider(providerDeps(testSettings(), secrets));
        },
    },
    {
        name: 'Anthropic API',
        routes: server => {
            server.route(`${ANTHROPIC}/cost_report`, query => ({status: 200,
                body: fixtureJson(query['page'] === 'page_2' ? 'spend/anthropic-cost-2.json' : 'spend/anthropic-cost-1.json')}));
            server.route(`${ANTHROPIC}/usage_report/messages`, {status: 200, body: fixtureJson('spend/anthropic-messages.json')});
            server.route(`${ANTHROPIC}/usage_report/claude_code`, {status: 200, body: {data: [], has_more: false}});
        },
        faulted: [`${ANTHROPIC}/cost_report`, `${ANTHROPIC}/usage_report/messages`],
        make: env => {
            env.vars['ANTHROPIC_ADMIN_KEY'] = 'sk-ant-admin01-FIXTURE';
            return new AnthropicAdminProvider(providerDeps(testSettings(), secrets));
        },
    },
    {
        name: 'Copilot organisation',
        routes: server => {
            server.route(COPILOT_ORG_REPORT, {status: 200, body: fixtureJson('spend/copilot-org-report.json')});
            server.route('copilot-reports.example.com/acme/report-1.ndjson', {status: 200, body: fixtureText('spend/copilot-org-report-1.ndjson')});
            server.route('copilot-reports.example.com/acme/report-2.ndjson', {status: 200, body: fixtureText('spend/copilot-org-report-2.ndjson')});
        },
        faulted: [COPILOT_ORG_REPORT],
        make: () => {
            const settings = testSettings();
            settings.set(COPILOT_ORG, 'acme');
            return new CopilotOrgProvider(providerDeps(settings, secrets));
        },
    },
];

interface FaultCell {
    name: string;
    /** Kinds that describe this fault correctly (a 403 may be a scope or a plan error). */
    kinds: ErrorKind[];
    route?: FixtureRoute;
    /** Where the client goes instead of the fixture server. */
    elsewhere?: () => string;
}

const rateLimit = (name: string, retryAfter: string | null): FaultCell => ({name, kinds: ['rate-limited'],
    route: {status: 429, body: {error: 'rate_limited'}, headers: retryAfter === null ? {} : {'Retry-After': retryAfter}}});

const CELLS: FaultCell[] = [
    {name: 'no answer within the deadline', kinds: ['timeout'], route: {status: 200, body: {}, delayMs: 5000}},
    {name: 'connection refused', kinds: ['network'], elsewhere: () => `http://127.0.0.1:${refusedPort()}`},
    {name: 'a name that does not resolve', kinds: ['network'], elsewhere: () => 'http://no-such-host.invalid:80'},
    {name: '401', kinds: ['auth', 'expired'], route: {status: 401, body: {error: 'unauthorized'}}},
    {name: '403', kinds: ['auth', 'scope'], route: {status: 403, body: {error: 'forbidden'}}},
    rateLimit('429 without Retry-After', null),
    rateLimit('429 with Retry-After in seconds', '120'),
    rateLimit('429 with an absurd Retry-After (10^14 s)', '100000000000000'),
    rateLimit('429 with a Retry-After date in year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT'),
    ...[500, 502, 503, 529].map(status => ({name: String(status), kinds: ['server' as const],
        route: {status, body: '<h1>upstream trouble</h1>'}})),
    {name: 'an HTML page instead of JSON', kinds: ['server'],
        route: {status: 200, body: '<!DOCTYPE html><title>Sign in to the Wi-Fi</title>'}},
    {name: 'truncated JSON', kinds: ['parse'], route: {status: 200, body: '{"data": [{"start_time": 17'}},
    {name: 'a connection closed mid-body', kinds: ['network'], route: {status: 200, body: {data: [], padding: 'x'.repeat(500)},
        truncateAt: 40}},
    {name: 'an empty 200', kinds: ['server'], route: {status: 200, body: ''}},
    {name: 'a body over the cap', kinds: ['too-large'], route: {status: 200, body: `"${'x'.repeat(MAX_BODY * 4)}"`}},
    {name: 'a body over the cap, undeclared', kinds: ['too-large'],
        route: {status: 200, body: `"${'x'.repeat(MAX_BODY * 4)}"`, undeclaredLength: true}},
    {name: 'a body trickled a byte at a time', kinds: ['timeout'], route: {status: 200, body: {data: []}, trickleMs: 40}},
    {name: 'a redirect to another origin', kinds: ['redirect'],
        route: {status: 302, body: '', headers: {Location: 'http://127.0.0.1:9/steal?sig=SECRET'}}},
];

/** What a card shows of its data: kept through a failure. */
const data = (s: UsageSnapshot | undefined): unknown => s === undefined ? undefined
    : {windows: s.windows, balances: s.balances, spend: s.spend, updatedAt: s.updatedAt};

describe('the fault matrix', () => {
    beforeAll(async () => {
        await secrets.store('copilot', 'octocat', 'spec token', 'gho_FIXTURE_OCTOCAT');
        await secrets.store('copilot-org', 'admin-key', 'spec token', 'ghp_FIXTUREORGTOKEN0000000');
    });
    afterAll(async () => {
        await secrets.clear('copilot', 'octocat');
        await secrets.clear('copilot-org', 'admin-key');
    });

    for (const providerCase of PROVIDERS) {
        describe(providerCase.name, () => {
            let home: string;
            let env: TestEnvironment;
            let server: FixtureServer;
            let http: SwitchableHttp;
            let service: UsageService;
            let provider: Provider;
            let unexpected: unknown[];

            beforeEach(() => {
                home = makeTempDir();
                env = testEnvironment(home);
                server = new FixtureServer();
                providerCase.routes(server);
                http = new SwitchableHttp(loopbackHttp(server.baseUrl, LIMITS));
                unexpected = [];
                provider = providerCase.make(env);
                service = new UsageService({providers: [provider], env, http, cache: null,
                    onError: error => unexpected.push(error), providerDeadlineMs: 3000});
            });
            afterEach(() => {
                service.destroy();
                server.destroy();
                removeTree(home);
            });

            const faultedRequests = (): number => providerCase.faulted.reduce((n, r) => n + server.requestsTo(r).length, 0);

            for (const cell of CELLS) {
                it(cell.name, async () => {
                    await service.start([provider.id], 300);
                    const [good] = service.state.snapshots;
                    expect(good?.error).withContext('the good fetch').toBeNull();
                    expect(good?.updatedAt).toBe(env.clock);

                    if (cell.route !== undefined) {
                        for (const route of providerCase.faulted)
                            server.route(route, cell.route);
                    }
                    if (cell.elsewhere !== undefined)
                        http.target = loopbackHttp(cell.elsewhere(), LIMITS);
                    const before = faultedRequests();
                    env.clock += 600_000;
                    service.invalidateBilling();
                    await service.refresh(false);

                    const [shown] = service.state.snapshots;
                    expect(service.state.snapshots.length).toBe(1);
                    expect(cell.kinds).withContext(shown?.error?.message ?? 'no error').toContain(shown?.error?.kind ?? 'internal');
                    expect(shown?.error?.message).toBeTruthy();
                    expect(shown?.error?.hint).withContext('a fix').toBeTruthy();
                    expect(JSON.stringify(shown)).not.toContain('SECRET');
                    expect(data(shown)).withContext('the last good data').toEqual(data(good));
                    expect(shown?.stale).toBeTrue();
                    expect(unexpected).toEqual([]);
                    if (cell.route !== undefined)
                        expect(faultedRequests() - before).withContext('no retry storm').toBeLessThanOrEqual(providerCase.faulted.length);

                    if (cell.kinds.includes('rate-limited')) {
                        const retryAt = shown?.error?.retryAt ?? 0;
                        expect(retryAt).toBeGreaterThan(env.clock);
                        expect(retryAt).toBeLessThanOrEqual(env.clock + DAY_MS);
                        const paused = faultedRequests();
                        env.clock += 60_000;
                        service.invalidateBilling();
                        await service.refresh(false);
                        expect(faultedRequests()).withContext('an automatic refresh during the pause').toBe(paused);
                        expect(service.state.snapshots[0]?.error?.kind).toBe('rate-limited');
                    }
                });
            }
        });
    }
});
