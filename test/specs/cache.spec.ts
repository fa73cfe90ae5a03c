import {SnapshotCache} from '../../src/core/cache.js';
import {emptySnapshot} from '../../src/core/contract.js';
import {fileMode, makeTempDir, writeFile} from '../support/helpers.js';

describe('SnapshotCache', () => {
    let cacheDir: string;
    beforeEach(() => {
        cacheDir = `${makeTempDir()}/cache`;
    });

    const withData = {...emptySnapshot('claude', 'acct', 'alice'), updatedAt: 1234, plan: 'Max 20x',
        windows: [{id: 'five_hour', label: '5h', usedPercent: 12, resetsAt: 99, windowSeconds: 18000}]};

    it('round-trips snapshots that hold data', async () => {
        const cache = new SnapshotCache(cacheDir);
        await cache.save([withData, emptySnapshot('claude', 'empty', 'bob')], {}, null);
        expect((await cache.load(null)).snapshots).toEqual([withData]);
    });

    it('creates its folder 0700 and its file 0600', async () => {
        const cache = new SnapshotCache(cacheDir);
        await cache.save([withData], {}, null);
        expect(fileMode(`${cacheDir}/ai-usage-meter`)).toBe(0o700);
        expect(fileMode(cache.path)).toBe(0o600);
        await cache.save([withData], {}, null);
        expect(fileMode(cache.path)).toBe(0o600);
    });

    it('returns nothing for a missing, corrupt or foreign file', async () => {
        const cache = new SnapshotCache(cacheDir);
        expect((await cache.load(null)).snapshots).toEqual([]);
        writeFile(cache.path, '{not json');
        expect((await cache.load(null)).snapshots).toEqual([]);
        writeFile(cache.path, JSON.stringify({version: 99, snapshots: [withData]}));
        expect((await cache.load(null)).snapshots).toEqual([]);
        writeFile(cache.path, JSON.stringify({version: 4, snapshots: [{provider: 'claude'}, withData]}));
        expect((await cache.load(null)).snapshots).toEqual([withData]);
    });

    it('keeps the rate-limit pauses of an older format, not its snapshots', async () => {
        const cache = new SnapshotCache(cacheDir);
        writeFile(cache.path, JSON.stringify({version: 3, snapshots: [withData], pauses: {key: 5}}));
        expect(await cache.load(null)).toEqual({snapshots: [], pauses: {key: 5}});
    });
});
