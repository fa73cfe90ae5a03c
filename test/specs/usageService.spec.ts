import Gio from 'gi://Gio';

import {SnapshotCache} from '../../src/core/cache.js';
import {emptySnapshot} from '../../src/core/contract.js';
import type {ProviderId, UsageSnapshot} from '../../src/core/contract.js';
import {ProviderError} from '../../src/core/errors.js';
import {readTextFile} from '../../src/core/files.js';
import {HttpClient} from '../../src/core/http.js';
import {errorSnapshot} from '../../src/core/provider.js';
import type {Finding} from '../../src/core/diagnosis.js';
import type {FetchContext, Provider} from '../../src/core/provider.js';
import {UsageService, saneSnapshot, sortSnapshots} from '../../src/core/usageService.js';
import type {MeterState} from '../../src/core/usageService.js';
import type {TestEnvironment} from '../support/helpers.js';
import {delay, makeTempDir, removeTree, testEnvironment, UNSHOWN_PREFS, until, writeFile} from '../support/helpers.js';

function snapshot(accountId: string, label: string, used: number, updatedAt: number): UsageSnapshot {
    return {
        ...emptySnapshot('claude', accountId, label),
        windows: [{id: 'five_hour', label: '5h', usedPercent: used, resetsAt: null, windowSeconds: 18000}],
        updatedAt,
    };
}

/** A provider whose answers the spec scripts; it records each fetch context. */
class ScriptedProvider implements Provider {
    readonly name: string;
    readonly links = {usage: 'https://example.invalid/usage', status: null};
    readonly billing = false;
    readonly refetchOn = [];
    readonly endpoints = [];
    readonly prefs = UNSHOWN_PREFS;
    readonly contexts: FetchContext[] = [];
    answer: (ctx: FetchContext) => Promise<UsageSnapshot[]> = () => Promise.resolve([]);

    constructor(private readonly _watched: string[] = [], readonly id: ProviderId = 'claude') {
        this.name = id;
    }

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
        removeTree(home);
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
        await Promise.all([first, second, third]);
        expect(provider.contexts.length).toBe(3);
        expect(provider.contexts[1]?.cancellable.is_cancelled()).toBeFalse();
        expect(provider.contexts[2]?.manual).toBeTrue();
        expect(service.state.snapshots[0]?.windows[0]?.usedPercent).toBe(2);
        expect(service.state.refreshing).toBeFalse();
    });

    it('cancels everything in flight on destroy and publishes nothing after it', async () => {
        await service.start(['claude'], 300);
        const fetching = new Promise<void>(started => {
            provider.answer = ctx => {
                started();
                return untilCancelled(ctx);
            };
        });
        const pending = service.refresh(false);
        await fetching;
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
        await cache.save([snapshot('a', 'alice', 55, 500)], null);
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
        expect((await cache.load(null))[0]?.updatedAt).toBe(2000);
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

    it('keeps a failure back-off across a restart, so a new session does not try a failing endpoint at once', async () => {
        const cache = new SnapshotCache(env.cacheDir);
        service.destroy();
        service = makeService(cache);
        const error = new ProviderError('server', 'The server had a problem (503).', 'This is usually temporary.');
        let until = 0;
        provider.answer = ctx => {
            until = ctx.gate.recordFailure('token-fingerprint /usage', env.clock, env.clock, error);
            return Promise.resolve([snapshot('a', 'alice', 1, 1)]);
        };
        await service.start(['claude'], 300);
        service.destroy();
        service = makeService(cache);
        let backingOff = null as {error: ProviderError; until: number} | null;
        provider.answer = ctx => {
            backingOff = ctx.gate.backingOff('token-fingerprint /usage', env.clock, false);
            return Promise.resolve([]);
        };
        env.clock += 60_000;
        await service.start(['claude'], 300);
        expect(backingOff?.until).toBe(until);
        expect(backingOff?.error.message).toBe(error.message);
    });

    it('refreshes when a watched credentials file changes, and stops watching on destroy', async () => {
        const path = `${home}/.claude/.credentials.json`;
        writeFile(path, '{}');
        service.destroy();
        service = makeService(null, [path]);
        await service.start(['claude'], 300);
        writeFile(`${path}.new`, '{"rotated": true}');
        Gio.File.new_for_path(`${path}.new`).move(Gio.File.new_for_path(path), Gio.FileCopyFlags.OVERWRITE, null, null);
        await until(() => provider.contexts.length >= 2, 5000);
        expect(provider.contexts.length).toBe(2);
        service.destroy();
        writeFile(path, '{"again": true}');
        await delay(1500); // nothing may come of it: only waiting can show that
        expect(provider.contexts.length).toBe(2);
    });
});

describe('UsageService with several providers', () => {
    let env: TestEnvironment;
    let claude: ScriptedProvider;
    let codex: ScriptedProvider;
    let service: UsageService;
    let unexpected: unknown[];
    const of = (id: ProviderId, used: number, updatedAt: number): UsageSnapshot =>
        ({...snapshot('a', 'alice', used, updatedAt), provider: id});
    const shown = (id: ProviderId): UsageSnapshot | undefined => service.state.snapshots.find(s => s.provider === id);
    /** Resolves once the service has published a state where `holds()` is true (at once if it is). */
    const published = (holds: () => boolean): Promise<void> => new Promise(resolve => {
        if (holds()) {
            resolve();
            return;
        }
        const unsubscribe = service.subscribe(() => {
            if (holds()) {
                unsubscribe();
                resolve();
            }
        });
    });

    beforeEach(() => {
        env = testEnvironment('/nonexistent');
        unexpected = [];
        claude = new ScriptedProvider([], 'claude');
        codex = new ScriptedProvider([], 'codex');
        service = new UsageService({providers: [claude, codex], env, http: new HttpClient('spec'), cache: null,
            onError: error => unexpected.push(error), providerDeadlineMs: 200});
    });
    afterEach(() => service.destroy());

    it('publishes the others when one provider throws, and shows that one\'s failure on its card', async () => {
        claude.answer = () => Promise.resolve([of('claude', 10, 1)]);
        codex.answer = () => Promise.resolve([of('codex', 20, 1)]);
        await service.start(['claude', 'codex'], 300);
        claude.answer = () => Promise.reject(new TypeError('date is null'));
        codex.answer = () => Promise.resolve([of('codex', 25, 2)]);
        await service.refresh(false);
        expect(shown('codex')?.windows[0]?.usedPercent).toBe(25);
        expect(shown('claude')?.error?.kind).toBe('internal');
        expect(shown('claude')?.stale).toBeTrue();
        expect(shown('claude')?.windows[0]?.usedPercent).toBe(10);
        expect(unexpected.length).toBe(1);
    });

    it('does not let a stalled provider hold back another, nor the manual Refresh, and shows the late answer', async () => {
        claude.answer = () => Promise.resolve([of('claude', 10, 1)]);
        codex.answer = () => Promise.resolve([of('codex', 20, 1)]);
        await service.start(['claude', 'codex'], 300);
        let release: () => void = () => undefined;
        claude.answer = () => new Promise(resolve => {
            release = () => resolve([of('claude', 11, 3)]);
        });
        codex.answer = () => Promise.resolve([of('codex', 21, 2)]);
        const stalled = service.refresh(false);
        await published(() => shown('codex')?.windows[0]?.usedPercent === 21);
        codex.answer = () => Promise.resolve([of('codex', 22, 3)]);
        const manual = service.refresh(true);
        await published(() => shown('codex')?.windows[0]?.usedPercent === 22);
        await published(() => shown('claude')?.error?.kind === 'timeout');
        expect(shown('claude')?.windows[0]?.usedPercent).toBe(10);
        expect(shown('claude')?.stale).toBeTrue();
        expect(claude.contexts.length).toBe(2); // the manual refresh waits for claude's fetch, never runs beside it
        claude.answer = () => Promise.resolve([of('claude', 12, 4)]);
        const late = published(() => shown('claude')?.windows[0]?.usedPercent === 11 && shown('claude')?.error === null);
        release();
        await late;
        await Promise.all([stalled, manual]);
        expect(claude.contexts.length).toBe(3);
        expect(shown('claude')?.windows[0]?.usedPercent).toBe(12);
    });
});

describe('saneSnapshot()', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    it('holds what views read to sane bounds, whatever a parser, log or cache said', () => {
        const wild: UsageSnapshot = {...snapshot('a', 'alice', 50, now),
            windows: [
                {id: 'neg', label: 'n', usedPercent: -5, resetsAt: now + 1000, windowSeconds: -3},
                {id: 'nan', label: 'x', usedPercent: NaN, resetsAt: null, windowSeconds: 60},
                {id: 'far', label: 'f', usedPercent: 1e12, resetsAt: 8.64e15, windowSeconds: 60},
                {id: 'old', label: 'o', usedPercent: 150, resetsAt: -1000, windowSeconds: 60},
            ],
            balances: [{label: 'b', amount: Infinity, currency: null, unlimited: false}],
            error: {kind: 'rate-limited', message: 'm', hint: 'h', retryAt: now + 1e14}};
        const sane = saneSnapshot(wild, now);
        expect(sane.windows.map(w => [w.id, w.usedPercent, w.resetsAt, w.windowSeconds])).toEqual([
            ['neg', 0, now + 1000, null], ['far', 1000, null, 60], ['old', 150, null, 60]]);
        expect(sane.balances).toEqual([]);
        expect(sane.error?.retryAt).toBe(now + 86_400_000);
    });
});

describe('sortSnapshots()', () => {
    it('orders by provider, then label ignoring case, then account id', () => {
        const sorted = sortSnapshots([snapshot('2', 'Same', 1, 1), snapshot('1', 'same', 1, 1), snapshot('3', 'a', 1, 1),
            {...snapshot('0', 'a', 1, 1), provider: 'codex'}], ['codex', 'claude']);
        expect(sorted.map(s => s.accountId)).toEqual(['0', '3', '1', '2']);
    });
});
