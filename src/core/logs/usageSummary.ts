// From the stored entries to what the menu and CLI show: per-day totals with a by-model
// breakdown (merged into the kept history), all-time totals, today's sessions, month-to-date
// projects, the current 5-hour block. One pass over the columns per source; only the last
// week's entries become objects (for the block).

import {
    currentBlock, dayKey, emptyTotals, startOfMonth, startOfToday, sumDays, type DayTotals, type LogSource,
    type ModelTotals, type ProjectTotals, type SourceUsage, type Totals, type UsageEntry,
} from './localUsage.js';
import {CODEX, SIDECHAIN, type UsageStore} from './usageStore.js';

/** Where each file's entries belong, by the scanner's file index. */
export interface FileLabels {
    source: LogSource;
    project: string;
    session: string;
}

const HISTORY_DAYS = 30;
const WEEK = 7 * 86_400_000;

function add(t: Totals, store: UsageStore, e: number): void {
    const cost = store.cost.get(e);
    t.input += store.input.get(e);
    t.output += store.output.get(e);
    t.cacheWrite += store.cacheWrite.get(e);
    t.cacheRead += store.cacheRead.get(e);
    t.entries++;
    if (Number.isNaN(cost))
        t.unpricedTokens += store.size(e);
    else
        t.cost += cost;
}

const isSource = (store: UsageStore, e: number, source: LogSource): boolean =>
    ((store.flags.get(e) & CODEX) !== 0) === (source === 'codex');

/** The per-day totals of one source: every day in the store, or only those named in `only`. */
export function storeDays(store: UsageStore, source: LogSource, only: ReadonlySet<string> | null = null): Map<string, DayTotals> {
    const days: (DayTotals | undefined)[] = [];
    const models: (ModelTotals | undefined)[][] = [];
    const wanted = new Uint8Array(store.days.length).map((_, d) => only === null || only.has(store.days[d] ?? '') ? 1 : 0);
    for (let e = 0; e < store.count; e++) {
        const d = store.day.get(e);
        if (wanted[d] === 0 || !isSource(store, e, source))
            continue;
        const m = store.model.get(e);
        const day = days[d] ??= {date: store.days[d] ?? '', ...emptyTotals(), models: []};
        const dayModels = models[d] ??= [];
        const model = dayModels[m] ??= {model: store.models[m] ?? '', priced: !Number.isNaN(store.cost.get(e)), ...emptyTotals()};
        add(day, store, e);
        add(model, store, e);
    }
    const byDate = new Map<string, DayTotals>();
    days.forEach((day, d) => {
        if (!day)
            return;
        day.models = (models[d] ?? []).filter((m): m is ModelTotals => m !== undefined).sort((a, b) => b.cost - a.cost);
        byDate.set(day.date, day);
    });
    return byDate;
}

/** The entry as an object (the block's rules work on those). */
function entryObject(store: UsageStore, e: number, labels: FileLabels): UsageEntry {
    const cost = store.cost.get(e);
    const time = store.time.get(e);
    return {source: labels.source, time, day: store.days[store.day.get(e)] ?? dayKey(time),
        model: store.models[store.model.get(e)] ?? '', project: labels.project, session: labels.session,
        input: store.input.get(e), output: store.output.get(e), cacheWrite: store.cacheWrite.get(e),
        cacheRead: store.cacheRead.get(e), cost: Number.isNaN(cost) ? null : cost, sidechain: (store.flags.get(e) & SIDECHAIN) !== 0};
}

export interface SourceInput {
    source: LogSource;
    roots: string[];
    files: number;
    /** The kept history of this source, the store's days merged in. */
    kept: Readonly<Record<string, DayTotals>>;
}

/** What one source shows, from the store's entries and the kept history. */
export function summarizeSource(store: UsageStore, labels: readonly FileLabels[], input: SourceInput, now: number): SourceUsage {
    const {source, kept} = input;
    const today = dayKey(now);
    const todayId = store.days.indexOf(today);
    const monthStart = startOfMonth(now);
    const monthStartDay = dayKey(monthStart);
    const weekAgo = now - WEEK;
    const allTime = emptyTotals();
    const sessions = new Set<string>();
    const projects = new Map<string, ProjectTotals>();
    const recent: UsageEntry[] = [];
    let lastActivity: number | null = null;
    for (let e = 0; e < store.count; e++) {
        if (!isSource(store, e, source))
            continue;
        const time = store.time.get(e);
        const label = labels[store.file.get(e)] ?? {source, project: '', session: ''};
        add(allTime, store, e);
        lastActivity = Math.max(lastActivity ?? time, time);
        if (store.day.get(e) === todayId)
            sessions.add(label.session);
        if (time >= monthStart) {
            let p = projects.get(label.project);
            if (!p) {
                p = {project: label.project, cost: 0, tokens: 0};
                projects.set(label.project, p);
            }
            p.cost += Number.isNaN(store.cost.get(e)) ? 0 : store.cost.get(e);
            p.tokens += store.size(e);
        }
        if (source === 'claude' && time > weekAgo && time <= now)
            recent.push(entryObject(store, e, label));
    }
    const month = Object.values(kept).filter(d => d.date >= monthStartDay && d.date <= today);
    const {totals: monthTotals, models} = sumDays(month);
    const oldest = new Date(startOfToday(now));
    oldest.setDate(oldest.getDate() - (HISTORY_DAYS - 1));
    const firstDay = dayKey(oldest.getTime());
    return {
        source,
        roots: input.roots,
        files: input.files,
        today: kept[today] ?? emptyTotals(),
        month: monthTotals,
        sessionsToday: sessions.size,
        models,
        projects: [...projects.values()].sort((a, b) => b.cost - a.cost || b.tokens - a.tokens).slice(0, 5),
        block: source === 'claude' ? currentBlock(recent, now) : null,
        lastActivity,
        allTime,
        days: Object.values(kept).filter(d => d.date >= firstDay && d.date <= today).sort((a, b) => a.date < b.date ? -1 : 1),
    };
}
