import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {LogTree, listLogs, logNames, logRoots} from '../../src/core/logs/discovery.js';
import {LogScanner} from '../../src/core/logs/scanner.js';
import {makeTempDir, symlink as link, testEnvironment, writeFile} from '../support/helpers.js';
import {appendFile, assistantLine, removeTree} from '../support/logLines.js';

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

    it('walks each folder once and follows no link below a root: every log is counted once, and the scan ends', async () => {
        const env = testEnvironment(home);
        const projects = join(home, '.claude', 'projects');
        writeFile(join(projects, '-h-app', 'a.jsonl'), `${assistantLine({id: 'm1', requestId: 'r1', output: 7, time: env.clock - 60_000})}\n`);
        link(join(projects, '-h-app', 'up'), '..'); // the link that once made a scan count a file 41 times
        link(join(projects, 'self'), '.');
        link(join(projects, '-h-app', 'b.jsonl'), 'a.jsonl');
        // ~/.config/claude/projects, the first root, is a link to the second: one folder, walked once (as the first root).
        GLib.mkdir_with_parents(join(home, '.config', 'claude'), 0o700);
        link(join(home, '.config', 'claude', 'projects'), projects);
        const first = join(home, '.config', 'claude', 'projects');
        expect([...new LogTree(false, () => 0).listAll(logRoots(env)).keys()]).toEqual([join(first, '-h-app', 'a.jsonl')]);

        const usage = await new LogScanner({env}).scan(null);
        const claude = usage.sources.find(source => source.source === 'claude');
        expect([claude?.files, claude?.today.output, claude?.today.entries]).toEqual([1, 7, 1]);

        // A link made while the folders are watched is not followed either.
        const tree = new LogTree(true, () => 0);
        const loop = join(first, '-h-app', 'loop');
        const change = changeOf(join(first, '-h-app'), loop);
        try {
            tree.listAll(logRoots(env));
            link(loop, '..');
            await change.seen;
            expect([...tree.listChanged(logRoots(env))?.keys() ?? ['nothing listed']]).toEqual([]);
        } finally {
            change.stop();
            tree.close();
        }
    });

    it('collects garbage while it walks a large tree (each file info is freed only then)', () => {
        for (let i = 0; i < 1200; i++)
            writeFile(join(home, '.claude', 'projects', `p${i % 3}`, `${i}.jsonl`), '');
        let collected = 0;
        const listing = listLogs(logRoots(testEnvironment(home)), null, () => collected++);
        expect(listing.files.size).toBe(1200);
        expect(collected).toBe(2); // every 500 entries: 1,200 files and their 3 folders
    });

    it('lists with find exactly as the walk does, and walks when find cannot', () => {
        const env = testEnvironment(home);
        const projects = join(home, '.claude', 'projects');
        for (const name of ['a.jsonl', 'with space.jsonl', 'new\nline.jsonl', 'é “quoted”.jsonl', 'notes.txt', 'x.jsonl.bak'])
            writeFile(join(projects, '-h-app', name), 'abc\n');
        writeFile(join(projects, '-h-app', 'dir.jsonl', 'inner.jsonl'), 'de\n'); // a folder named like a log
        link(join(projects, '-h-app', 'up'), '..');
        link(join(projects, '-h-app', 'b.jsonl'), 'a.jsonl');
        GLib.mkdir_with_parents(join(home, '.config', 'claude'), 0o700);
        link(join(home, '.config', 'claude', 'projects'), projects); // the first root: the same folder
        writeFile(join(home, '.codex', 'sessions', '2026', '11', '30', 'rollout-1.jsonl'), 'x\n');
        writeFile(join(home, '.codex', 'archived_sessions', 'rollout-0.jsonl'), 'y\n');
        // A root inside another: its files are the outer root's, listed once.
        env.vars['CLAUDE_CONFIG_DIR'] = `${join(home, '.config', 'claude')},${join(projects, '-h-app', 'dir.jsonl')}`;
        const roots = logRoots(env);
        const byWalk = listLogs(roots, null, () => undefined);
        const byFind = listLogs(roots, ['find'], () => undefined);
        const rows = (l: ReturnType<typeof listLogs>): string[] =>
            [...l.files].map(([path, f]) => `${path} ${f.root.path} ${f.size} ${f.identity}`).sort();
        expect(rows(byFind)).toEqual(rows(byWalk));
        expect([...byFind.dirs].sort()).toEqual([...byWalk.dirs].sort());
        expect(rows(byWalk).length).toBe(7);

        // What find prints is what is listed (here with a made-up record: a device past 32 bits, an
        // inode past 2^53, as Gio gives them).
        const fake = join(home, 'find.sh');
        writeFile(fake, `find "$@"; printf '1 f 1099511627777 18446744073709551615 9 ${join(home, '.config', 'claude', 'projects')}/ghost.jsonl\\0'\n`);
        const withGhost = listLogs(roots, ['sh', fake], () => undefined);
        const ghost = withGhost.files.get(join(home, '.config', 'claude', 'projects', 'ghost.jsonl'));
        expect([ghost?.size, ghost?.identity]).toEqual([9, `1:${Number('18446744073709551615')}`]);
        expect(rows(withGhost).filter(row => !row.includes('ghost'))).toEqual(rows(byWalk)); // find's own listing, to the byte
        for (const broken of [['false'], ['/nonexistent/find']])
            expect(rows(listLogs(roots, broken, () => undefined))).toEqual(rows(byWalk));
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
