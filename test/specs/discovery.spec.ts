import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {LogTree, logNames, logRoots} from '../../src/core/logs/discovery.js';
import {makeTempDir, testEnvironment, writeFile} from '../support/helpers.js';
import {appendFile, removeTree} from '../support/logLines.js';

const join = (...parts: string[]): string => GLib.build_filenamev(parts);

/** Resolves when a monitor of `dir` reports `path` (an event, not a sleep); rejects after 5 s. */
function changeOf(dir: string, path: string): {seen: Promise<void>; stop: () => void} {
    const monitor = Gio.File.new_for_path(dir).monitor_directory(Gio.FileMonitorFlags.NONE, null);
    let timeout = 0;
    const seen = new Promise<void>((resolve, reject) => {
        monitor.connect('changed', (_m, file) => {
            if (file.get_path() === path)
                resolve();
        });
        timeout = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5000, () => {
            timeout = 0;
            reject(new Error(`no change of ${path} seen`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return {seen, stop: () => {
        monitor.cancel();
        if (timeout !== 0)
            GLib.source_remove(timeout);
    }};
}

describe('log discovery', () => {
    let home: string;
    beforeEach(() => {
        home = makeTempDir();
    });
    afterEach(() => removeTree(home));

    it('finds Claude and Codex logs where the tools keep them, or only where CLAUDE_CONFIG_DIR says', () => {
        const env = testEnvironment(home);
        expect(logRoots(env).map(r => r.path)).toEqual([join(home, '.config', 'claude', 'projects'), join(home, '.claude', 'projects'),
            join(home, '.codex', 'sessions'), join(home, '.codex', 'archived_sessions')]);
        env.vars['CLAUDE_CONFIG_DIR'] = '~/work-claude, /srv/claude/projects';
        env.vars['CODEX_HOME'] = '/srv/codex';
        expect(logRoots(env).map(r => r.path)).toEqual([join(home, 'work-claude', 'projects'), '/srv/claude/projects',
            '/srv/codex/sessions', '/srv/codex/archived_sessions']);
    });

    it('names project and session from the place of a file', () => {
        const root = {source: 'claude' as const, path: '/h/.claude/projects'};
        expect(logNames(root, '/h/.claude/projects/-h-src-app/s1.jsonl', '/h')).toEqual({project: 'src-app', session: 's1'});
        expect(logNames(root, '/h/.claude/projects/-h-src-app/s1/subagents/agent-a.jsonl', '/h')).toEqual({project: 'src-app', session: 's1'});
        expect(logNames({source: 'codex', path: '/c'}, '/c/2026/11/23/rollout-x.jsonl', '/h')).toEqual({project: '', session: '2026/11/23/rollout-x'});
    });

    it('lists every log with size and identity, the first root winning', () => {
        const env = testEnvironment(home);
        writeFile(join(home, '.claude', 'projects', 'p', 'a.jsonl'), 'abc\n');
        writeFile(join(home, '.claude', 'projects', 'p', 'notes.txt'), 'x');
        const listing = new LogTree(false, () => 0).listAll(logRoots(env));
        expect([...listing.keys()]).toEqual([join(home, '.claude', 'projects', 'p', 'a.jsonl')]);
        expect([...listing.values()][0]?.size).toBe(4);
        expect([...listing.values()][0]?.identity).toMatch(/^\d+:\d+$/);
    });

    it('collects garbage while it lists a large tree (each file info is freed only then)', () => {
        for (let i = 0; i < 1200; i++)
            writeFile(join(home, '.claude', 'projects', `p${i % 3}`, `${i}.jsonl`), '');
        let collected = 0;
        const listing = new LogTree(false, () => 0, () => collected++).listAll(logRoots(testEnvironment(home)));
        expect(listing.size).toBe(1200);
        expect(collected).toBe(2); // every 500 entries: 1,200 files and their 3 folders
    });

    it('tells which files changed through the folder monitors, and only while its listing is recent', async () => {
        const env = testEnvironment(home);
        const path = join(home, '.claude', 'projects', 'p', 'a.jsonl');
        writeFile(path, 'abc\n');
        let clock = 0;
        const tree = new LogTree(true, () => clock);
        const change = changeOf(join(home, '.claude', 'projects', 'p'), path);
        try {
            expect(tree.listChanged(logRoots(env))).toBeNull(); // never listed
            tree.listAll(logRoots(env));
            appendFile(path, 'def\n');
            await change.seen;
            const changed = tree.listChanged(logRoots(env));
            expect(changed?.get(path)?.size).toBe(8);
            clock += 11 * 60_000;
            expect(tree.listChanged(logRoots(env))).toBeNull(); // time for a full listing
        } finally {
            change.stop();
            tree.close();
        }
    });
});
