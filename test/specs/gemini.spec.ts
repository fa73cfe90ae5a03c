import type {HttpClient} from '../../src/core/http.js';
import {
    GeminiProvider, checkAuthType, findOAuthClient, geminiFamily, parseGeminiQuota, parseLoadCodeAssist,
    parseOAuthClient, pickGeminiProject, tokenRefusal,
} from '../../src/core/providers/gemini.js';
import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {
    type TestEnvironment, fetchContext, loopbackHttp, makeTempDir, providerErrorFrom, readFile, symlink,
    testEnvironment, writeFile,
} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const LOAD = 'cloudcode-pa.googleapis.com/v1internal:loadCodeAssist';
const QUOTA = 'cloudcode-pa.googleapis.com/v1internal:retrieveUserQuota';
const TOKEN = 'oauth2.googleapis.com/token';
const PROJECTS = 'cloudresourcemanager.googleapis.com/v1/projects';
/** A real-world answer (test/fixtures/CASES.md names where each shape comes from). */
const real = (file: string): string => `gemini/real-world/${file}`;
const OAUTH_JS = "const OAUTH_CLIENT_ID = 'fixture-client.apps.googleusercontent.com';\n" +
    "const OAUTH_CLIENT_SECRET = 'FIXTURE-client-secret';\n";

describe('parseGeminiQuota()', () => {
    it('keeps the lowest fraction per family and orders pro, flash, flash-lite', () => {
        const windows = parseGeminiQuota(fixtureJson('gemini/quota.json'));
        expect(windows.map(w => [w.label, Math.round(w.usedPercent)])).toEqual(
            [['Pro', 50], ['Flash', 3], ['Flash-Lite', 0]]);
        expect(windows[0]?.windowSeconds).toBe(86400);
        expect(windows[0]?.resetsAt).toBe(Date.UTC(2100, 0, 2, 7));
    });

    it('reads an empty or missing bucket list as no limits, and only a non-object as a parse error', async () => {
        expect(parseGeminiQuota({buckets: []})).toEqual([]);
        expect(parseGeminiQuota({})).toEqual([]);
        expect((await providerErrorFrom(() => parseGeminiQuota('x'))).kind).toBe('parse');
    });
});

describe('parseLoadCodeAssist()', () => {
    it('reads the project and the paid tier name', () => {
        expect(parseLoadCodeAssist(fixtureJson('gemini/load-code-assist.json'), null))
            .toEqual({project: 'fixture-project-123', plan: 'Code Assist Standard'});
    });

    it('names free tiers, telling Workspace accounts apart', () => {
        expect(parseLoadCodeAssist({currentTier: {id: 'free-tier'}, cloudaicompanionProject: 'p'}, null))
            .toEqual({project: 'p', plan: 'Free'});
        expect(parseLoadCodeAssist({currentTier: {id: 'free-tier'}}, 'example.com').plan).toBe('Workspace');
        expect(parseLoadCodeAssist('x', null)).toEqual({project: null, plan: null});
    });

    it('shows a tier it does not know by the name Google gives it', () => {
        expect(parseLoadCodeAssist(realWorldJson(real('load-code-assist-unknown-tier.json')), null))
            .toEqual({project: 'fixture-project-42', plan: 'Ultra'});
        expect(parseLoadCodeAssist({currentTier: {id: 'some-new-tier'}}, null).plan).toBeNull();
    });
});

describe('checkAuthType()', () => {
    it('explains that API-key and Vertex sign-ins have no quota', async () => {
        const error = await providerErrorFrom(() => checkAuthType({security: {auth: {selectedType: 'vertex-ai'}}}));
        expect(error.kind).toBe('not-configured');
        expect(() => checkAuthType({security: {auth: {selectedType: 'oauth-personal'}}})).not.toThrow();
        expect(() => checkAuthType(undefined)).not.toThrow();
    });
});

describe('the Gemini CLI OAuth client', () => {
    it('is read from the CLI\'s oauth2.js', () => {
        expect(parseOAuthClient(OAUTH_JS)).toEqual({id: 'fixture-client.apps.googleusercontent.com',
            secret: 'FIXTURE-client-secret'});
        expect(parseOAuthClient('nothing here')).toBeNull();
    });

    it('is found from the gemini program in $PATH, through its symlink, in an npm global install', async () => {
        const root = makeTempDir();
        const pkg = `${root}/lib/node_modules/@google/gemini-cli`;
        writeFile(`${pkg}/dist/index.js`, '#!/usr/bin/env node');
        writeFile(`${pkg}/node_modules/@google/gemini-cli-core/dist/src/code_assist/oauth2.js`, OAUTH_JS);
        writeFile(`${root}/bin/.keep`, '');
        symlink(`${root}/bin/gemini`, '../lib/node_modules/@google/gemini-cli/dist/index.js');
        const env = testEnvironment(root, {PATH: `${root}/nothing:${root}/bin`});
        expect((await findOAuthClient(env, null))?.id).toBe('fixture-client.apps.googleusercontent.com');
    });

    it('prefers GEMINI_OAUTH_CLIENT_ID/SECRET', async () => {
        const env = testEnvironment(makeTempDir(), {GEMINI_OAUTH_CLIENT_ID: 'a', GEMINI_OAUTH_CLIENT_SECRET: 'b'});
        expect(await findOAuthClient(env, null)).toEqual({id: 'a', secret: 'b'});
    });
});

describe('GeminiProvider', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    let provider: GeminiProvider;
    const credsPath = (): string => `${env.homeDir}/.gemini/oauth_creds.json`;

    beforeEach(() => {
        provider = new GeminiProvider();
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir(), {GEMINI_OAUTH_CLIENT_ID: 'cid', GEMINI_OAUTH_CLIENT_SECRET: 'csecret'});
        writeFile(credsPath(), fixtureText('gemini/oauth_creds.json'));
        server.route(LOAD, {status: 200, body: fixtureJson('gemini/load-code-assist.json')});
        server.route(QUOTA, {status: 200, body: fixtureJson('gemini/quota.json')});
        server.route(TOKEN, {status: 200, body: {access_token: 'ya29.REFRESHED-in-memory', expires_in: 3599}});
    });

    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('loads the project, then asks for its quota', async () => {
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(server.requests.map(r => r.path)).toEqual([`/${LOAD}`, `/${QUOTA}`]);
        expect(server.requestsTo(QUOTA)[0]?.headers['authorization']).toBe('Bearer ya29.FIXTURE-ACCESS-TOKEN-gemini');
        expect(snapshot?.accountLabel).toBe('gemini@example.com');
        expect(snapshot?.plan).toBe('Code Assist Standard');
        expect(snapshot?.windows.length).toBe(3);
        expect(snapshot?.error).toBeNull();
    });

    it('refreshes an expired token in memory only, once, and never writes the CLI\'s file', async () => {
        writeFile(credsPath(), fixtureText('gemini/oauth_creds-expired.json'));
        await provider.fetch(fetchContext(env, http));
        await provider.fetch(fetchContext(env, http));
        expect(server.requestsTo(TOKEN).length).toBe(1);
        expect(server.requestsTo(QUOTA).map(r => r.headers['authorization']))
            .toEqual(['Bearer ya29.REFRESHED-in-memory', 'Bearer ya29.REFRESHED-in-memory']);
        expect(readFile(credsPath())).toBe(fixtureText('gemini/oauth_creds-expired.json'));
    });

    it('says "sign in again" when Google refuses the refresh', async () => {
        writeFile(credsPath(), fixtureText('gemini/oauth_creds-expired.json'));
        server.route(TOKEN, {status: 400, body: {error: 'invalid_grant'}});
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('expired');
        expect(snapshot?.error?.hint).toContain('gemini');
    });

    it('explains the end of personal-account access instead of a generic error', async () => {
        server.route(LOAD, {status: 403, body: fixtureJson('gemini/ineligible.json')});
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('not-configured');
        expect(snapshot?.error?.hint).toContain('Antigravity');
    });

    it('maps 401 to "sign in again"', async () => {
        server.route(QUOTA, {status: 401, body: {}});
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('auth');
    });

    it('says "not signed in" without credentials', async () => {
        writeFile(credsPath(), '{}');
        const [snapshot] = await provider.fetch(fetchContext(env, http));
        expect(snapshot?.error?.kind).toBe('not-configured');
        expect(server.requests.length).toBe(0);
    });

    describe('with real-world answers', () => {
        it('shows an empty quota answer calmly, keeping the plan and the account', async () => {
            server.route(QUOTA, realWorldRoute(real('quota-empty.json')));
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            expect(snapshot?.error).toBeNull();
            expect(snapshot?.windows).toEqual([]);
            expect(snapshot?.plan).toBe('Code Assist Standard');
            expect(snapshot?.accountLabel).toBe('gemini@example.com');
        });

        it('discovers the project of a free-tier account that has none and asks for its quota', async () => {
            server.route(LOAD, realWorldRoute(real('load-code-assist-free-no-project.json')));
            server.route(PROJECTS, realWorldRoute(real('cloudresourcemanager-projects.json')));
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            // The fixture sign-in has a hosted domain, so the free tier reads as Workspace.
            expect(snapshot?.plan).toBe('Workspace');
            expect(server.requestsTo(PROJECTS).length).toBe(1);
            expect(server.requestsTo(QUOTA).length).toBe(1);
            expect(snapshot?.error).toBeNull();
        });

        for (const [file, route] of [['load-code-assist-ineligible-200.json', LOAD], ['error-unsupported-client-403.json', LOAD],
            ['error-unsupported-client-403.json', QUOTA]] as const) {
            it(`points an ineligible account to Antigravity (${file} from ${route.split(':')[1]})`, async () => {
                server.route(route, realWorldRoute(real(file)));
                const [snapshot] = await provider.fetch(fetchContext(env, http));
                expect(snapshot?.error?.kind).toBe('not-configured');
                expect(snapshot?.error?.message).toContain('2026-06-18');
                expect(snapshot?.error?.hint).toContain('Antigravity');
                expect(snapshot?.plan).toBeNull();
                expect(`${snapshot?.error?.message}`).not.toContain('{');
                expect(server.requestsTo(TOKEN).length).toBe(0);
            });
        }

        it('shows Google\'s own words and appeal link for a disabled service, without a sign-in prompt or a retry', async () => {
            server.route(LOAD, realWorldRoute(real('error-tos-violation-403.json')));
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            expect(snapshot?.error?.message).toContain('violation of Terms of Service');
            expect(snapshot?.error?.hint).toContain('https://example.com/appeal-form');
            expect(snapshot?.error?.message).not.toContain('Antigravity');
            expect(server.requestsTo(TOKEN).length).toBe(0);
            expect(server.requestsTo(LOAD).length).toBe(1);
        });

        it('refreshes in memory once after a 401 with an unexpired token, retries once, and never writes the file', async () => {
            let calls = 0;
            server.route(LOAD, () => ++calls === 1 ? {status: 401, body: {}} : {status: 200, body: fixtureJson('gemini/load-code-assist.json')});
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            expect(snapshot?.error).toBeNull();
            expect(server.requestsTo(TOKEN).length).toBe(1);
            expect(server.requestsTo(QUOTA)[0]?.headers['authorization']).toBe('Bearer ya29.REFRESHED-in-memory');
            expect(readFile(credsPath())).toBe(fixtureText('gemini/oauth_creds.json'));
            // The next fetch goes on with the refreshed token: no second refresh, no second 401.
            await provider.fetch(fetchContext(env, http));
            expect(server.requestsTo(TOKEN).length).toBe(1);
            expect(calls).toBe(3);
        });

        it('retries a 401 only once', async () => {
            server.route(LOAD, {status: 401, body: {}});
            const [snapshot] = await provider.fetch(fetchContext(env, http));
            expect(snapshot?.error?.kind).toBe('auth');
            expect(server.requestsTo(LOAD).length).toBe(2);
            expect(server.requestsTo(TOKEN).length).toBe(1);
        });
    });
});

// Gemini's real-world answers (test/fixtures/CASES.md): each shape parsed as a user expects it.

describe('Gemini real-world quota answers', () => {
    const cases: {file: string; expected: [string, number][]}[] = [
        {file: 'quota-empty.json', expected: []},
        {file: 'quota-vertex-twins.json', expected: [['Pro', 0.2], ['Flash', 0.7], ['Flash-Lite', 0.2]]},
        {file: 'quota-missing-fraction.json', expected: [['Pro', 100], ['Flash', 60], ['Flash-Lite', 0]]},
        {file: 'quota-families.json', expected: [['Pro', 60], ['Flash', 25], ['Flash-Lite', 75]]},
    ];
    for (const {file, expected} of cases) {
        it(`reads ${file} as ${JSON.stringify(expected)}`, () => {
            expect(parseGeminiQuota(realWorldJson(real(file))).map(w => [w.label, Math.round(w.usedPercent * 10) / 10]))
                .toEqual(expected);
        });
    }

    it('gives each family the reset of its most-spent bucket', () => {
        const [pro] = parseGeminiQuota(realWorldJson(real('quota-families.json')));
        expect(pro?.resetsAt).toBe(Date.UTC(2100, 0, 2, 1));
    });

    it('tells flash-lite from flash, folds _vertex twins and leaves other models out', () => {
        expect(['gemini-2.5-flash-lite_vertex', 'gemini-3-flash-preview', 'gemini-3.1-pro-preview', 'gemini-embedding-001']
            .map(geminiFamily)).toEqual(['flash-lite', 'flash', 'pro', null]);
    });

    it('discovers the AI Studio project, never an unrelated or deleted one', () => {
        expect(pickGeminiProject(realWorldJson(real('cloudresourcemanager-projects.json')))).toBe('gen-lang-client-0123456789');
        expect(pickGeminiProject({projects: [{projectId: 'site'}, {projectId: 'ai', labels: {'generative-language': 'enabled'}}]}))
            .toBe('ai');
        expect(pickGeminiProject({})).toBeNull();
    });
});

describe('GeminiProvider when Google refuses to refresh the sign-in', () => {
    let server: FixtureServer;
    let http: HttpClient;
    let env: TestEnvironment;
    const credsPath = (): string => `${env.homeDir}/.gemini/oauth_creds.json`;
    const refusal = async (file: string): Promise<{kind: string; message: string; hint: string}> => {
        server.route(TOKEN, realWorldRoute(`gemini/real-world/${file}`));
        const [snapshot] = await new GeminiProvider().fetch(fetchContext(env, http));
        expect(server.requestsTo(TOKEN).length).toBe(1);
        expect(server.requestsTo(LOAD).length).toBe(0);
        expect(readFile(credsPath())).toBe(fixtureText('gemini/oauth_creds-expired.json'));
        return {kind: snapshot?.error?.kind ?? '', message: snapshot?.error?.message ?? '', hint: snapshot?.error?.hint ?? ''};
    };

    beforeEach(() => {
        server = new FixtureServer();
        http = loopbackHttp(server.baseUrl);
        env = testEnvironment(makeTempDir(), {GEMINI_OAUTH_CLIENT_ID: 'cid', GEMINI_OAUTH_CLIENT_SECRET: 'csecret'});
        writeFile(credsPath(), fixtureText('gemini/oauth_creds-expired.json'));
    });
    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('UNSUPPORTED_CLIENT: the end of personal-account access, pointing to Antigravity', async () => {
        const error = await refusal('token-refresh-unsupported-client-400.json');
        expect(error.kind).toBe('not-configured');
        expect(error.message).toContain('2026-06-18');
        expect(error.hint).toContain('Antigravity');
        expect(`${error.message} ${error.hint}`).not.toMatch(/Unexpected|400|\{/);
    });

    it('unauthorized_client: Antigravity for a personal account, a current CLI and a new sign-in otherwise', async () => {
        const error = await refusal('token-refresh-unauthorized-client-400.json');
        expect(error.kind).toBe('auth');
        expect(error.message).toContain('unauthorized_client');
        expect(error.hint).toContain('Antigravity');
        expect(error.hint).toContain('run `gemini` and sign in again');
    });

    it('invalid_client: the client in use, not "credentials rejected"', async () => {
        const error = await refusal('token-refresh-invalid-client-401.json');
        expect(error.kind).toBe('auth');
        expect(error.message).toContain('invalid_client');
        expect(error.message).not.toContain('(401)');
        // The client came from GEMINI_OAUTH_CLIENT_ID/SECRET here: those are what to check.
        expect(error.hint).toContain('GEMINI_OAUTH_CLIENT_ID');
        delete env.vars['GEMINI_OAUTH_CLIENT_ID'];
        expect(tokenRefusal({status: 401, text: '', body: realWorldJson('gemini/real-world/token-refresh-invalid-client-401.json')}, env).hint)
            .toContain('Update the Gemini CLI');
    });

    it('invalid_grant: revoked or expired, sign in again', async () => {
        const error = await refusal('token-refresh-invalid-grant-400.json');
        expect(error.kind).toBe('expired');
        expect(error.message).toContain('revoked or has expired');
        expect(error.hint).toContain('gemini');
    });

    it('another code or none: still a refusal to refresh, with the code or the status', () => {
        expect(tokenRefusal({status: 400, text: '', body: {error: 'invalid_request'}}, env).message).toContain('(invalid_request)');
        expect(tokenRefusal({status: 400, text: '', body: null}, env).message).toContain('(400)');
    });
});
