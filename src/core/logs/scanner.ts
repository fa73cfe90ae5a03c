// The local-log engine: finds Claude Code and Codex logs, reads only what was appended since
// the last scan, de-duplicates across all files and aggregates. It runs in a GJS subprocess
// (`cli/main.js scan --serve`), never in the Shell: it lists folders and maps files into
// memory synchronously, which is the fastest way to read them (an asynchronous listing of a
// few thousand files takes half a second) and harmless outside the Shell's main loop.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

import type {Environment} from '../environment.js';
import {ensureDirectory, readTextFile, writePrivateFile} from '../files.js';
import {PRICE_TABLE_DATE} from '../priceTable.js';
import {PriceList, parsePriceOverrides} from '../pricing.js';
import {claudeSize, preferEntry, type ClaudeEntry} from './claudeLog.js';
import {newCodexFileState, scanCodexLines, type CodexFileState} from './codexLog.js';
import {mapFile, readShare, readShareInHelper, splitShares, type ShareResult} from './claudeShare.js';
import {TreeMonitor} from './treeMonitor.js';
import {emptyHistory, mergeDays, parseHistory, serializeHistory, type History} from './history.js';
import {
    currentBlock, entryTokens, dayKey, dayTotals, emptyTotals, startOfMonth, startOfToday, sumDays, topProjects,
    type DayTotals, type LocalUsage, type LogSource, type SourceUsage, type UsageEntry,
} from './localUsage.js';

const ATTRIBUTES = 'standard::name,standard::type,standard::size,time::modified,unix::device,unix::inode';
/** Release mapped files this often; a scan of 1 GB then stays within a few tens of MB. */
export const COLLECT_EVERY_BYTES = 32 * 1024 * 1024;
const HISTORY_DAYS = 30;

interface Root {
    source: LogSource;
    /** The folder scanned recursively for *.jsonl. */
    path: string;
}

interface TrackedFile {
    source: LogSource;
    identity: string;
    offset: number;
    project: string;
    session: string;
    codex: CodexFileState | null;
}

/** The entries of one source on one day, and their totals once computed (null: to compute). */
interface DayBucket {
    source: LogSource;
    day: string;
    entries: UsageEntry[];
    totals: DayTotals | null;
}

/** Comma-separated folders, `~` expanded. */
function pathList(value: string, home: string): string[] {
    return value.split(',').map(p => p.trim()).filter(p => p !== '')
        .map(p => p === '~' || p.startsWith('~/') ? home + p.slice(1) : p);
}

/**
 * Where the logs are: `$CLAUDE_CONFIG_DIR` (comma-separated; each a config folder holding
 * `projects/`, or `projects/` itself; when set, only those), else `~/.config/claude` and
 * `~/.claude`; Codex in `sessions/` and `archived_sessions/` of `$CODEX_HOME` (comma-separated)
 * or `~/.codex`.
 */
export function logRoots(env: Environment): Root[] {
    const claudeDirs = env.getenv('CLAUDE_CONFIG_DIR');
    const claude = claudeDirs
        ? pathList(claudeDirs, env.homeDir).map(p => GLib.path_get_basename(p) === 'projects' ? p : GLib.build_filenamev([p, 'projects']))
        : [GLib.build_filenamev([env.configDir, 'claude', 'projects']), GLib.build_filenamev([env.homeDir, '.claude', 'projects'])];
    const codexHomes = pathList(env.getenv('CODEX_HOME') ?? '', env.homeDir);
    const codex = (codexHomes.length > 0 ? codexHomes : [GLib.build_filenamev([env.homeDir, '.codex'])])
        .flatMap(home => ['sessions', 'archived_sessions'].map(dir => GLib.build_filenamev([home, dir])));
    return [...claude.map(path => ({source: 'claude' as const, path})), ...codex.map(path => ({source: 'codex' as const, path}))];
}

/**
 * Every *.jsonl under `dir` (recursively) with its size and identity, and every folder seen;
 * synchronous (see above).
 */
function findLogs(dir: string, files: Map<string, Gio.FileInfo>, dirs: Set<string>): void {
    let children: Gio.FileEnumerator;
    try {
        children = Gio.File.new_for_path(dir).enumerate_children(ATTRIBUTES, Gio.FileQueryInfoFlags.NONE, null);
    } catch {
        return; // missing or unreadable: nothing to scan there
    }
    dirs.add(dir);
    for (let info = children.next_file(null); info !== null; info = children.next_file(null)) {
        const path = GLib.build_filenamev([dir, info.get_name()]);
        if (info.get_file_type() === Gio.FileType.DIRECTORY)
            findLogs(path, files, dirs);
        else if (info.get_file_type() === Gio.FileType.REGULAR && path.endsWith('.jsonl'))
            files.set(path, info);
    }
    children.close(null);
}

/** A file's or folder's info; null when it is gone. */
function queryInfo(path: string): Gio.FileInfo | null {
    try {
        return Gio.File.new_for_path(path).query_info(ATTRIBUTES, Gio.FileQueryInfoFlags.NONE, null);
    } catch {
        return null;
    }
}

type Found = Map<string, {root: Root; info: Gio.FileInfo}>;

const identity = (info: Gio.FileInfo): string =>
    `${info.get_attribute_uint32('unix::device')}:${info.get_attribute_uint64('unix::inode')}`;

export interface ScannerOptions {
    env: Environment;
    /** Frees mapped files no longer referenced (System.gc in the subprocess). */
    collectGarbage?: () => void;
    /** Watch the folders between scans (a long-running worker) instead of listing them each time. */
    watch?: boolean;
    /** How to start helper processes for a large first scan (`scan --share`), and how many. */
    helper?: {argv: string[]; count: number};
}

/** Below this, starting helper processes costs more than it saves. */
const PARALLEL_FROM_BYTES = 128 * 1024 * 1024;

/** Even when watching, list everything now and then, in case a change went unnoticed. */
const FULL_LISTING_EVERY_MS = 10 * 60_000;

export class LogScanner {
    private readonly _env: Environment;
    private readonly _collect: () => void;
    private readonly _files = new Map<string, TrackedFile>();
    private _days = new Map<string, DayBucket>();
    private _claude = new Map<string, UsageEntry>();
    private _codex = new Set<string>();
    private _history: History | null = null;
    private _prices: PriceList | null = null;
    private _priceErrors: string[] = [];
    private _pricesText: string | null = null;
    private readonly _monitor: TreeMonitor | null;
    private readonly _helper: {argv: string[]; count: number} | null;
    private _listedAt = -Infinity;

    constructor(options: ScannerOptions) {
        this._env = options.env;
        this._collect = options.collectGarbage ?? ((): void => undefined);
        this._monitor = options.watch ? new TreeMonitor() : null;
        this._helper = options.helper && options.helper.count > 0 ? options.helper : null;
    }

    /** Stops watching the folders. */
    close(): void {
        this._monitor?.close();
    }

    private get _historyPath(): string {
        return GLib.build_filenamev([this._env.dataDir, 'ai-usage-meter', 'local-usage-history.json']);
    }

    /** Scans what changed since the last call and returns the aggregates. */
    async scan(cancellable: Gio.Cancellable | null): Promise<LocalUsage> {
        const started = GLib.get_monotonic_time();
        await this._loadPrices(cancellable);
        const roots = logRoots(this._env);
        let found = this._env.now() - this._listedAt < FULL_LISTING_EVERY_MS ? this._listChanged(roots) : null;
        if (found && this._invalidates(found)) {
            this._reset();
            found = null;
        }
        if (!found) {
            found = this._listAll(roots);
            if (this._invalidates(found))
                this._reset();
        }
        const grown: {path: string; file: TrackedFile; bytes: number}[] = [];
        for (const [path, {root, info}] of [...found].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
            let file = this._files.get(path);
            if (!file) {
                file = {source: root.source, identity: identity(info), offset: 0, ...this._names(root, path),
                    codex: root.source === 'codex' ? newCodexFileState() : null};
                this._files.set(path, file);
            }
            if (info.get_size() > file.offset)
                grown.push({path, file, bytes: info.get_size() - file.offset});
        }
        const bytesRead = await this._readAll(grown, cancellable);
        const usage = await this._summarize(roots, cancellable);
        usage.bytesRead = bytesRead;
        usage.scanMs = (GLib.get_monotonic_time() - started) / 1000;
        return usage;
    }

    /** Every log file under the roots; starts watching their folders when asked to. */
    private _listAll(roots: readonly Root[]): Found {
        const found: Found = new Map();
        const dirs = new Set<string>();
        for (const root of roots) {
            const files = new Map<string, Gio.FileInfo>();
            findLogs(root.path, files, dirs);
            for (const [path, info] of files) {
                if (!found.has(path))
                    found.set(path, {root, info});
            }
        }
        this._monitor?.watch(dirs);
        this._listedAt = this._env.now();
        return found;
    }

    /** Only the files the folder monitor saw change; null when it cannot tell. */
    private _listChanged(roots: readonly Root[]): Found | null {
        const changed = this._monitor?.takeChanges() ?? null;
        if (changed === null)
            return null;
        const found: Found = new Map();
        const newDirs = new Set<string>();
        for (const path of changed) {
            const root = roots.find(r => path.startsWith(`${r.path}/`));
            const info = root ? queryInfo(path) : null;
            if (!root || !info)
                continue;
            if (info.get_file_type() === Gio.FileType.DIRECTORY) {
                const files = new Map<string, Gio.FileInfo>();
                findLogs(path, files, newDirs);
                files.forEach((i, p) => found.set(p, {root, info: i}));
            } else if (info.get_file_type() === Gio.FileType.REGULAR && path.endsWith('.jsonl')) {
                found.set(path, {root, info});
            }
        }
        this._monitor?.add(newDirs);
        return found;
    }

    /**
     * True when a file was replaced or cut short: what it contributed is unknown, so everything
     * is read again. Deleted files keep theirs (Claude Code prunes old transcripts; the usage was real).
     */
    private _invalidates(found: Found): boolean {
        for (const [path, {info}] of found) {
            const tracked = this._files.get(path);
            if (tracked && (tracked.identity !== identity(info) || info.get_size() < tracked.offset))
                return true;
        }
        return false;
    }

    private _reset(): void {
        this._files.clear();
        this._days = new Map();
        this._claude = new Map();
        this._codex = new Set();
    }

    /** Project and session of a log file, from its place under the root. */
    private _names(root: Root, path: string): {project: string; session: string} {
        const relative = path.slice(root.path.length + 1).split('/');
        if (root.source === 'codex')
            return {project: '', session: relative.join('/').replace(/\.jsonl$/, '')};
        const home = `${this._env.homeDir.replace(/[/.]/g, '-')}-`;
        const folder = relative.length > 1 ? relative[0] ?? '' : '';
        const project = folder.startsWith(home) ? folder.slice(home.length) : folder.replace(/^-/, '');
        const session = relative.length > 2 ? relative[1] ?? '' : (relative[relative.length - 1] ?? '').replace(/\.jsonl$/, '');
        return {project, session};
    }

    /**
     * Reads what the files gained. A large first scan hands shares of the Claude files to
     * helper processes while this one reads its own share.
     */
    private async _readAll(grown: readonly {path: string; file: TrackedFile; bytes: number}[],
        cancellable: Gio.Cancellable | null): Promise<number> {
        const claude = grown.filter(g => g.file.source === 'claude');
        const claudeBytes = claude.reduce((sum, g) => sum + g.bytes, 0);
        const helpers = this._helper && claudeBytes > PARALLEL_FROM_BYTES ? this._helper.count : 0;
        const shares = helpers > 0 ? splitShares(claude, helpers + 1) : [claude];
        const running = shares.slice(1).map(share => ({
            share,
            result: readShareInHelper(this._helper?.argv ?? [], share.map(g => ({path: g.path, offset: g.file.offset})), cancellable),
        }));
        let bytesRead = 0;
        let sinceCollect = 0;
        for (const g of grown.filter(g => g.file.source === 'codex')) {
            const read = this._readCodex(g.path, g.file);
            bytesRead += read;
            sinceCollect += read;
            if (sinceCollect > COLLECT_EVERY_BYTES) {
                sinceCollect = 0;
                this._collect();
            }
        }
        const readHere = (share: typeof claude): ShareResult =>
            readShare(share.map(g => ({path: g.path, offset: g.file.offset})), this._collect, COLLECT_EVERY_BYTES);
        const results = [{share: shares[0] ?? [], result: Promise.resolve(readHere(shares[0] ?? []))}, ...running];
        for (const {share, result} of results) {
            let read = await result;
            if (read?.offsets.length !== share.length)
                read = readHere(share); // the helper failed: read its share here
            const prices = this._prices ?? new PriceList();
            for (const {file, entry} of read.entries) {
                const g = share[file];
                if (g)
                    this._addClaude(entry, g.file, prices);
            }
            share.forEach((g, i) => {
                const offset = read.offsets[i] ?? g.file.offset;
                bytesRead += offset - g.file.offset;
                g.file.offset = offset;
            });
        }
        return bytesRead;
    }

    private _readCodex(path: string, file: TrackedFile): number {
        const bytes = mapFile(path);
        const state = file.codex;
        if (!bytes || !state || bytes.length <= file.offset)
            return 0;
        const from = file.offset;
        const prices = this._prices ?? new PriceList();
        file.offset = scanCodexLines(bytes, from, bytes.length, state, event => {
            if (this._codex.has(event.key))
                return;
            this._codex.add(event.key);
            const c = event.counts;
            file.project = state.cwd ? GLib.path_get_basename(state.cwd) : file.project;
            this._add({source: 'codex', time: event.time, day: dayKey(event.time), model: event.model,
                project: file.project, session: file.session, input: c.input - c.cached, output: c.output,
                cacheWrite: 0, cacheRead: c.cached, cost: prices.codexCost(event.model, c), sidechain: false});
        });
        return bytes.length - from;
    }

    private _addClaude(entry: ClaudeEntry, file: TrackedFile, prices: PriceList): void {
        const t = entry.tokens;
        const usage: UsageEntry = {source: 'claude', time: entry.time, day: dayKey(entry.time), model: entry.model,
            project: file.project, session: file.session, input: t.input, output: t.output,
            cacheWrite: t.cacheWrite5m + t.cacheWrite1h, cacheRead: t.cacheRead,
            cost: entry.costUSD ?? prices.claudeCost(entry.model, t), sidechain: entry.sidechain};
        const kept = entry.key === null ? undefined : this._claude.get(entry.key);
        if (kept) {
            if (!preferEntry({sidechain: entry.sidechain, size: claudeSize(t)}, {sidechain: kept.sidechain, size: entryTokens(kept)}))
                return;
            this._remove(kept);
        }
        if (entry.key !== null)
            this._claude.set(entry.key, usage);
        this._add(usage);
    }

    private _bucket(source: LogSource, day: string): DayBucket {
        const key = `${source}/${day}`;
        let bucket = this._days.get(key);
        if (!bucket) {
            bucket = {source, day, entries: [], totals: null};
            this._days.set(key, bucket);
        }
        return bucket;
    }

    private _add(usage: UsageEntry): void {
        const bucket = this._bucket(usage.source, usage.day);
        bucket.entries.push(usage);
        bucket.totals = null;
    }

    private _remove(usage: UsageEntry): void {
        const bucket = this._bucket(usage.source, usage.day);
        const at = bucket.entries.lastIndexOf(usage);
        if (at >= 0)
            bucket.entries.splice(at, 1);
        bucket.totals = null;
    }

    /** Reads ~/.config/ai-usage-meter/prices.json when it changed; a change re-prices everything. */
    private async _loadPrices(cancellable: Gio.Cancellable | null): Promise<void> {
        const path = GLib.build_filenamev([this._env.configDir, 'ai-usage-meter', 'prices.json']);
        const text = await readTextFile(path, cancellable);
        if (this._prices && text === this._pricesText)
            return;
        const overrides = text === null ? {prices: {}, errors: []} : parsePriceOverrides(text);
        this._prices = new PriceList(overrides.prices);
        this._priceErrors = overrides.errors.map(e => `${path}: ${e}`);
        this._pricesText = text;
        this._reset();
    }

    private async _summarize(roots: readonly Root[], cancellable: Gio.Cancellable | null): Promise<LocalUsage> {
        const now = this._env.now();
        const today = dayKey(now);
        const monthStart = dayKey(startOfMonth(now));
        const todayStart = startOfToday(now);
        if (!this._history) {
            try {
                this._history = parseHistory(await readTextFile(this._historyPath, cancellable));
            } catch {
                this._history = emptyHistory();
            }
        }
        const history = this._history;
        let changed = false;
        const sources: SourceUsage[] = [];
        const weekAgo = now - 7 * 86_400_000;
        for (const source of ['claude', 'codex'] as const) {
            const buckets = [...this._days.values()].filter(b => b.source === source);
            // Only days with new entries are summed again: a refresh stays cheap on large logs.
            const computed = new Map<string, DayTotals>();
            for (const bucket of buckets) {
                if (bucket.totals === null) {
                    bucket.totals = dayTotals(bucket.entries).get(bucket.day) ?? {date: bucket.day, ...emptyTotals(), models: []};
                    computed.set(bucket.day, bucket.totals);
                }
            }
            changed = mergeDays(history, source, computed, today) || changed;
            const kept = history[source];
            const month = Object.values(kept).filter(d => d.date >= monthStart && d.date <= today);
            const {totals: monthTotals, models} = sumDays(month);
            const allTime = sumDays(buckets.map(b => b.totals ?? {date: b.day, ...emptyTotals(), models: []})).totals;
            const todays = buckets.find(b => b.day === today)?.entries ?? [];
            const recent = buckets.filter(b => b.entries.some(e => e.time >= weekAgo)).flatMap(b => b.entries);
            const latestDay = buckets.reduce<DayBucket | null>((a, b) => a === null || b.day > a.day ? b : a, null);
            const lastActivity = latestDay?.entries.reduce<number | null>((last, e) => Math.max(last ?? 0, e.time), null) ?? null;
            const oldest = new Date(todayStart);
            oldest.setDate(oldest.getDate() - (HISTORY_DAYS - 1));
            const days: DayTotals[] = Object.values(kept).filter(d => d.date >= dayKey(oldest.getTime()) && d.date <= today)
                .sort((a, b) => a.date < b.date ? -1 : 1);
            sources.push({
                source,
                roots: roots.filter(r => r.source === source).map(r => r.path),
                files: [...this._files.values()].filter(f => f.source === source).length,
                today: kept[today] ?? {...emptyTotals()},
                month: monthTotals,
                sessionsToday: new Set(todays.map(e => e.session)).size,
                models,
                projects: topProjects(buckets.filter(b => b.day >= monthStart).flatMap(b => b.entries), startOfMonth(now)),
                block: source === 'claude' ? currentBlock(recent, now) : null,
                lastActivity,
                allTime,
                days,
            });
        }
        if (changed)
            await this._saveHistory(history, cancellable);
        return {generatedAt: now, scanMs: 0, bytesRead: 0, priceTableDate: PRICE_TABLE_DATE,
            priceErrors: this._priceErrors, sources};
    }

    private async _saveHistory(history: History, cancellable: Gio.Cancellable | null): Promise<void> {
        await ensureDirectory(GLib.path_get_dirname(this._historyPath), cancellable);
        await writePrivateFile(this._historyPath, serializeHistory(history), cancellable);
    }
}
