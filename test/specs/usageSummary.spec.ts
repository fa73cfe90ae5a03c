import {encode} from '../../src/core/logs/byteJson.js';
import {emptyHistory, mergeDays} from '../../src/core/logs/history.js';
import {CODEX, UsageStore, newEntryValues, type EntryValues} from '../../src/core/logs/usageStore.js';
import {storeDays, summarizeSource, type FileLabels} from '../../src/core/logs/usageSummary.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 12);

function store(entries: Partial<EntryValues>[]): UsageStore {
    const s = new UsageStore();
    entries.forEach((e, i) => s.offer(encode(`k${i}`), {...newEntryValues(), time: NOW - HOUR, model: 'claude-opus-4-6', cost: 1, ...e}));
    return s;
}

const labels: FileLabels[] = [{source: 'claude', project: 'api', session: 's1'}, {source: 'claude', project: 'web', session: 's2'},
    {source: 'codex', project: 'cli', session: 'r1'}];

describe('summaries from the store', () => {
    it('sums days by model, keeping unpriced tokens apart from cost, one source at a time', () => {
        const s = store([{cost: 2, input: 10}, {cost: Number.NaN, model: 'mystery', input: 50}, {time: NOW + 24 * HOUR, cost: 1},
            {flags: CODEX, file: 2, cost: 4}]);
        const days = storeDays(s, 'claude');
        const today = days.get('2026-11-23');
        expect([today?.cost, today?.unpricedTokens, today?.entries]).toEqual([2, 50, 2]);
        expect(today?.models.map(m => [m.model, m.priced])).toEqual([['claude-opus-4-6', true], ['mystery', false]]);
        expect(days.get('2026-11-24')?.entries).toBe(1);
        expect(storeDays(s, 'codex').get('2026-11-23')?.cost).toBe(4);
    });

    it('gives today, sessions, month, projects, block and last activity', () => {
        const s = store([{cost: 2, file: 0}, {cost: 3, file: 1, time: NOW - 2 * HOUR}, {cost: 5, file: 0, time: Date.UTC(2026, 9, 30)},
            {flags: CODEX, file: 2, cost: 4}]);
        const history = emptyHistory();
        mergeDays(history, 'claude', storeDays(s, 'claude'), '2026-11-23');
        const claude = summarizeSource(s, labels, {source: 'claude', roots: ['/r'], files: 2, kept: history.claude}, NOW);
        expect(claude.today.cost).toBe(5);
        expect(claude.month.cost).toBe(5);
        expect(claude.allTime.cost).toBe(10);
        expect(claude.sessionsToday).toBe(2);
        expect(claude.projects.map(p => [p.project, p.cost])).toEqual([['web', 3], ['api', 2]]);
        expect(claude.block?.cost).toBe(5);
        expect(claude.lastActivity).toBe(NOW - HOUR);
        expect(claude.days.map(d => d.date)).toEqual(['2026-10-30', '2026-11-23']);
        const codex = summarizeSource(s, labels, {source: 'codex', roots: [], files: 1, kept: {}}, NOW);
        expect([codex.allTime.cost, codex.block, codex.projects[0]?.project]).toEqual([4, null, 'cli']);
    });
});
