import {billingKey, fetchAllPages, fetchReports, withQuery} from '../../src/core/billing.js';
import {ProviderError} from '../../src/core/errors.js';
import {SecretStore} from '../../src/core/secrets.js';
import {FixtureServer} from '../support/fixtureServer.js';
import {fetchContext, loopbackHttp, makeTempDir, testEnvironment} from '../support/helpers.js';

const REPORT = 'api.example.test/v1/report';
const HINTS = {unauthorized: 'check the key'};

describe('withQuery()', () => {
    it('encodes report parameters, brackets included', () => {
        expect(withQuery('https://x/r', [['group_by[]', 'model'], ['starting_at', '2026-11-01T00:00:00.000Z']]))
            .toBe('https://x/r?group_by%5B%5D=model&starting_at=2026-11-01T00%3A00%3A00.000Z');
        expect(withQuery('https://x/r', [])).toBe('https://x/r');
    });
});

describe('billingKey()', () => {
    const secrets = new SecretStore();
    afterEach(async () => {
        await secrets.clear('openai', 'admin-key');
    });

    it('takes the first variable set, without its quotes, before the keyring', async () => {
        await secrets.store('openai', 'admin-key', 'test', 'sk-admin-KEYRING');
        const env = testEnvironment(makeTempDir(), {SECOND: " 'sk-admin-QUOTED' "});
        expect(await billingKey(env, secrets, 'openai', ['FIRST', 'SECOND'])).toEqual({key: 'sk-admin-QUOTED', source: '$SECOND'});
        expect(await billingKey(testEnvironment(makeTempDir(), {FIRST: '""'}), secrets, 'openai', ['FIRST']))
            .toEqual({key: 'sk-admin-KEYRING', source: 'keyring'});
    });

    it('is null when neither a variable nor the keyring has one', async () => {
        expect(await billingKey(testEnvironment(makeTempDir()), secrets, 'openai', ['FIRST'])).toBeNull();
    });
});

describe('fetchAllPages()', () => {
    let server: FixtureServer;
    beforeEach(() => {
        server = new FixtureServer();
    });
    afterEach(() => server.destroy());
    const read = (): Promise<unknown[]> => fetchAllPages(fetchContext(testEnvironment(makeTempDir()), loopbackHttp(server.baseUrl)),
        'sk-key', `https://${REPORT}`, [['bucket_width', '1d']], {Authorization: 'Bearer sk-key'}, HINTS);

    it('follows next_page while has_more, sending it back as page, and keeps the items in order', async () => {
        server.route(REPORT, query => ({status: 200, body: query['page'] === undefined
            ? {data: [{n: 1}, 'not an object'], has_more: true, next_page: 'p2'}
            : query['page'] === 'p2' ? {data: [{n: 2}], has_more: true, next_page: 'p3'} : {data: [{n: 3}], has_more: false}}));
        expect(await read()).toEqual([{n: 1}, {n: 2}, {n: 3}]);
        expect(server.requestsTo(REPORT).map(r => [r.query['page'] ?? null, r.query['bucket_width']]))
            .toEqual([[null, '1d'], ['p2', '1d'], ['p3', '1d']]);
    });

    it('stops at a cursor it has followed before, with what it read', async () => {
        server.route(REPORT, query => ({status: 200, body: {data: [{page: query['page'] ?? 'first'}], has_more: true,
            next_page: query['page'] === 'a' ? 'b' : 'a'}}));
        expect(await read()).toEqual([{page: 'first'}, {page: 'a'}, {page: 'b'}]);
        expect(server.requestsTo(REPORT).length).toBe(3);
    });

    it('stops after 50 pages of a server that never ends', async () => {
        server.route(REPORT, query => ({status: 200, body: {data: [{}], has_more: true, next_page: `${Number(query['page'] ?? 0) + 1}`}}));
        expect((await read()).length).toBe(50);
    });

    it('fails on an answer without a data list', async () => {
        server.route(REPORT, {status: 200, body: {items: []}});
        await expectAsync(read()).toBeRejectedWithError(ProviderError, /no data list/);
    });
});

describe('fetchReports()', () => {
    const failing = (label: string, kind: 'server' | 'auth'): {label: string; read: () => Promise<never>} =>
        ({label, read: () => Promise.reject(new ProviderError(kind, `${label} broke`, `fix ${label}`))});

    it('keeps the reports that arrived and names the ones that failed', async () => {
        const read = await fetchReports([failing('cost report', 'server'), {label: 'usage report', read: () => Promise.resolve([{a: 1}])}]);
        expect(read.items).toEqual([null, [{a: 1}]]);
        expect(read.failure?.kind).toBe('server');
        expect(read.failure?.message).toBe('Not shown: the cost report (cost report broke).');
        expect(read.failure?.hint).toBe('fix cost report');
    });

    it('rejects with the first error when every report failed, and passes other errors through', async () => {
        await expectAsync(fetchReports([failing('cost report', 'auth'), failing('usage report', 'server')]))
            .toBeRejectedWith(jasmine.objectContaining({kind: 'auth', message: 'cost report broke'}));
        await expectAsync(fetchReports([{label: 'x', read: () => Promise.reject(new TypeError('bug'))}])).toBeRejectedWithError(TypeError);
    });

    it('has no failure when every report arrived', async () => {
        const read = await fetchReports([{label: 'a', read: () => Promise.resolve([])}, {label: 'b', read: () => Promise.resolve([{}])}]);
        expect(read).toEqual({items: [[], [{}]], failure: null});
    });
});
