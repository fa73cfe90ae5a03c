import GLib from 'gi://GLib';

import {renderI3blocks, renderTable, renderWaybar} from '../../src/cli/render.js';
import {emptySnapshot} from '../../src/core/contract.js';
import type {UsageSnapshot} from '../../src/core/contract.js';
import {parseClaudeUsage} from '../../src/core/providers/claude.js';
import {parseCodexUsage} from '../../src/core/providers/codex.js';
import {fixtureJson, fixtureText} from '../support/fixtureServer.js';

// The day before the fixtures' resets (2100-01-01 15:00 UTC); the specs run with TZ=UTC.
const NOW = Date.UTC(2099, 11, 31, 12, 0);
const names = (id: string): string => ({claude: 'Claude', codex: 'Codex', gemini: 'Gemini', copilot: 'Copilot'})[id] ?? id;
const thresholds = {warning: 70, critical: 90};

function snapshots(): UsageSnapshot[] {
    const claude = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
    const codex = parseCodexUsage(fixtureJson('codex/usage-plus.json'));
    return [
        {...emptySnapshot('claude', 'c', 'e2e@example.com'), plan: 'Max 20x', windows: claude, updatedAt: NOW - 5 * 60_000},
        {...emptySnapshot('codex', 'x', 'codex@example.com'), plan: 'Plus', windows: codex.windows,
            balances: codex.balances, updatedAt: NOW - 3 * 3_600_000, stale: true, source: 'Codex session log',
            error: {kind: 'auth', message: 'The server rejected the credentials (401).',
                hint: 'Run `codex login` to sign in with your ChatGPT account.', retryAt: null}},
    ];
}

/** Compares with test/fixtures/cli/NAME; UPDATE_GOLDEN=1 rewrites the file from the build tree. */
function expectGolden(name: string, actual: string): void {
    if (GLib.getenv('UPDATE_GOLDEN') === '1') {
        const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
        GLib.file_set_contents(GLib.build_filenamev([here, '..', '..', '..', 'test', 'fixtures', 'cli', name]), `${actual}\n`);
        return;
    }
    expect(`${actual}\n`).toBe(fixtureText(`cli/${name}`));
}

describe('CLI output', () => {
    it('prints a readable table (golden)', () => {
        expectGolden('show.txt', renderTable(snapshots(), names, NOW));
    });

    it('prints one line of Waybar JSON (golden)', () => {
        const line = renderWaybar(snapshots(), names, thresholds, NOW);
        expect(line).not.toContain('\n');
        const parsed = JSON.parse(line) as {text: string; class: string; percentage: number; tooltip: string};
        expect(parsed.class).toBe('warning');
        expect(parsed.percentage).toBe(72);
        expectGolden('waybar.json', line);
    });

    it('prints i3blocks lines, with a colour only when a limit is high (golden)', () => {
        expectGolden('i3blocks.txt', renderI3blocks(snapshots(), names, thresholds));
        expect(renderI3blocks([], names, thresholds)).toBe('AI\n0%');
    });
});

describe('CLI output: where each number came from', () => {
    it('names the source of each limit of a mixed Claude card, and the session log of a Codex one', () => {
        const claude: UsageSnapshot = {...emptySnapshot('claude', 'c', 'e2e@example.com'), updatedAt: NOW, windows: [
            {id: 'five_hour', label: '5h', usedPercent: 24, resetsAt: null, windowSeconds: 18000, source: 'from the statusline, 11:58'},
            {id: 'seven_day_opus', label: '7d Opus', usedPercent: 3, resetsAt: null, windowSeconds: 604800,
                source: 'from the usage API, 11:30'}]};
        const table = renderTable([claude, ...snapshots().slice(1)], names, NOW).split('\n');
        expect(table.find(line => line.includes('5h'))).toContain('from the statusline, 11:58');
        expect(table.find(line => line.includes('7d Opus'))).toContain('from the usage API, 11:30');
        expect(table.some(line => /as of .*, from the Codex session log/.test(line))).toBeTrue();
    });
});
