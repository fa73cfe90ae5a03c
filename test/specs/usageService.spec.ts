import Gio from 'gi://Gio';

import {SnapshotCache} from '../../src/core/cache.js';
import {emptySnapshot} from '../../src/core/contract.js';
import type {UsageSnapshot} from '../../src/core/contract.js';
import {ProviderError} from '../../src/core/errors.js';
import {readTextFile} from '../../src/core/files.js';
import {HttpClient} from '../../src/core/http.js';
import {errorSnapshot} from '../../src/core/provider.js';
import type {Finding} from '../../src/core/diagnosis.js';
import type {FetchContext, Provider} from '../../src/core/provider.js';
import {UsageService, sortSnapshots} from '../../src/core/usageService.js';
import type {MeterState} from '../../src/core/usageService.js';
import type {TestEnvironment} from '../support/helpers.js';
import {delay, makeTempDir, testEnvironment, writeFile} from '../support/helpers.js';

function snapshot(accountId: string, label: string, used: number, updatedAt: number): UsageSnapshot {
    return {
        ...emptySnapshot('claude', accountId, label),
        windows: [{id: 'five_hour', label: '5h', usedPercent: used, resetsAt: null, windowSeconds: 18000}],
        updatedAt,
    };
}

/** A provider whose answers the spec scripts; it records each fetch context. */
class ScriptedProvider implements Provider {
    readonly id = 'claude';
    readonly name = 'Claude';
    readonly links = {usage: 'https://example.invalid/usage', status: null};
    readonly billing = false;
    readonly refetchOn = [];
    readonly endpoints = [];
    readonly prefs = {kind: 'copilot', page: 'providers', title: '', description: '', switchTitle: '', switchSubtitle: ''} as const;
    readonly contexts: FetchContext[] = [];
    answer: (ctx: FetchContext) => Promise<UsageSnapshot[]> = () => Promise.resolve([]);

    constructor(private readonly _watched: string[] = []) {}

    watchedPaths(): string[] {
        return this._watched;
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        this.contexts.push(ctx);
        return this.answer(ctx);
    }

    diagnose(): Promise<Finding[]> {
        return Promise.resolve([]);
    }
}

/** Waits until the fetch is cancelled, then fails the way real I/O does (a CANCELLED GLib.Error). */
async function untilCancelled(ctx: FetchContext): Promise<UsageSnapshot[]> {
    while (!ctx.cancellable.is_cancelled())
        await delay(5);
    await readTextFile('/proc/self/status', ctx.cancellable);
    throw new Error('a cancelled read should have thrown');
}

describe('UsageService', () => {
    let home: string;
    let env: TestEnvironment;
    let provider: ScriptedProvider;
    let service: UsageService;
    let states: MeterState[];
    let unexpected: unknown[];

    function makeService(cache: SnapshotCache | null = null, watched: string[] = []): UsageService {
        provider = new ScriptedProvider(watched);
        const created = new UsageService({
            providers: [provider], env, http: new HttpClient('spec'), cache,
            onError: error => unexpected.push(error),
        });
        created.subscribe(state => states.push(state));
        return created;
    }

    beforeEach(() => {
        home = makeTempDir();
        env = testEnvironment(home);
        states = [];
        unexpected = [];
        service = makeService();
    });

    afterEach(() => {
        service.destroy();
        expect(unexpected).toEqual([]);
    });

    it('publishes the providers\' snapshots sorted by account label, case-insensitively', async () => {
        provider.answer = () => Promise.resolve([snapshot('b', 'zed', 1, 1), snapshot('a', 'Bob', 2, 1),
            snapshot('c', 'alice', 3, 1)]);
        await service.start(['claude'], 300);
        expect(service.state.snapshots.map(s => s.accountLabel)).toEqual(['alice', 'Bob', 'zed']);
        expect(service.state.refreshing).toBeFalse();
        expect(states.some(s => s.refreshing)).toBeTrue();
    });

    it('keeps the last data, marked stale, when an account fails, with the new error', async () => {
        provider.answer = () => Promise.resolve([snapshot('a', 'alice', 40, 1000)]);
        await service.start(['claude'], 300);
        provider.answer = () => Promise.resolve([errorSnapshot('claude', 'a', 'alice',
            new ProviderError('network', 'offline', 'check the network'))]);
        await service.refresh(false);
        const [kept] = service.state.snapshots;
        expect(kept?.stale).toBeTrue();
        expect(kept?.windows[0]?.usedPercent).toBe(40);
        expect(kept?.updatedAt).toBe(1000);
        expect(kept?.error?.kind).toBe('network');
    });

    it('prefers a failing account\'s own fallback data when it is newer than what it had', async () => {
        provider.answer = () => Promise.resolve([snapshot('a', 'alice', 40, 1000)]);
        await service.start(['claude'], 300);
        const fromLog = {...snapshot('a', 'alice', 55, 2000), stale: true, source: 'session log',
            error: {kind: 'auth' as const, message: 'm', hint: 'h', retryAt: null}};
        provider.answer = () => Promise.resolve([fromLog]);
        await service.refresh(false);
        expect(service.state.snapshots[0]?.windows[0]?.usedPercent).toBe(55);
        provider.answer = () => Promise.resolve([{...fromLog, updatedAt: 500}]);
        await service.refresh(false);
        expect(service.state.snapshots[0]?.windows[0]?.usedPercent).toBe(55);
        expect(service.state.snapshots[0]?.updatedAt).toBe(2000);
    });

    it('applies the names the user gave accounts, at once and to later refreshes', async () => {
        provider.answer = () => Promise.resolve([snapshot('/a', 'alice@example.com', 1, 1), snapshot('/b', 'bob', 2, 1)]);
        await service.start(['claude'], 300);
        service.setAccountNames(new Map([['claude:/b', 'Aardvark']]));
        expect(service.state.snapshots.map(s => s.accountLabel)).toEqual(['Aardvark', 'alice@example.com']);
        await service.refresh(false);
        expect(service.state.snapshots.map(s => s.accountLabel)).toEqual(['Aardvark', 'alice@example.com']);
    });

    it('shows an error alone when there never was data', async () => {
        provider.answer = () => Promise.resolve([errorSnapshot('claude', 'a', 'alice',
            new ProviderError('not-configured', 'Not signed in', 'run claude'))]);
        await service.start(['claude'], 300);
        expect(service.state.snapshots[0]?.error?.kind).toBe('not-configured');
        expect(service.state.snapshots[0]?.stale).toBeFalse();
    });

    it('passes "manual" through so a user refresh may bypass a rate-limit pause', async () => {
        await service.start(['claude'], 300);
        await service.refresh(true);
        expect(provider.contexts.map(c => c.manual)).toEqual([false, true]);
    });

    it('runs refreshes asked for during another one once, right after it, without cancelling it', async () => {
        await service.start(['claude'], 300);
        let answered = 0;
        provider.answer = async () => {
            await delay(50);
            answered++;
            return [snapshot('a', 'alice', answered, answered)];
        };
        const first = service.refresh(false);
        const second = service.refresh(false);
        const third = service.refresh(true);
        expect(third).toBe(second);
        await Promise.all([first, second, third]);
        expect(provider.contexts.length).toBe(3);
        expect(provider.contexts[1]?.cancellable.is_cancelled()).toBeFalse();
        expect(provider.contexts[2]?.manual).toBeTrue();
        expect(service.state.snapshots[0]?.windows[0]?.usedPercent).toBe(2);
        expect(service.state.refreshing).toBeFalse();
    });

    it('cancels everything in flight on destroy and publishes nothing after it', async () => {
        await service.start(['claude'], 300);
        provider.answer = untilCancelled;
        const pending = service.refresh(false);
        const published = states.length;
        service.destroy();
        await pending;
        expect(provider.contexts[1]?.cancellable.is_cancelled()).toBeTrue();
        expect(states.length).toBe(published);
        await service.refresh(true);
        expect(provider.contexts.length).toBe(2);
    });

    it('fetches nothing for disabled providers and drops their cards', async () => {
        provider.answer = () => Promise.resolve([snapshot('a', 'alice', 1, 1)]);
        await service.start(['claude'], 300);
        service.setEnabledProviders([]);
        expect(service.state.snapshots).toEqual([]);
        await service.refresh(true);
        expect(provider.contexts.length).toBe(1);
    });

    it('shows cached data as stale at once, then replaces it with fresh data', async () => {
        const cache = new SnapshotCache(env.cacheDir);
        await cache.save([snapshot('a', 'alice', 55, 500)], {}, null);
        service.destroy();
        service = makeService(cache);
        let release: () => void = () => undefined;
        // The fetch starts only after the cached snapshots were published: once it is asked
        // for, the stale state is on screen, whatever the machine's load.
        const asked = new Promise<void>(fetching => {
            provider.answer = () => new Promise(resolve => {
                release = () => resolve([snapshot('a', 'alice', 60, 2000)]);
                fetching();
            });
        });
        const started = service.start(['claude'], 300);
        await asked;
        expect(service.state.snapshots[0]?.stale).toBeTrue();
        expect(service.state.snapshots[0]?.windows[0]?.usedPercent).toBe(55);
        release();
        await started;
        expect(service.state.snapshots[0]?.stale).toBeFalse();
        expect(service.state.snapshots[0]?.windows[0]?.usedPercent).toBe(60);
        expect((await cache.load(null)).snapshots[0]?.updatedAt).toBe(2000);
    });

    it('keeps a rate-limit pause across a restart, so a new session does not hit the endpoint again', async () => {
        const cache = new SnapshotCache(env.cacheDir);
        service.destroy();
        service = makeService(cache);
        provider.answer = ctx => {
            ctx.gate.recordRateLimit('token-fingerprint', env.clock, env.clock + 3_600_000);
            return Promise.resolve([snapshot('a', 'alice', 1, 1)]);
        };
        await service.start(['claude'], 300);
        service.destroy();
        service = makeService(cache);
        let blocked = null as number | null;
        provider.answer = ctx => {
            blocked = ctx.gate.blockedUntil('token-fingerprint', env.clock);
            return Promise.resolve([]);
        };
        await service.start(['claude'], 300);
        expect(blocked).toBe(env.clock + 3_600_000);
    });

    it('refreshes when a watched credentials file changes, and stops watching on destroy', async () => {
        const path = `${home}/.claude/.credentials.json`;
        writeFile(path, '{}');
        service.destroy();
        service = makeService(null, [path]);
        await service.start(['claude'], 300);
        writeFile(`${path}.new`, '{"rotated": true}');
        Gio.File.new_for_path(`${path}.new`).move(Gio.File.new_for_path(path), Gio.FileCopyFlags.OVERWRITE, null, null);
        await delay(1500);
        expect(provider.contexts.length).toBe(2);
        service.destroy();
        writeFile(path, '{"again": true}');
        await delay(1500);
        expect(provider.contexts.length).toBe(2);
    });
});

describe('sortSnapshots()', () => {
    it('orders by provider, then label ignoring case, then account id', () => {
        const sorted = sortSnapshots([snapshot('2', 'Same', 1, 1), snapshot('1', 'same', 1, 1), snapshot('3', 'a', 1, 1),
            {...snapshot('0', 'a', 1, 1), provider: 'codex'}], ['codex', 'claude']);
        expect(sorted.map(s => s.accountId)).toEqual(['0', '3', '1', '2']);
    });
});
