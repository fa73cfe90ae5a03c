// The local-log engine: ties discovery (which files changed), reading (Claude on several
// cores, Codex here), the de-duplicated store, the summary and the saved scan state together.
// It runs in a GJS subprocess (`cli/main.js scan --serve`), never in the Shell: it lists
// folders and maps files into memory synchronously, which is the fastest way to read them and
// harmless outside the Shell's main loop.

import GLib from 'gi://GLib';
import type Gio from 'gi://Gio';

import type {Environment} from '../environment.js';
import {readTextFile, sweepAfterWrite, sweepTemporaries} from '../files.js';
import {PRICE_TABLE_DATE} from '../priceTable.js';
import {PriceList, parsePriceOverrides} from '../pricing.js';
import {ShareHelper, mapFile, readClaudeFile, splitShares} from './claudeShare.js';
import {newCodexFileState, scanCodexLines} from './codexLog.js';
import {LogTree, logNames, logRoots, type Listing, type Root} from './discovery.js';
import {MemoryBudget} from './memoryBudget.js';
import {emptyHistory, mergeDays, parseHistory, serializeHistory, type History} from './history.js';
import {dayKey, type LocalUsage, type SourceUsage} from './localUsage.js';
import {
    loadSavedAnswer, loadState, saveState, stateFingerprint, tailHash, writePrivateFileSync, type ScanCounters, type TrackedFile,
} from './scanState.js';
import {CODEX, UsageStore, newEntryValues} from './usageStore.js';
import {storeDays, summarizeSource, type FileLabels} from './usageSummary.js';

export {logRoots};

/** Below this, starting helper processes costs more than it saves. */
const PARALLEL_FROM_BYTES = 64 * 1024 * 1024;
/** Save the state at most this often while logs keep growing (a laptop's disk, a battery). */
const SAVE_EVERY_MS = 5 * 60_000;

export interface ScannerOptions {
    env: Environment;
    /** When to free mapped files no longer referenced (System.gc in the subprocess); by default never. */
    memory?: MemoryBudget;
    /** Watch the folders between scans (a long-running worker) instead of listing them each time. */
    watch?: boolean;
    /** How to start helper processes for a large scan (`scan --share`), and how many. */
    helper?: {argv: string[]; count: number};
    /** Where to keep the scan state; none: every scanner starts from nothing. */
    statePath?: string;
    /**
     * A restarted worker's first answer comes from the saved state alone, before the tree is
     * listed (the numbers as last saved; exact when nothing changed since). The answer says so
     * (`scanner.fromSavedState`), and the asker scans again at once for what changed.
     */
    answerFromState?: boolean;
}

/** A helper failed after some of its entries were merged: the scan must start again. */
class BrokenShare extends Error {}

interface Grown {
    path: string;
    file: TrackedFile;
    id: number;
    bytes: number;
}

/** The default place of the scan state, in the user's cache folder (it can always be rebuilt). */
export const scanStatePath = (env: Environment): string =>
    GLib.build_filenamev([env.cacheDir, 'ai-usage-meter', 'local-scan-state']);

/** Milliseconds per phase of one scan, for the answer (the bench prints them). */
class PhaseClock {
    readonly phases: Record<string, number> = {};
    private _last = GLib.get_monotonic_time();

    /** Ends the phase `name` now (a phase that runs twice adds up). */
    lap(name: string): void {
        const now = GLib.get_monotonic_time();
        this.phases[name] = Math.round(((this.phases[name] ?? 0) + (now - this._last) / 1000) * 10) / 10;
        this._last = now;
    }
}

export class LogScanner {
    private readonly _env: Environment;
    private readonly _memory: MemoryBudget;
    private readonly _tree: LogTree;
    private readonly _helper: {argv: string[]; count: number} | null;
    private readonly _statePath: string | null;
    private _files = new Map<string, TrackedFile>();
    private _labels: FileLabels[] = [];
    private _store = new UsageStore();
    private _counters: ScanCounters = {fullScans: 0, restores: 0};
    /** Index of each file in the files table (entries refer to files by it). */
    private _ids = new Map<string, number>();
    /** Nothing read yet since the start or a reset: the next read is a full scan. */
    private _fromNothing = true;
    private _restoreTried = false;
    private readonly _answerFromState: boolean;
    private _restored = false;
    private _fingerprint = '';
    private _dirty = false;
    private _savedAt = -Infinity;
    private _history: History | null = null;
    /** Helpers started before the listing of a full scan (see _startSpares). */
    private _spares: ShareHelper[] = [];
    private _prices = new PriceList();
    private _priceErrors: string[] = [];
    private _pricesText: string | null | undefined = undefined;
    /** The last answer from the logs, saved with the state (a restarted worker repeats it first). */
    private _lastAnswer: LocalUsage | null = null;
    private _answeredFromState = false;
    /** The phases of the scan running (or the last one). */
    private _clock = new PhaseClock();

    constructor(options: ScannerOptions) {
        this._env = options.env;
        this._memory = options.memory ?? MemoryBudget.unlimited();
        this._tree = new LogTree(options.watch ?? false, () => this._env.now(), () => this._memory.collect());
        this._helper = options.helper && options.helper.count > 0 ? options.helper : null;
        this._statePath = options.statePath ?? null;
        this._answerFromState = options.answerFromState ?? false;
    }

    /** Stops watching the folders. */
    close(): void {
        this._tree.close();
        this._dismissSpares();
    }

    private get _historyPath(): string {
        return GLib.build_filenamev([this._env.dataDir, 'ai-usage-meter', 'local-usage-history.json']);
    }

    /** Scans what changed since the last call (or since the saved state) and returns the aggregates. */
    async scan(cancellable: Gio.Cancellable | null): Promise<LocalUsage> {
        const started = GLib.get_monotonic_time();
        const clock = new PhaseClock();
        this._clock = clock;
        await this._loadPrices(cancellable);
        const roots = logRoots(this._env);
        const fingerprint = stateFingerprint(roots, this._env.homeDir, this._pricesText ?? null);
        clock.lap('prices');
        if (fingerprint !== this._fingerprint && this._answerFromState && !this._restoreTried && !this._answeredFromState) {
            // A restarted worker repeats the answer it gave last, before reading anything else.
            // Only on the day it was given: today's and this month's figures would be wrong after.
            const saved = this._statePath ? loadSavedAnswer(this._statePath, fingerprint) : null;
            clock.lap('saved answer');
            if (saved && dayKey(saved.answer.generatedAt) === dayKey(this._env.now())) {
                this._answeredFromState = true;
                const usage = saved.answer;
                usage.bytesRead = 0;
                usage.scanMs = (GLib.get_monotonic_time() - started) / 1000;
                usage.scanner = {...saved.counters, restores: saved.counters.restores + 1, restored: true, fromSavedState: true,
                    filesRead: 0, phases: clock.phases};
                return usage;
            }
        }
        if (fingerprint !== this._fingerprint) {
            this._fingerprint = fingerprint;
            this._reset();
            if (this._statePath && !this._restoreTried)
                await sweepTemporaries(this._statePath, cancellable); // what a worker killed mid-save left
            const restored = this._restore();
            clock.lap('restore');
            if (restored && this._answerFromState && !this._answeredFromState) {
                this._answeredFromState = true; // no saved answer (or of another day): the saved entries summed
                return this._report(await this._summarize(roots, cancellable), started, 0, 0, true);
            }
        }
        try {
            return await this._scanTree(roots, started, cancellable);
        } finally {
            this._dismissSpares();
        }
    }

    private async _scanTree(roots: readonly Root[], started: number, cancellable: Gio.Cancellable | null): Promise<LocalUsage> {
        const clock = this._clock;
        if (this._fromNothing)
            this._startSpares();
        let listing = this._tree.listChanged(roots);
        if (listing && this._invalidates(listing)) {
            this._reset();
            listing = null;
        }
        if (!listing) {
            listing = this._tree.listAll(roots);
            if (this._invalidates(listing))
                this._reset();
            this._memory.collect(); // what the listing made (find's output, or the walk's file infos) is garbage now
        }
        clock.lap('list');
        let grown = this._grown(listing);
        if (grown.some(g => !this._sameTail(g))) {
            this._reset(); // a file was rewritten in place: what it gave before is unknown
            grown = this._grown(listing);
        }
        if (this._fromNothing && grown.length > 0) {
            this._counters.fullScans++;
            this._fromNothing = false;
        }
        clock.lap('check');
        let bytesRead: number;
        try {
            bytesRead = await this._read(grown, cancellable, true);
        } catch (error) {
            if (!(error instanceof BrokenShare))
                throw error;
            this._reset(); // what was merged is unknown: everything again, here
            this._fromNothing = false; // the same full scan, counted above
            bytesRead = await this._read(this._grown(listing), cancellable, false);
        }
        this._dirty ||= bytesRead > 0;
        return this._report(await this._summarize(roots, cancellable), started, bytesRead, grown.length, false);
    }

    private _report(usage: LocalUsage, started: number, bytesRead: number, filesRead: number, fromSavedState: boolean): LocalUsage {
        usage.bytesRead = bytesRead;
        usage.scanMs = (GLib.get_monotonic_time() - started) / 1000;
        usage.scanner = {...this._counters, restored: this._restored, fromSavedState, filesRead, phases: this._clock.phases};
        if (!fromSavedState)
            this._lastAnswer = usage;
        return usage;
    }

    /**
     * Saves the scan state when it changed: at once the first time (so that a restart soon
     * after finds it), then at most every few minutes. `force` saves any change now.
     */
    persist(force = false): void {
        if (!this._statePath || !this._dirty || (!force && this._env.now() - this._savedAt < SAVE_EVERY_MS))
            return;
        saveState(this._statePath, this._fingerprint, {files: this._files, store: this._store, counters: this._counters}, this._lastAnswer);
        this._dirty = false;
        this._savedAt = this._env.now();
    }

    /** Continues from the saved state, once per scanner, when it fits the current fingerprint. */
    private _restore(): boolean {
        if (this._restoreTried || !this._statePath)
            return false;
        this._restoreTried = true;
        const state = loadState(this._statePath, this._fingerprint);
        if (!state)
            return false;
        this._files = state.files;
        this._ids = new Map([...state.files.keys()].map((p, i) => [p, i]));
        this._fromNothing = false;
        this._labels = [...state.files.values()].map(f => ({source: f.source, project: f.project, session: f.session}));
        this._store = state.store;
        this._counters = {...state.counters, restores: state.counters.restores + 1};
        this._restored = this._dirty = true;
        return true;
    }

    private _reset(): void {
        this._files = new Map();
        this._ids = new Map();
        this._fromNothing = true;
        this._labels = [];
        this._store = new UsageStore();
        this._dirty = true;
    }

    /**
     * True when a file was replaced or cut short: what it contributed is unknown, so everything
     * is read again. Deleted files keep theirs (Claude Code prunes old transcripts; the usage was real).
     */
    private _invalidates(listing: Listing): boolean {
        for (const [path, found] of listing) {
            const tracked = this._files.get(path);
            if (tracked && (tracked.identity !== found.identity || found.size < tracked.offset))
                return true;
        }
        return false;
    }

    /** The listed files that have bytes not read yet, new files tracked on the way (in path order). */
    private _grown(listing: Listing): Grown[] {
        const grown: Grown[] = [];
        for (const [path, found] of [...listing].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
            let file = this._files.get(path);
            if (!file) {
                file = {source: found.root.source, identity: found.identity, offset: 0, tail: 0,
                    ...logNames(found.root, path, this._env.homeDir), codex: found.root.source === 'codex' ? newCodexFileState() : null};
                this._ids.set(path, this._files.size);
                this._files.set(path, file);
                this._labels.push({source: file.source, project: file.project, session: file.session});
            }
            if (found.size > file.offset)
                grown.push({path, file, id: this._ids.get(path) ?? 0, bytes: found.size - file.offset});
        }
        return grown;
    }

    /** True unless the bytes before the file's offset changed since they were read. */
    private _sameTail(g: Grown): boolean {
        if (g.file.offset === 0)
            return true;
        const bytes = mapFile(g.path);
        return bytes !== null && bytes.length >= g.file.offset && tailHash(bytes, g.file.offset) === g.file.tail;
    }

    /**
     * Reads what the files gained. A large scan hands the Claude files to helper processes too:
     * the first helper's files are read from both ends, here from the front and by the helper
     * from the back, so that neither waits for the other (see claudeShare); further helpers
     * (more cores) each get a fixed share.
     */
    private async _read(grown: readonly Grown[], cancellable: Gio.Cancellable | null, withHelpers: boolean): Promise<number> {
        const claude = grown.filter(g => g.file.source === 'claude');
        const claudeBytes = claude.reduce((sum, g) => sum + g.bytes, 0);
        const count = this._helper && withHelpers && claudeBytes > PARALLEL_FROM_BYTES ? this._helper.count : 0;
        // The share read from both ends has two processes on it: twice the bytes of the others.
        const shares = count > 0 ? splitShares(claude, [2, ...Array<number>(count - 1).fill(1)]) : [];
        const helpers: {share: Grown[]; helper: ShareHelper | null}[] = shares.map((share, i) => ({share,
            helper: this._startHelper(share, i === 0)}));
        this._dismissSpares();
        let bytesRead = 0;
        const afterRead = (g: Grown, bytes: Uint8Array, next: number): void => {
            bytesRead += next - g.file.offset;
            g.file.offset = next;
            g.file.tail = tailHash(bytes, next);
        };
        const readOne = (g: Grown): void => {
            this._memory.take(g.bytes); // the pages read are resident until the mapping is freed
            const bytes = mapFile(g.path);
            if (bytes && bytes.length > g.file.offset)
                afterRead(g, bytes, g.file.source === 'claude' ? readClaudeFile(bytes, g.file.offset, g.id, this._prices, this._store)
                    : this._readCodex(bytes, g));
        };
        const pumpAll = (): void => helpers.forEach(h => h.helper?.pump());
        this._clock.lap('start helpers');
        for (const g of grown) {
            if (g.file.source === 'codex') {
                readOne(g);
                pumpAll();
            }
        }
        this._clock.lap('read codex');
        // Front to back through the shared share, until the helper's end is reached.
        const both = helpers[0] ?? {share: claude, helper: null};
        let front = 0;
        for (; front < both.share.length; front++) {
            pumpAll();
            const g = both.share[front];
            if (!g || (both.helper && front >= both.helper.helperFrom))
                break;
            both.helper?.take(front);
            readOne(g);
        }
        this._clock.lap('read claude');
        let broken = false;
        for (const [i, {share, helper}] of helpers.entries()) {
            const readHere = i === 0 ? front : 0;
            let byHelper = new Set<number>();
            // The helper's entries are merged as they arrive (its files that were read here too are left out).
            const reader = helper ? await helper.finish(cancellable, {store: this._store, fileIds: head => {
                byHelper = new Set(head.read.filter(f => f >= readHere));
                return share.map((g, f) => byHelper.has(f) ? g.id : -1);
            }}, this._memory) : null;
            this._memory.collect(); // the pieces of the helper's result
            const result = reader?.head ?? null;
            broken ||= !result && (reader?.merged ?? 0) > 0; // some of a failed helper's entries were merged
            if (!result)
                byHelper = new Set();
            result?.read.forEach((f, k) => {
                const g = share[f];
                if (!g || !byHelper.has(f))
                    return;
                const offset = result.offsets[k] ?? g.file.offset;
                bytesRead += offset - g.file.offset;
                g.file.offset = offset;
                g.file.tail = result.tails[k] ?? 0;
            });
            this._clock.lap('wait for helpers and merge');
            // What the helper did not read (it failed, or stopped early): read here.
            share.forEach((g, f) => {
                if (!broken && f >= readHere && !byHelper.has(f))
                    readOne(g);
            });
            this._clock.lap('read claude');
        }
        if (broken)
            throw new BrokenShare();
        return bytesRead;
    }

    /** A helper on `share` (read from both ends when `fromBack`), a spare one if any; null when none could be started. */
    private _startHelper(share: readonly Grown[], fromBack: boolean): ShareHelper | null {
        try {
            return (this._spares.pop() ?? new ShareHelper(this._helper?.argv ?? [])).send({pricesText: this._pricesText ?? null, fromBack,
                files: share.map(g => ({path: g.path, offset: g.file.offset, size: g.file.offset + g.bytes}))});
        } catch {
            return null; // its files are read here
        }
    }

    /**
     * Starts the helpers of a full scan before the listing, which takes about as long as a
     * helper process takes to start: the helpers can read as soon as the files are known.
     */
    private _startSpares(): void {
        for (let i = this._spares.length; this._helper && i < this._helper.count; i++) {
            try {
                this._spares.push(new ShareHelper(this._helper.argv));
            } catch {
                return; // read here
            }
        }
    }

    /** Lets the spare helpers no scan needed go (a small tree, or nothing new). */
    private _dismissSpares(): void {
        this._spares.splice(0).forEach(helper => helper.dismiss());
    }

    private _readCodex(bytes: Uint8Array, g: Grown): number {
        const state = g.file.codex ?? newCodexFileState();
        g.file.codex = state;
        const values = newEntryValues();
        values.file = g.id;
        values.flags = CODEX;
        const key = new TextEncoder();
        const next = scanCodexLines(bytes, g.file.offset, bytes.length, state, event => {
            const c = event.counts;
            values.time = event.time;
            values.model = event.model;
            values.input = c.input - c.cached;
            values.output = c.output;
            values.cacheWrite = 0;
            values.cacheRead = c.cached;
            values.cost = this._prices.codexCost(event.model, c) ?? Number.NaN;
            this._store.offer(key.encode(event.key), values);
        });
        if (state.cwd) {
            g.file.project = GLib.path_get_basename(state.cwd);
            const label = this._labels[g.id];
            if (label)
                label.project = g.file.project;
        }
        return next;
    }

    /** Reads ~/.config/ai-usage-meter/prices.json; a change changes the fingerprint (everything is priced again). */
    private async _loadPrices(cancellable: Gio.Cancellable | null): Promise<void> {
        const path = GLib.build_filenamev([this._env.configDir, 'ai-usage-meter', 'prices.json']);
        const text = await readTextFile(path, cancellable);
        if (text === this._pricesText)
            return;
        const overrides = text === null ? {prices: {}, errors: []} : parsePriceOverrides(text);
        this._prices = new PriceList(overrides.prices);
        this._priceErrors = overrides.errors.map(e => `${path}: ${e}`);
        this._pricesText = text;
    }

    private async _summarize(roots: readonly Root[], cancellable: Gio.Cancellable | null): Promise<LocalUsage> {
        const now = this._env.now();
        if (!this._history) {
            try {
                this._history = parseHistory(await readTextFile(this._historyPath, cancellable));
            } catch {
                this._history = emptyHistory();
            }
        }
        const history = this._history;
        this._clock.lap('history');
        const touched = this._store.takeTouchedDays();
        let changed = false;
        const sources: SourceUsage[] = [];
        for (const source of ['claude', 'codex'] as const) {
            // Only days with new entries are merged: a refresh stays cheap on years of logs.
            const days = storeDays(this._store, source, touched);
            changed = mergeDays(history, source, days, dayKey(now)) || changed;
            sources.push(summarizeSource(this._store, this._labels, {source, kept: history[source],
                roots: roots.filter(r => r.source === source).map(r => r.path),
                files: [...this._files.values()].filter(f => f.source === source).length}, now));
        }
        this._clock.lap('summarize');
        if (changed)
            await this._saveHistory(history, cancellable);
        this._clock.lap('save history');
        return {generatedAt: now, scanMs: 0, bytesRead: 0, priceTableDate: PRICE_TABLE_DATE,
            priceErrors: this._priceErrors, sources};
    }

    /**
     * Saves the history synchronously (a worker process, see writePrivateFileSync): it is saved
     * after every refresh that changed a day, before the answer goes out. What a killed writer
     * left beside it is swept as after any write of ours (sweepAfterWrite).
     */
    private async _saveHistory(history: History, cancellable: Gio.Cancellable | null): Promise<void> {
        GLib.mkdir_with_parents(GLib.path_get_dirname(this._historyPath), 0o700);
        writePrivateFileSync(this._historyPath, [new TextEncoder().encode(serializeHistory(history))]);
        await sweepAfterWrite(this._historyPath, cancellable);
    }
}
