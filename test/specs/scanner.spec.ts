import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {LocalUsage, SourceUsage} from '../../src/core/logs/localUsage.js';
import {LogScanner, scanStatePath} from '../../src/core/logs/scanner.js';
import {fileMode, listDir, makeTempDir, testEnvironment, writeFile, type TestEnvironment} from '../support/helpers.js';
import {appendFile, assistantLine, codexTokenCount, codexTurn, removeTree, userLine} from '../support/logLines.js';

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const join = (...parts: string[]): string => GLib.build_filenamev(parts);
const source = (usage: LocalUsage, id: 'claude' | 'codex'): SourceUsage => {
    const found = usage.sources.find(s => s.source === id);
    if (!found)
        throw new Error(`no ${id}`);
    return found;
};

describe('LogScanner', () => {
    let home: string;
    let env: TestEnvironment;
    let project: string;
    /** A scanner as the worker makes one: keeping its state in the cache folder. */
    const scanner = (): LogScanner => new LogScanner({env, statePath: scanStatePath(env)});

    beforeEach(() => {
        home = makeTempDir();
        env = testEnvironment(home);
        env.clock = NOW;
        project = join(home, '.claude', 'projects', `${home.replace(/[/.]/g, '-')}-src-app`);
    });
    afterEach(() => removeTree(home));

    it('saves its state through a temporary file of its own, and sweeps one a killed worker left when it starts', async () => {
        writeFile(join(project, 'one.jsonl'), `${assistantLine({id: 'm1', requestId: 'r1', output: 3, time: NOW - HOUR})}\n`);
        const statePath = scanStatePath(env);
        const dir = GLib.path_get_dirname(statePath);
        // What a worker killed mid-save leaves: a half-written temporary named after its process, which is gone.
        const [pid] = await Gio.Subprocess.new(['/bin/sh', '-c', 'echo $$'], Gio.SubprocessFlags.STDOUT_PIPE).communicate_utf8_async(null, null);
        writeFile(join(dir, `.local-scan-state.${pid.trim()}.0123abcd.tmp`), 'half');
        const worker = scanner();
        await worker.scan(null);
        worker.persist(true);
        expect(listDir(dir).filter(name => name.includes('local-scan-state'))).toEqual(['local-scan-state']);
    });

    it('saves the history (0600) through a temporary file of its own, and sweeps one a killed writer left at its first save', async () => {
        writeFile(join(project, 'one.jsonl'), `${assistantLine({id: 'm1', requestId: 'r1', output: 3, time: NOW - HOUR})}\n`);
        const historyPath = join(env.dataDir, 'ai-usage-meter', 'local-usage-history.json');
        const [pid] = await Gio.Subprocess.new(['/bin/sh', '-c', 'echo $$'], Gio.SubprocessFlags.STDOUT_PIPE).communicate_utf8_async(null, null);
        writeFile(join(GLib.path_get_dirname(historyPath), `.local-usage-history.json.${pid.trim()}.0123abcd.tmp`), 'half');
        const worker = scanner();
        await worker.scan(null);
        expect(listDir(GLib.path_get_dirname(historyPath))).toEqual(['local-usage-history.json']);
        expect(fileMode(historyPath)).toBe(0o600);
        appendFile(join(project, 'one.jsonl'), `${assistantLine({id: 'm2', requestId: 'r2', output: 4, time: NOW - HOUR / 2})}\n`);
        await worker.scan(null);
        const saved = JSON.parse(new TextDecoder().decode(GLib.file_get_contents(historyPath)[1])) as {claude: Record<string, {output: number}>};
        expect(saved.claude['2026-11-23']?.output).toBe(7);
    });

    it('de-duplicates streamed chunks, resumed copies and subagent copies across files', async () => {
        const t = NOW - 2 * HOUR;
        writeFile(join(project, 'one.jsonl'), [
            userLine('hi'),
            assistantLine({id: 'm1', requestId: 'r1', output: 3, time: t}),
            assistantLine({id: 'm1', requestId: 'r1', output: 500, time: t + 1000}),
            assistantLine({id: 'm2', output: 100, time: t + 2000}), // no requestId
        ].join('\n') + '\n');
        writeFile(join(project, 'two.jsonl'), [ // a resumed session copies earlier lines
            assistantLine({id: 'm1', requestId: 'r1', output: 500, time: t + 1000, sessionId: 's2'}),
            assistantLine({id: 'm2', output: 100, time: t + 2000, sessionId: 's2'}),
            assistantLine({id: 'm3', requestId: 'r3', output: 50, time: t + 3000, sessionId: 's2'}),
        ].join('\n') + '\n');
        writeFile(join(project, 'one', 'subagents', 'agent-a.jsonl'),
            `${assistantLine({id: 'm4', requestId: 'r4', output: 40, time: t + 4000, sidechain: true})}\n`);
        const claude = source(await scanner().scan(null), 'claude');
        expect(claude.allTime.entries).toBe(4);
        expect(claude.allTime.output).toBe(500 + 100 + 50 + 40);
        expect(claude.files).toBe(3);
        expect(claude.today.output).toBe(690);
        expect(claude.sessionsToday).toBe(2); // "one" (with its subagent) and "two"
        expect(claude.projects.map(p => p.project)).toEqual(['src-app']);
        expect(claude.models.map(m => m.model)).toEqual(['claude-opus-4-6']);
        expect(claude.block?.start).toBe(NOW - 2 * HOUR);
        expect(claude.lastActivity).toBe(t + 4000);
        expect(claude.today.cost).toBeCloseTo(claude.allTime.cost, 12);
    });

    it('shows unknown models unpriced, with their tokens', async () => {
        writeFile(join(project, 'a.jsonl'), `${assistantLine({id: 'm', requestId: 'r', model: 'glm-9-local', input: 10, output: 5, time: NOW - HOUR})}\n`);
        const claude = source(await scanner().scan(null), 'claude');
        expect(claude.today.cost).toBe(0);
        expect(claude.today.unpricedTokens).toBe(15);
        expect(claude.models).toEqual([jasmine.objectContaining({model: 'glm-9-local', priced: false, unpricedTokens: 15})]);
    });

    it('reads only what was appended, finishes a partial last line, and starts over when a file is cut short', async () => {
        const path = join(project, 'grow.jsonl');
        const first = `${assistantLine({id: 'm1', requestId: 'r1', output: 10, time: NOW - HOUR})}\n`;
        const second = assistantLine({id: 'm2', requestId: 'r2', output: 20, time: NOW - HOUR});
        writeFile(path, first + second.slice(0, 100));
        const incremental = scanner();
        let usage = await incremental.scan(null);
        expect(source(usage, 'claude').allTime.output).toBe(10);

        appendFile(path, `${second.slice(100)}\n`);
        usage = await incremental.scan(null);
        expect(usage.bytesRead).toBe(new TextEncoder().encode(`${second}\n`).length);
        expect(source(usage, 'claude').allTime.output).toBe(30);

        usage = await incremental.scan(null);
        expect(usage.bytesRead).toBe(0);

        writeFile(path, `${assistantLine({id: 'm9', requestId: 'r9', output: 7, time: NOW - HOUR})}\n`); // replaced
        usage = await incremental.scan(null);
        expect(source(usage, 'claude').allTime.output).toBe(7);

        const shorter = `${assistantLine({id: 'm8', requestId: 'r8', output: 1, time: NOW - HOUR})}\n`;
        const stream = Gio.File.new_for_path(path).replace(null, false, Gio.FileCreateFlags.NONE, null); // same inode, cut short
        stream.write_all(new TextEncoder().encode(shorter.slice(0, 20)), null);
        stream.close(null);
        usage = await incremental.scan(null);
        expect(source(usage, 'claude').allTime.output).toBe(0);
    });

    it('keeps the usage of deleted transcripts, today and in the kept history across restarts', async () => {
        const path = join(project, 'old.jsonl');
        writeFile(path, `${assistantLine({id: 'm1', requestId: 'r1', output: 10, time: NOW - 3 * 24 * HOUR})}\n` +
            `${assistantLine({id: 'm2', requestId: 'r2', output: 20, time: NOW - HOUR})}\n`);
        const incremental = scanner();
        await incremental.scan(null);
        GLib.unlink(path);
        expect(source(await incremental.scan(null), 'claude').month.output).toBe(30);
        incremental.persist();

        const restarted = source(await scanner().scan(null), 'claude');
        expect(restarted.allTime.entries).toBe(2); // the saved state remembers what the deleted file gave
        expect(restarted.month.output).toBe(30);
        expect(restarted.today.output).toBe(20);
        expect(restarted.days.map(d => [d.date, d.output])).toEqual([['2026-11-20', 10], ['2026-11-23', 20]]);
    });

    it('counts Codex events once across re-emits, forks and archived copies', async () => {
        const lines = [
            '{"timestamp":"2026-11-23T10:00:00.000Z","type":"session_meta","payload":{"id":"s","cwd":"/home/u/src/api","base_instructions":{"text":"…"}}}',
            codexTurn('gpt-5-codex'),
            codexTokenCount({total: [1000, 200, 100], last: [1000, 200, 100]}),
            codexTokenCount({total: [1000, 200, 100], last: [1000, 200, 100]}),
        ].join('\n') + '\n';
        const day = join(home, '.codex', 'sessions', '2026', '11', '23');
        writeFile(join(day, 'rollout-a.jsonl'), lines);
        writeFile(join(day, 'rollout-fork.jsonl'), lines + codexTokenCount({total: [3000, 200, 300], last: [2000, 0, 200],
            time: Date.UTC(2026, 10, 23, 11)}) + '\n');
        writeFile(join(home, '.codex', 'archived_sessions', 'rollout-a.jsonl'), lines);
        const codex = source(await scanner().scan(null), 'codex');
        expect(codex.allTime.entries).toBe(2);
        expect([codex.allTime.input, codex.allTime.cacheRead, codex.allTime.output]).toEqual([800 + 2000, 200, 300]);
        expect(codex.projects.map(p => p.project)).toEqual(['app']); // the latest turn's folder
        expect(codex.block).toBeNull();
        // gpt-5-codex: uncached 2800 × $1.25/M + cached 200 × $0.125/M + output 300 × $10/M.
        expect(codex.today.cost).toBeCloseTo((2800 * 1.25 + 200 * 0.125 + 300 * 10) / 1e6, 12);
    });

    it('applies the user price file and reports its mistakes', async () => {
        writeFile(join(project, 'a.jsonl'), `${assistantLine({id: 'm', requestId: 'r', model: 'my-model', input: 1_000_000, output: 0, time: NOW - HOUR})}\n`);
        writeFile(join(home, '.config', 'ai-usage-meter', 'prices.json'), '{"my-model": {"input": 2, "output": 8}, "bad": {}}');
        const usage = await scanner().scan(null);
        expect(source(usage, 'claude').today.cost).toBeCloseTo(2, 9);
        expect(usage.priceErrors.length).toBe(1);
        expect(usage.priceErrors[0]).toContain('bad');
    });

    it('continues from its saved state after a restart: nothing read again, the same totals', async () => {
        const path = join(project, 's.jsonl');
        writeFile(path, [assistantLine({id: 'm1', requestId: 'r1', output: 3, time: NOW - HOUR}),
            assistantLine({id: 'm1', requestId: 'r1', output: 300, time: NOW - HOUR})].join('\n') + '\n');
        const first = scanner();
        const cold = await first.scan(null);
        first.persist();
        expect(cold.scanner).toEqual(jasmine.objectContaining({fullScans: 1, restores: 0, restored: false, fromSavedState: false, filesRead: 1}));

        const restarted = scanner();
        const warm = await restarted.scan(null);
        expect(warm.bytesRead).toBe(0);
        expect(warm.scanner).toEqual(jasmine.objectContaining({fullScans: 1, restores: 1, restored: true, fromSavedState: false, filesRead: 0}));
        expect(source(warm, 'claude').allTime).toEqual(source(cold, 'claude').allTime);

        appendFile(path, `${assistantLine({id: 'm1', requestId: 'r1', output: 500, time: NOW - HOUR})}\n`);
        const grown = await restarted.scan(null);
        expect(source(grown, 'claude').allTime.output).toBe(500); // the better copy replaced the kept one
        expect(grown.scanner?.fullScans).toBe(1);
    });

    it('as a worker, answers first from the saved state alone, then reads what changed', async () => {
        const path = join(project, 's.jsonl');
        writeFile(path, `${assistantLine({id: 'm1', requestId: 'r1', output: 30, time: NOW - HOUR})}\n`);
        const first = scanner();
        await first.scan(null);
        first.persist();
        appendFile(path, `${assistantLine({id: 'm2', requestId: 'r2', output: 12, time: NOW - HOUR})}\n`);
        const worker = new LogScanner({env, statePath: scanStatePath(env), answerFromState: true});
        const early = await worker.scan(null);
        expect(early.scanner?.fromSavedState).toBeTrue();
        expect(source(early, 'claude').allTime.output).toBe(30);
        const next = await worker.scan(null);
        expect(next.scanner?.fromSavedState).toBeFalse();
        expect(source(next, 'claude').allTime.output).toBe(42);
        expect(next.scanner?.fullScans).toBe(1);
    });

    it('scans everything again when the saved state is corrupt, or a file was rewritten in place', async () => {
        const path = join(project, 's.jsonl');
        const line = assistantLine({id: 'm1', requestId: 'r1', output: 10, time: NOW - HOUR});
        writeFile(path, `${line}\n`);
        const first = scanner();
        await first.scan(null);
        first.persist();
        const statePath = scanStatePath(env);
        const [, bytes] = GLib.file_get_contents(statePath);
        GLib.file_set_contents(statePath, bytes.subarray(0, bytes.length - 1));
        const afterCorruption = await scanner().scan(null);
        expect(afterCorruption.scanner?.restored).toBeFalse();
        expect(source(afterCorruption, 'claude').allTime.output).toBe(10);

        // Same inode, same length and more: only the bytes before the old end tell.
        const stream = Gio.File.new_for_path(path).replace(null, false, Gio.FileCreateFlags.NONE, null);
        stream.write_all(new TextEncoder().encode(`${line.replace('"output_tokens":10', '"output_tokens":20')}\n${line}\n`), null);
        stream.close(null);
        const rewritten = await first.scan(null);
        expect(source(rewritten, 'claude').allTime.output).toBe(20);
    });

    it('prices everything again when the user price file changes', async () => {
        writeFile(join(project, 'a.jsonl'), `${assistantLine({id: 'm', requestId: 'r', model: 'my-model', input: 1_000_000, output: 0, time: NOW - HOUR})}\n`);
        const s = scanner();
        expect(source(await s.scan(null), 'claude').today.unpricedTokens).toBe(1_000_000);
        s.persist();
        writeFile(join(home, '.config', 'ai-usage-meter', 'prices.json'), '{"my-model": {"input": 2, "output": 8}}');
        expect(source(await s.scan(null), 'claude').allTime.cost).toBeCloseTo(2, 9);
        expect(source(await scanner().scan(null), 'claude').allTime.cost).toBeCloseTo(2, 9);
    });
});
