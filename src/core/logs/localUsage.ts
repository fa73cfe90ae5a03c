// The local-log contract (what the scanner prints and the menu and CLI read) and the
// aggregation from de-duplicated entries: days, month, models, projects, the 5-hour block.
// Days are calendar days in the local time zone; times are epoch milliseconds.

export type LogSource = 'claude' | 'codex';

/** The tools that write the logs, by name (product names, not translated). */
export const LOG_SOURCE_NAMES: Readonly<Record<LogSource, string>> = {claude: 'Claude Code', codex: 'Codex'};

/** One billable response (Claude) or event (Codex), after de-duplication. */
export interface UsageEntry {
    source: LogSource;
    time: number;
    /** The local calendar day of `time` (see dayKey), computed once. */
    day: string;
    model: string;
    project: string;
    session: string;
    /** Uncached input (Codex: input minus cached input). */
    input: number;
    output: number;
    cacheWrite: number;
    cacheRead: number;
    /** Null when the model has no known price. */
    cost: number | null;
    /** A subagent's transcript line (Claude); the main copy of a response wins over it. */
    sidechain: boolean;
}

export interface Totals {
    /** Estimated cost of the priced entries, US dollars. */
    cost: number;
    input: number;
    output: number;
    cacheWrite: number;
    cacheRead: number;
    /** Tokens of entries whose model has no price: shown, never priced at $0. */
    unpricedTokens: number;
    entries: number;
}

export interface ModelTotals extends Totals {
    model: string;
    priced: boolean;
}

export interface ProjectTotals {
    project: string;
    cost: number;
    tokens: number;
}

export interface DayTotals extends Totals {
    /** YYYY-MM-DD, local time. */
    date: string;
    models: ModelTotals[];
}

/** The current 5-hour block (Claude's session window), as ccusage defines it. */
export interface Block {
    start: number;
    end: number;
    lastActivity: number;
    cost: number;
    tokens: number;
    /** Between the block's first and last entry. */
    costPerHour: number;
    tokensPerMinute: number;
    /** Cost at the block's end if the burn rate holds. */
    projectedCost: number;
}

export interface SourceUsage {
    source: LogSource;
    /** The folders scanned. */
    roots: string[];
    files: number;
    today: Totals;
    month: Totals;
    sessionsToday: number;
    /** Month to date, most expensive first. */
    models: ModelTotals[];
    /** Month to date, top five by cost. */
    projects: ProjectTotals[];
    block: Block | null;
    lastActivity: number | null;
    /** Everything read from the logs, including transcripts deleted since (not the kept history). */
    allTime: Totals;
    /** The last 30 days, from the logs and our kept history, oldest first. */
    days: DayTotals[];
}

/** The scanner's own counters: how this answer was reached. */
export interface ScannerReport {
    /** Scans that read every file from the start, since the saved state was first made. */
    fullScans: number;
    /** Worker starts that continued from the saved state. */
    restores: number;
    /** This scanner started from the saved state. */
    restored: boolean;
    /** This answer is the saved state alone, before the logs were looked at: ask again for what changed. */
    fromSavedState: boolean;
    /** Files read (in part) by this scan. */
    filesRead: number;
    /** Where this scan's time went, ms per phase (in the order they ran). */
    phases?: Record<string, number>;
}

export interface LocalUsage {
    generatedAt: number;
    scanMs: number;
    bytesRead: number;
    scanner?: ScannerReport;
    priceTableDate: string;
    /** Problems with the user's price overrides file. */
    priceErrors: string[];
    sources: SourceUsage[];
}

export const FIVE_HOURS = 5 * 3600_000;
const HOUR = 3600_000;

export const emptyTotals = (): Totals =>
    ({cost: 0, input: 0, output: 0, cacheWrite: 0, cacheRead: 0, unpricedTokens: 0, entries: 0});

export const entryTokens = (e: UsageEntry): number => e.input + e.output + e.cacheWrite + e.cacheRead;
export const totalTokens = (t: Totals): number => t.input + t.output + t.cacheWrite + t.cacheRead;

function addEntry(t: Totals, e: UsageEntry): void {
    t.input += e.input;
    t.output += e.output;
    t.cacheWrite += e.cacheWrite;
    t.cacheRead += e.cacheRead;
    t.entries++;
    if (e.cost === null)
        t.unpricedTokens += entryTokens(e);
    else
        t.cost += e.cost;
}

function addTotals(t: Totals, other: Totals): void {
    t.cost += other.cost;
    t.input += other.input;
    t.output += other.output;
    t.cacheWrite += other.cacheWrite;
    t.cacheRead += other.cacheRead;
    t.unpricedTokens += other.unpricedTokens;
    t.entries += other.entries;
}

const pad = (n: number): string => String(n).padStart(2, '0');
// Local days change on quarter hours in every time zone, so one answer serves a quarter hour:
// scans ask for tens of thousands of entries, and local-time conversions are not cheap.
const QUARTER_HOUR = 900_000;
const days = new Map<number, string>();

/** The local calendar day of a time, YYYY-MM-DD. */
export function dayKey(time: number): string {
    const quarter = Math.floor(time / QUARTER_HOUR);
    let day = days.get(quarter);
    if (day === undefined) {
        const d = new Date(time);
        day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
        days.set(quarter, day);
    }
    return day;
}

const byCost = <T extends {cost: number}>(a: T, b: T): number => b.cost - a.cost;

/** Sums days into one total with a merged by-model breakdown. */
export function sumDays(days: readonly DayTotals[]): {totals: Totals; models: ModelTotals[]} {
    const totals = emptyTotals();
    const models = new Map<string, ModelTotals>();
    for (const day of days) {
        addTotals(totals, day);
        for (const m of day.models) {
            let sum = models.get(m.model);
            if (!sum) {
                sum = {model: m.model, priced: m.priced, ...emptyTotals()};
                models.set(m.model, sum);
            }
            addTotals(sum, m);
        }
    }
    return {totals, models: [...models.values()].sort(byCost)};
}

/**
 * The block running at `now`, by ccusage's rules: a block starts at its first entry floored to
 * the hour (UTC) and lasts 5 hours; an entry more than 5 hours after the block start or after
 * the previous entry starts a new block. Null when no block is active.
 */
export function currentBlock(entries: readonly UsageEntry[], now: number): Block | null {
    // Blocks chain from the last gap of more than 5 hours, which a week nearly always contains.
    const recent = entries.filter(e => e.time > now - 7 * 24 * HOUR && e.time <= now).sort((a, b) => a.time - b.time);
    let start = -1;
    let first = 0;
    let previous = -Infinity;
    recent.forEach((e, i) => {
        if (start < 0 || e.time - start > FIVE_HOURS || e.time - previous > FIVE_HOURS) {
            start = Math.floor(e.time / HOUR) * HOUR;
            first = i;
        }
        previous = e.time;
    });
    if (start < 0 || now - previous >= FIVE_HOURS || now >= start + FIVE_HOURS)
        return null;
    const inBlock = recent.slice(first);
    const totals = emptyTotals();
    inBlock.forEach(e => addEntry(totals, e));
    const firstTime = inBlock[0]?.time ?? previous;
    const minutes = (previous - firstTime) / 60_000;
    const costPerHour = minutes > 0 ? totals.cost / (minutes / 60) : 0;
    const tokensPerMinute = minutes > 0 ? totalTokens(totals) / minutes : 0;
    const end = start + FIVE_HOURS;
    return {
        start, end, lastActivity: previous, cost: totals.cost, tokens: totalTokens(totals),
        costPerHour, tokensPerMinute,
        projectedCost: totals.cost + costPerHour * Math.max(0, end - now) / HOUR,
    };
}

export function startOfToday(now: number): number {
    const d = new Date(now);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function startOfMonth(now: number): number {
    const d = new Date(now);
    return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

/** The cost of the last `count` days (today included) from a source's daily history. */
export function recentCost(days: readonly DayTotals[], today: string, count: number): number {
    const since = new Date(`${today}T00:00:00`);
    since.setDate(since.getDate() - (count - 1));
    const first = dayKey(since.getTime());
    return days.filter(d => d.date >= first && d.date <= today).reduce((sum, d) => sum + d.cost, 0);
}
