// Antigravity: discovery of its language server in a fake /proc built from the real-world
// fixtures, and its quota read from a loopback server (test/fixtures/CASES.md, Antigravity).

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {UsageSnapshot} from '../../src/core/contract.js';
import {HttpClient} from '../../src/core/http.js';
import {AntigravityProvider, QUOTA_SUMMARY_PATH, USER_STATUS_PATH, commandLineArgs, parseQuotaSummary, discoverLanguageServers,
    flagValue, isAntigravity} from '../../src/core/providers/antigravity.js';
import {FixtureServer, fixtureText} from '../support/fixtureServer.js';
import {fetchContext, makeTempDir, selfSignedCertificate, symlink, testEnvironment} from '../support/helpers.js';
import {realWorldJson, realWorldRoute} from '../support/realWorld.js';

const real = (file: string): string => `antigravity/real-world/${file}`;
const SUMMARY = QUOTA_SUMMARY_PATH.slice(1);
const STATUS = USER_STATUS_PATH.slice(1);
const IDE_TOKEN = 'FIXTURE-ide-csrf-0000-000000000002';

interface FixtureProcess {
    pid: number;
    cmdline: string;
    expect_antigravity: boolean;
    expect_csrf_token?: string | null;
    expect_extension_server_port?: number | null;
}
const PROCESSES = (realWorldJson(real('proc-cmdlines.json')) as {processes: FixtureProcess[]}).processes;

/** Writes bytes as they are: a command line holds NULs. */
function writeBytes(path: string, text: string): void {
    GLib.mkdir_with_parents(GLib.path_get_dirname(path), 0o700);
    GLib.file_set_contents(path, new TextEncoder().encode(text));
}

/** A /proc tree: each process's cmdline and fd links, and the tcp and tcp6 tables. */
function fakeProc(processes: {pid: number; cmdline: string; fds?: Record<string, string>}[], tcp: string, tcp6 = ''): string {
    const root = GLib.build_filenamev([makeTempDir(), 'proc']);
    for (const {pid, cmdline, fds} of processes) {
        writeBytes(`${root}/${pid}/cmdline`, cmdline);
        GLib.mkdir_with_parents(`${root}/${pid}/fd`, 0o700);
        for (const [fd, target] of Object.entries(fds ?? {}))
            symlink(`${root}/${pid}/fd/${fd}`, target);
    }
    writeBytes(`${root}/net/tcp`, tcp);
    writeBytes(`${root}/net/tcp6`, tcp6);
    return root;
}

/** The fixture's fd links of pid 4201 (`11 -> socket:[884201]`). */
function fixtureFds(): Record<string, string> {
    const links = fixtureText(real('proc-4201-fd-links.txt')).split('\n').filter(line => line.includes(' -> ') && !line.startsWith('#'));
    return Object.fromEntries(links.map(line => line.split(' -> ') as [string, string]));
}

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const listenRow = (port: number, inode: number): string =>
    `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

describe('Antigravity discovery', () => {
    for (const process of PROCESSES) {
        it(`${process.expect_antigravity ? 'accepts' : 'refuses'} pid ${process.pid} (${process.cmdline.split('\0')[0]})`, () => {
            const argv = commandLineArgs(process.cmdline);
            expect(isAntigravity(argv)).toBe(process.expect_antigravity);
            if (process.expect_antigravity) {
                expect(flagValue(argv, 'csrf_token')).toBe(process.expect_csrf_token ?? null);
                const port = flagValue(argv, 'extension_server_port');
                expect(port === null ? null : Number(port)).toBe(process.expect_extension_server_port ?? null);
            }
        });
    }

    it('splits the exact command line bytes on NUL, not on spaces', () => {
        const argv = commandLineArgs(fixtureText(real('proc-4201-cmdline.bin')));
        expect(argv.length).toBe(14);
        expect(argv[13]).toBe('https://cloudcode-pa.googleapis.com');
    });

    it('finds the servers in /proc with their tokens and the ports they listen on, extension port last', async () => {
        const root = fakeProc(PROCESSES.map(p => p.pid === 4201
            ? {pid: p.pid, cmdline: fixtureText(real('proc-4201-cmdline.bin')), fds: fixtureFds()}
            : {pid: p.pid, cmdline: p.cmdline}),
        fixtureText(real('proc-net-tcp.txt')), fixtureText(real('proc-net-tcp6.txt')));
        const servers = await discoverLanguageServers(root, null);
        expect(servers.map(s => [s.pid, s.csrfToken, s.extensionServerPort])).toEqual([
            [4200, 'FIXTURE-app-csrf-0000-000000000001', null], [4201, IDE_TOKEN, 44847],
            [4202, 'FIXTURE-ide-csrf-0000-000000000004', 33017], [4203, null, null], [4204, null, null]]);
        // HTTPS on its own ports, the ESTABLISHED socket and other processes' ports left out; its extension port last, over HTTP.
        expect(servers[1]?.endpoints).toEqual(['https://127.0.0.1:44883', 'https://[::1]:44884', 'http://127.0.0.1:44847']);
        expect(servers[0]?.endpoints).toEqual([]);
    });

    it('finds nothing when /proc cannot be read', async () => {
        expect(await discoverLanguageServers(GLib.build_filenamev([makeTempDir(), 'missing']), null)).toEqual([]);
    });
});

describe('parseQuotaSummary()', () => {
    it('names an unnamed group by its buckets\' prefix, and a prefix that is no group by the bucket (Object\'s own names too)', () => {
        const bucket = (bucketId: string): unknown => ({bucketId, remaining: {remainingFraction: 0.5}});
        const quota = parseQuotaSummary({groups: [{buckets: [bucket('gemini-5h')]}, {buckets: [bucket('constructor-5h'), bucket('toString-weekly')]}]});
        expect(quota.windows.map(w => w.label)).toEqual(['Gemini 5h', 'constructor-5h 5h', 'toString-weekly weekly']);
    });
});

describe('AntigravityProvider', () => {
    let server: FixtureServer;
    let http: HttpClient;
    const env = testEnvironment('/nonexistent');
    const port = (): number => Number(/:(\d+)$/.exec(server.baseUrl)?.[1]);
    /** The IDE's language server, its extension server port (asked over plain HTTP) the fixture server's. */
    const ide = (): AntigravityProvider => new AntigravityProvider(fakeProc([{pid: 4201,
        cmdline: fixtureText(real('proc-4201-cmdline.bin')).replace('44847', String(port())),
        fds: {'11': 'socket:[900001]', '3': 'pipe:[12]'}}], TCP_HEADER + listenRow(port(), 900001)));
    const fetchOne = async (provider: AntigravityProvider): Promise<UsageSnapshot> => {
        const [snapshot, ...more] = await provider.fetch(fetchContext(env, http));
        if (snapshot === undefined || more.length > 0)
            throw new Error('expected one snapshot');
        return snapshot;
    };
    const rows = (snapshot: UsageSnapshot): [string, number][] =>
        snapshot.windows.map(w => [w.label, Math.round(w.usedPercent * 10) / 10]);

    beforeEach(() => {
        server = new FixtureServer();
        http = new HttpClient('ai-usage-meter/spec', {readTimeoutSeconds: 5, deadlineSeconds: 10});
    });

    afterEach(() => {
        http.destroy();
        server.destroy();
    });

    it('posts an empty Connect request with the CSRF token, and reads the plan from GetUserStatus', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-object.json')));
        server.route(STATUS, realWorldRoute(real('get-user-status.json')));
        const snapshot = await fetchOne(ide());
        expect(snapshot.error).toBeNull();
        expect(rows(snapshot)).toEqual([['Gemini 5h', 9], ['Gemini weekly', 18], ['Claude and GPT 5h', 27],
            ['Claude and GPT weekly', 36]]);
        expect(snapshot.windows.map(w => w.windowSeconds)).toEqual([18000, 604800, 18000, 604800]);
        expect(snapshot.windows[0]?.resetsAt).toBe(Date.UTC(2100, 0, 1, 11, 39, 34));
        expect(snapshot.plan).toBe('Google AI Ultra');
        expect(snapshot.accountLabel).toBe('fixture@example.com');
        const [request] = server.requestsTo(SUMMARY);
        expect(request?.method).toBe('POST');
        expect(request?.headers['x-codeium-csrf-token']).toBe(IDE_TOKEN);
        expect(request?.headers['connect-protocol-version']).toBe('1');
        expect(request?.headers['content-type']).toBe('application/json');
        expect(JSON.stringify(snapshot)).not.toContain(IDE_TOKEN);
    });

    it('asks the server that answered last again without searching /proc, until its process changes', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-object.json')));
        const cmdline = fixtureText(real('proc-4201-cmdline.bin')).replace('44847', String(port()));
        const root = fakeProc([{pid: 4201, cmdline}], TCP_HEADER);
        const provider = new AntigravityProvider(root);
        expect((await fetchOne(provider)).error).toBeNull();
        // A second server, found first by a search (lower pid): the one that answered is asked still.
        const OTHER_TOKEN = 'FIXTURE-other-csrf-0000-000000000009';
        writeBytes(`${root}/4100/cmdline`, cmdline.replace(IDE_TOKEN, OTHER_TOKEN));
        expect((await fetchOne(provider)).error).toBeNull();
        // The process under pid 4201 is another one now: /proc is searched again.
        writeBytes(`${root}/4201/cmdline`, cmdline.replace(IDE_TOKEN, 'FIXTURE-new-csrf-0000-000000000010'));
        expect((await fetchOne(provider)).error).toBeNull();
        expect(server.requestsTo(SUMMARY).map(r => r.headers['x-codeium-csrf-token'])).toEqual([IDE_TOKEN, IDE_TOKEN, OTHER_TOKEN]);
    });

    it('reads the {case, value} shape and leaves an unknown case unreported, not 0 % or 100 %', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-oneof.json')));
        const snapshot = await fetchOne(ide());
        expect(rows(snapshot)).toEqual([['Gemini 5h', 75], ['Gemini weekly', 50], ['Claude and GPT weekly', 0]]);
        expect(snapshot.note).toContain('Claude and GPT 5h');
        expect(snapshot.plan).toBeNull();
    });

    it('reads the flat shape without a wrapper, leaving disabled and other-cadence buckets out', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-flat.json')));
        const snapshot = await fetchOne(ide());
        expect(rows(snapshot)).toEqual([['Gemini 5h', 25], ['Gemini weekly', 40], ['Claude and GPT 5h', 70]]);
        expect(snapshot.note).toBeNull();
    });

    it('shows a bucket without its fraction but with a reset as exhausted, one with neither as unreported', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-exhausted-and-unknown.json')));
        const snapshot = await fetchOne(ide());
        expect(rows(snapshot)).toEqual([['Gemini 5h', 100]]);
        expect(snapshot.windows[0]?.resetsAt).toBe(Date.UTC(2100, 0, 1, 11, 39, 34));
        expect(snapshot.note).toContain('Gemini weekly');
    });

    it('says Antigravity is signed out on a Connect UNAUTHENTICATED body', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-unauthenticated.json')));
        const snapshot = await fetchOne(ide());
        expect(snapshot.error?.kind).toBe('auth');
        expect(snapshot.error?.message).toContain('Signed out of Antigravity');
        expect(snapshot.windows).toEqual([]);
    });

    it('falls back to GetUserStatus when an older IDE answers 404: one limit per model, the plan from userTier', async () => {
        server.route(SUMMARY, realWorldRoute(real('ide-quota-summary-404.txt')));
        server.route(STATUS, realWorldRoute(real('get-user-status.json')));
        const snapshot = await fetchOne(ide());
        expect(snapshot.error).toBeNull();
        expect(rows(snapshot)).toEqual([['Gemini 3 Pro High', 10], ['Gemini 3 Flash', 0], ['Claude Sonnet 4.6 (Thinking)', 100]]);
        expect(snapshot.windows[2]?.resetsAt).toBe(Date.UTC(2100, 0, 6, 10));
        expect(snapshot.note).toContain('GPT-OSS 120B (Medium)');
        expect(snapshot.plan).toBe('Google AI Ultra');
        expect(server.requestsTo(STATUS)[0]?.headers['x-codeium-csrf-token']).toBe(IDE_TOKEN);
    });

    it('is calmly not configured when nothing runs, and never asks Windsurf', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-object.json')));
        const windsurf = (PROCESSES.find(p => p.pid === 4205)?.cmdline ?? '').replace('36381', String(port()));
        for (const cmdline of [null, windsurf]) {
            const provider = new AntigravityProvider(fakeProc(cmdline === null ? []
                : [{pid: 4205, cmdline, fds: {'9': 'socket:[900001]'}}], TCP_HEADER + listenRow(port(), 900001)));
            const snapshot = await fetchOne(provider);
            expect(snapshot.error?.kind).toBe('not-configured');
            expect(snapshot.error?.message).toBe('Antigravity is not running.');
            expect(snapshot.error?.hint).toContain('agy');
            expect((await provider.diagnose())[0]?.status).toBe('warn');
        }
        expect(server.requests).toEqual([]);
    });

    it('tells doctor where the server listens, never its token', async () => {
        const findings = await ide().diagnose();
        expect(findings.map(f => f.status)).toEqual(['ok']);
        expect(findings[0]?.detail).toContain(String(port()));
        expect(JSON.stringify(findings)).not.toContain(IDE_TOKEN);
    });

    it('names the server in the preferences, and says when none runs', async () => {
        const signIn = await ide().prefs.readDefault(env, new Gio.Cancellable());
        expect(signIn.source).toContain('/antigravity/bin/language_server_linux_x64');
        await expectAsync(new AntigravityProvider(fakeProc([], '')).prefs.readDefault(env, new Gio.Cancellable()))
            .toBeRejectedWithError('Antigravity is not running.');
    });
});

describe('AntigravityProvider over HTTPS', () => {
    let server: FixtureServer;
    const clients: HttpClient[] = [];
    const client = (): HttpClient => {
        const http = new HttpClient('ai-usage-meter/spec', {readTimeoutSeconds: 5, deadlineSeconds: 10});
        clients.push(http);
        return http;
    };

    beforeEach(() => {
        server = new FixtureServer(selfSignedCertificate());
    });

    afterEach(() => {
        for (const http of clients.splice(0))
            http.destroy();
        server.destroy();
    });

    it('asks the `agy` server on the port it listens on, with its self-signed certificate and no token', async () => {
        server.route(SUMMARY, realWorldRoute(real('quota-summary-flat.json')));
        const port = Number(/:(\d+)$/.exec(server.baseUrl)?.[1]);
        const agy = PROCESSES.find(p => p.pid === 4203)?.cmdline ?? '';
        const provider = new AntigravityProvider(fakeProc([{pid: 4203, cmdline: agy, fds: {'5': 'socket:[900001]'}}],
            TCP_HEADER + listenRow(port, 900001)));
        const [snapshot] = await provider.fetch(fetchContext(testEnvironment('/nonexistent'), client()));
        expect(snapshot?.error).toBeNull();
        expect(snapshot?.windows.length).toBe(3);
        expect(server.requestsTo(SUMMARY)[0]?.headers['x-codeium-csrf-token']).toBeUndefined();
    });

    it('refuses that certificate to a request that did not ask for it', async () => {
        await expectAsync(client().request({url: `${server.baseUrl}/${SUMMARY}`}, new Gio.Cancellable()))
            .toBeRejectedWithError(/Could not reach the server/);
    });
});
