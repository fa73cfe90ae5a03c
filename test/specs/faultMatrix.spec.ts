// Every provider against every way a network or a server fails, through UsageService as the Shell
// runs it: first a good fetch, then the fault, then an hour of automatic refreshes five minutes
// apart. Each cell must leave a clear state with a fix after every refresh, the last good data kept
// and marked stale, no exception escaping, and request counts that prove the back-off (a handful
// in that hour, none during a rate-limit pause); a manual refresh goes through, but not twice
// within a few seconds, a rate-limit pause or not; once the server is well again one refresh
// brings the data back and the back-off starts over. Short deadlines keep the whole matrix to
// some seconds.

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
// The deadline is short only in the cells about it (the matrix runs in a minute or two); every
// other answer gets a long one, so that a loaded machine cannot turn it into a timeout.
const LIMITS = {deadlineSeconds: 15, maxBodyBytes: MAX_BODY};
const SHORT_DEADLINE = {deadlineSeconds: 0.5, maxBodyBytes: MAX_BODY};
const secrets = new SecretStore();

/**
 * Lets a spec point the service's one client at another address (a refused port, a name that does
 * not resolve), and counts every request sent, wherever it goes.
 */
class SwitchableHttp extends HttpClient {
    readonly sent: string[] = [];

    constructor(public target: HttpClient) {
        super('spec');
    }

    override request(request: HttpRequest, cancellable: Gio.Cancellable): Promise<HttpResponse> {
        this.sent.push(request.url);
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
    /** Kinds that describe a fault better for this provider than the cell's own (by cell name). */
    kinds?: Record<string, ErrorKind[]>;
    /**
     * Faults after which the provider asks for a new sign-in and sends nothing until the
     * credentials change (by cell name), and how to sign in again.
     */
    newSignIn?: {after: string[]; signIn(env: TestEnvironment): void};
    /** Routes whose requests count as the provider trying again (default: the faulted ones). */
    counted?: string[];
    /** Checks of what the provider sent, after each cell. */
    check?(server: FixtureServer): void;
}

const CLAUDE_USAGE = 'api.anthropic.com/api/oauth/usage';
const ANTHROPIC = 'api.anthropic.com/v1/organizations';
const OPENAI = 'api.openai.com/v1/organization';
const COPILOT_ORG_REPORT = 'api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest';
const COPILOT_ORG_FILE_1 = 'copilot-reports.example.com/acme/report-1.ndjson';
const COPILOT_ORG_FILE_2 = 'copilot-reports.example.com/acme/report-2.ndjson';
/** Automatic refreshes after the fault: an hour at the default five-minute interval. */
const FOLLOW_UPS = 12;
const INTERVAL_MS = 300_000;
/**
 * Rounds of requests such an hour may send after the first failure: the back-off's pauses double
 * from 2 minutes (refreshes at 5, 10, 20 and 40 minutes), a 429's from 5 (or its Retry-After).
 * Without a back-off it would be all twelve.
 */
const MAX_ROUNDS = 4;
/** A cell of timeouts sends about eight requests that each wait out the deadline: more than Jasmine's 5 s on a loaded machine. */
const CELL_TIMEOUT_MS = 30_000;
/** A manual refresh passes a back-off at most this often (MANUAL_RETRY_GAP_MS). */
const MANUAL_GAP_MS = 10_000;

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
        // A refused token is refreshed in memory, with the Gemini CLI's client (there is none here).
        newSignIn: {after: ['401'], signIn: env => writeFile(`${env.homeDir}/.gemini/oauth_creds.json`,
            fixtureText('gemini/oauth_creds.json').replace('FIXTURE-ACCESS-TOKEN', 'RENEWED-ACCESS-TOKEN'))},
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
            server.route(COPILOT_ORG_FILE_1, {status: 200, body: fixtureText('spend/copilot-org-report-1.ndjson')});
            server.route(COPILOT_ORG_FILE_2, {status: 200, body: fixtureText('spend/copilot-org-report-2.ndjson')});
        },
        faulted: [COPILOT_ORG_REPORT],
        make: () => {
            const settings = testSettings();
            settings.set(COPILOT_ORG, 'acme');
            return new CopilotOrgProvider(providerDeps(settings, secrets));
        },
    },
    {
        // The signed report files: no token, a redirect may be followed, a refused link is the link's problem.
        name: 'Copilot organisation report files',
        routes: server => PROVIDERS.find(p => p.name === 'Copilot organisation')?.routes(server),
        faulted: [COPILOT_ORG_FILE_1, COPILOT_ORG_FILE_2],
        // Here the report and its files share one loopback server: files held back keep the client's
        // connections to it busy, and the report's request waits for one (and times out) meanwhile.
        counted: [COPILOT_ORG_REPORT, COPILOT_ORG_FILE_1, COPILOT_ORG_FILE_2],
        make: () => {
            const settings = testSettings();
            settings.set(COPILOT_ORG, 'acme');
            return new CopilotOrgProvider(providerDeps(settings, secrets));
        },
        kinds: {'401': ['server'], '403': ['server'], 'a redirect to another origin': ['network']},
        check: server => {
            for (const file of [COPILOT_ORG_FILE_1, COPILOT_ORG_FILE_2])
                expect(server.requestsTo(file).every(r => r.headers['authorization'] === undefined)).withContext('no token to the storage host').toBeTrue();
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
    /** The fault may take longer than any deadline (a server or resolver that does not answer): requests get the short one. */
    slow?: true;
}

const rateLimit = (name: string, retryAfter: string | null): FaultCell => ({name, kinds: ['rate-limited'],
    route: {status: 429, body: {error: 'rate_limited'}, headers: retryAfter === null ? {} : {'Retry-After': retryAfter}}});

const CELLS: FaultCell[] = [
    {name: 'no answer within the deadline', kinds: ['timeout'], route: {status: 200, body: {}, delayMs: 5000}, slow: true},
    {name: 'connection refused', kinds: ['network'], elsewhere: () => `http://127.0.0.1:${refusedPort()}`},
    // A resolver that does not answer within the deadline is a timeout (it happens on a loaded machine).
    {name: 'a name that does not resolve', kinds: ['network', 'timeout'], elsewhere: () => 'http://no-such-host.invalid:80', slow: true},
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
    {name: 'a connection closed mid-body', kinds: ['network', 'timeout'], route: {status: 200, body: {data: [], padding: 'x'.repeat(500)},
        truncateAt: 40}},
    {name: 'an empty 200', kinds: ['server'], route: {status: 200, body: ''}},
    {name: 'a body over the cap', kinds: ['too-large'], route: {status: 200, body: `"${'x'.repeat(MAX_BODY * 4)}"`}},
    {name: 'a body over the cap, undeclared', kinds: ['too-large'],
        route: {status: 200, body: `"${'x'.repeat(MAX_BODY * 4)}"`, undeclaredLength: true}},
    {name: 'a body trickled a byte at a time', kinds: ['timeout'], route: {status: 200, body: {data: []}, trickleMs: 80}, slow: true},
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

            /** Requests sent to these routes, wherever the client pointed them. */
            const sentTo = (routes: readonly string[]): number => http.sent.filter(url => routes.some(route => url.endsWith(`/${route}`) ||
                url.includes(`/${route}?`))).length;
            const faultedRequests = (): number => sentTo(providerCase.faulted);
            const counted = providerCase.counted ?? providerCase.faulted;

            for (const cell of CELLS) {
                it(cell.name, async () => {
                    const kinds = providerCase.kinds?.[cell.name] ?? cell.kinds;
                    const rateLimited = kinds.includes('rate-limited');
                    const newSignIn = providerCase.newSignIn?.after.includes(cell.name) === true;
                    await service.start([provider.id], 300);
                    let [good] = service.state.snapshots;
                    expect(good?.error).withContext('the good fetch').toBeNull();
                    expect(good?.updatedAt).toBe(env.clock);

                    const fault = (): void => {
                        if (cell.route !== undefined) {
                            for (const route of providerCase.faulted)
                                server.route(route, cell.route);
                        }
                        if (cell.elsewhere !== undefined || cell.slow === true)
                            http.target = loopbackHttp(cell.elsewhere?.() ?? server.baseUrl, cell.slow ? SHORT_DEADLINE : LIMITS);
                    };
                    const refresh = async (manual: boolean, stepMs: number): Promise<UsageSnapshot | undefined> => {
                        env.clock += stepMs;
                        service.invalidateBilling();
                        await service.refresh(manual);
                        expect(service.state.snapshots.length).toBe(1);
                        return service.state.snapshots[0];
                    };
                    /** A clear state with a fix, the last good data kept and stale, nothing secret, nothing thrown. */
                    const expectFailedClearly = (shown: UsageSnapshot | undefined, when: string): void => {
                        expect(kinds).withContext(`${when}: ${shown?.error?.message ?? 'no error'}`).toContain(shown?.error?.kind ?? 'internal');
                        expect(shown?.error?.message).withContext(when).toBeTruthy();
                        expect(shown?.error?.hint).withContext(`${when}: a fix`).toBeTruthy();
                        expect(JSON.stringify(shown)).withContext(when).not.toContain('SECRET');
                        expect(JSON.stringify(shown)).withContext(`${when}: a signed link`).not.toContain('SIGNED');
                        expect(data(shown)).withContext(`${when}: the last good data`).toEqual(data(good));
                        expect(shown?.stale).withContext(when).toBeTrue();
                        expect(unexpected).withContext(when).toEqual([]);
                    };

                    fault();
                    const before = faultedRequests();
                    const shown = await refresh(false, 600_000);
                    expectFailedClearly(shown, 'the first failure');
                    if (cell.route !== undefined)
                        expect(faultedRequests() - before).withContext('no retry storm').toBeLessThanOrEqual(providerCase.faulted.length);

                    if (rateLimited) {
                        const retryAt = shown?.error?.retryAt ?? 0;
                        expect(retryAt).toBeGreaterThan(env.clock);
                        expect(retryAt).toBeLessThanOrEqual(env.clock + DAY_MS);
                        const paused = faultedRequests();
                        await refresh(false, 60_000);
                        expect(faultedRequests()).withContext('an automatic refresh during the pause').toBe(paused);
                        expect(service.state.snapshots[0]?.error?.kind).toBe('rate-limited');
                    }

                    // An hour of automatic refreshes: a few requests, each round's failure shown clearly.
                    const afterFirst = sentTo(counted);
                    for (let i = 1; i <= FOLLOW_UPS; i++)
                        expectFailedClearly(await refresh(false, INTERVAL_MS), `automatic refresh ${i}`);
                    const retried = sentTo(counted) - afterFirst;
                    expect(retried).withContext(`requests in ${FOLLOW_UPS} automatic refreshes`)
                        .toBeLessThanOrEqual(newSignIn ? 0 : MAX_ROUNDS * counted.length);
                    if (cell.route !== undefined && !newSignIn && !cell.name.includes('10^14') && !cell.name.includes('9999'))
                        expect(retried).withContext('it still tries again').toBeGreaterThan(0);

                    // The user's Refresh goes through the back-off, but not twice within a few seconds.
                    const beforeManual = sentTo(counted);
                    expectFailedClearly(await refresh(true, 0), 'a manual refresh');
                    const manualSent = sentTo(counted) - beforeManual;
                    if (cell.route !== undefined && !newSignIn)
                        expect(manualSent).withContext('a manual refresh is sent').toBeGreaterThan(0);
                    expectFailedClearly(await refresh(true, 1000), 'a second manual refresh a second later');
                    expect(sentTo(counted) - beforeManual).withContext('a second manual refresh a second later').toBe(manualSent);

                    // Well again: the next manual refresh brings the data back, and the back-off starts over.
                    providerCase.routes(server);
                    http.target = loopbackHttp(server.baseUrl, LIMITS);
                    if (newSignIn)
                        providerCase.newSignIn?.signIn(env);
                    const recovered = await refresh(true, MANUAL_GAP_MS);
                    expect(recovered?.error).withContext('recovered').toBeNull();
                    expect(recovered?.stale).toBeFalse();
                    good = recovered;
                    if (!rateLimited && !newSignIn) {
                        fault();
                        for (const when of ['failing again', 'failing again, 5 minutes later']) {
                            const beforeAgain = sentTo(counted);
                            expectFailedClearly(await refresh(false, INTERVAL_MS), when);
                            if (cell.route !== undefined)
                                expect(sentTo(counted) - beforeAgain).withContext(`${when}: the back-off started over`).toBeGreaterThan(0);
                        }
                    }
                    providerCase.check?.(server);
                }, CELL_TIMEOUT_MS);
            }
        });
    }
});
