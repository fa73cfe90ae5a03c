import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {BackoffGate} from '../../src/core/backoff.js';
import {SnapshotCache} from '../../src/core/cache.js';
import {emptySnapshot} from '../../src/core/contract.js';
import {fileMode, makeTempDir, removeTree, writeFile} from '../support/helpers.js';

describe('SnapshotCache', () => {
    let cacheDir: string;
    beforeEach(() => {
        cacheDir = `${makeTempDir()}/cache`;
    });
    afterEach(() => removeTree(GLib.path_get_dirname(cacheDir)));

    const withData = {...emptySnapshot('claude', 'acct', 'alice'), updatedAt: 1234, plan: 'Max 20x',
        windows: [{id: 'five_hour', label: '5h', usedPercent: 12, resetsAt: 99, windowSeconds: 18000}]};

    it('round-trips snapshots that hold data', async () => {
        const cache = new SnapshotCache(cacheDir);
        await cache.save([withData, emptySnapshot('claude', 'empty', 'bob')], null);
        expect(await cache.load(null)).toEqual([withData]);
    });

    it('creates its folder 0700 and its file 0600', async () => {
        const cache = new SnapshotCache(cacheDir);
        await cache.save([withData], null);
        expect(fileMode(`${cacheDir}/ai-usage-meter`)).toBe(0o700);
        expect(fileMode(cache.path)).toBe(0o600);
        await cache.save([withData], null);
        expect(fileMode(cache.path)).toBe(0o600);
    });

    it('returns nothing for a missing, corrupt or foreign file', async () => {
        const cache = new SnapshotCache(cacheDir);
        expect(await cache.load(null)).toEqual([]);
        writeFile(cache.path, '{not json');
        expect(await cache.load(null)).toEqual([]);
        writeFile(cache.path, JSON.stringify({version: 99, snapshots: [withData]}));
        expect(await cache.load(null)).toEqual([]);
        writeFile(cache.path, JSON.stringify({version: 4, snapshots: [{provider: 'claude'}, withData]}));
        expect(await cache.load(null)).toEqual([withData]);
    });

    describe('the rate-limit pauses the Shell and the CLI share', () => {
        const now = Date.UTC(2026, 10, 23, 12);
        const HOUR = 3_600_000;

        it('lets one process see the pause another recorded, and keeps both processes\' pauses', async () => {
            const shell = new SnapshotCache(cacheDir);
            const cli = new SnapshotCache(cacheDir);
            const shellGate = new BackoffGate();
            shellGate.recordRateLimit('claude-token', now, now + HOUR);
            await shell.savePauses(shellGate, now, null);

            const cliGate = new BackoffGate();
            await cli.restorePauses(cliGate, now, null);
            expect(cliGate.blockedUntil('claude-token', now)).toBe(now + HOUR);
            cliGate.recordRateLimit('codex-token', now, now + 2 * HOUR);
            await cli.savePauses(cliGate, now, null);

            const restarted = new BackoffGate();
            await shell.restorePauses(restarted, now, null);
            expect(restarted.blockedUntil('claude-token', now)).toBe(now + HOUR);
            expect(restarted.blockedUntil('codex-token', now)).toBe(now + 2 * HOUR);
            expect(fileMode(shell.pausesPath)).toBe(0o600);
        });

        it('forgets a pause that ended in a success, and cuts absurd or broken saved pauses', async () => {
            const cache = new SnapshotCache(cacheDir);
            writeFile(cache.pausesPath, JSON.stringify({
                a: {blockedUntil: now + HOUR, strikes: 1},
                absurd: {blockedUntil: 1e20, strikes: 1},
                broken: {blockedUntil: 'soon'},
                over: {blockedUntil: now - 1, strikes: 1},
            }));
            const gate = new BackoffGate();
            await cache.restorePauses(gate, now, null);
            expect(gate.blockedUntil('absurd', now)).toBe(now + 24 * HOUR);
            expect(gate.blockedUntil('broken', now)).toBeNull();
            gate.recordSuccess('a');
            await cache.savePauses(gate, now, null);
            const again = new BackoffGate();
            await cache.restorePauses(again, now, null);
            expect(again.blockedUntil('a', now)).toBeNull();
            expect(again.blockedUntil('absurd', now)).toBe(now + 24 * HOUR);
            expect(again.shared(now).rateLimits['over']).toBeUndefined();
        });

        it('does not write the file again when the pauses are what it holds', async () => {
            const cache = new SnapshotCache(cacheDir);
            const gate = new BackoffGate();
            gate.recordRateLimit('a', now, now + HOUR);
            await cache.savePauses(gate, now, null);
            // The atomic replace gives the file a new inode: the same one means it was not written.
            const inode = (): string => Gio.File.new_for_path(cache.pausesPath)
                .query_info('unix::inode', Gio.FileQueryInfoFlags.NONE, null).get_attribute_as_string('unix::inode') ?? '';
            const written = inode();
            await cache.savePauses(gate, now, null);
            expect(inode()).toBe(written);
            gate.recordRateLimit('b', now, now + HOUR);
            await cache.savePauses(gate, now, null);
            expect(inode()).not.toBe(written);
        });
    });
});
