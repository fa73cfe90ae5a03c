import type {ProviderError} from '../../src/core/errors.js';
import {claudePlanLabel, describeBucket, parseClaudeUsage} from '../../src/core/providers/claude.js';
import {fixtureJson} from '../support/fixtureServer.js';
import {providerErrorFrom} from '../support/helpers.js';

function parseError(json: unknown): Promise<ProviderError> {
    return providerErrorFrom(() => parseClaudeUsage(json));
}

describe('parseClaudeUsage()', () => {
    it('reads every bucket of a Max response, session first, then weekly, then the rest', () => {
        const usage = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
        expect(usage.map(w => [w.id, w.label, w.usedPercent])).toEqual([
            ['five_hour', '5h', 72.4],
            ['seven_day', '7d', 22],
            ['seven_day_cowork', '7d Daily Routines', 18],
            ['seven_day_sonnet', '7d Sonnet', 5],
            ['extra_usage', 'Extra usage', 24.68],
        ]);
        expect(usage[0]?.windowSeconds).toBe(5 * 3600);
        expect(usage[1]?.windowSeconds).toBe(7 * 86400);
    });

    it('parses reset times with fractional seconds and offsets', () => {
        const usage = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
        expect(usage[0]?.resetsAt).toBe(Date.UTC(2100, 0, 1, 15, 0, 0, 123));
        expect(usage[1]?.resetsAt).toBe(Date.UTC(2100, 0, 5, 9, 0, 0));
    });

    it('reads extra usage as a money limit, from cents to dollars', () => {
        const usage = parseClaudeUsage(fixtureJson('claude/usage-max.json'));
        expect(usage.find(w => w.id === 'extra_usage')?.money).toEqual({used: 12.34, limit: 50, currency: 'USD'});
    });

    it('gives an account whose only limit is a spend cap that cap, in its own currency', () => {
        const usage = parseClaudeUsage({five_hour: null, seven_day: null,
            extra_usage: {is_enabled: true, monthly_limit: 2000, used_credits: 763, currency: 'EUR'}});
        expect(usage.map(w => [w.label, w.money?.currency, Math.round(w.usedPercent)])).toEqual([['Extra usage', 'EUR', 38]]);
    });

    it('ignores extra usage that is disabled or incomplete', () => {
        const base = {five_hour: {utilization: 1, resets_at: null}};
        const money = (json: unknown) => parseClaudeUsage(json).filter(w => w.money !== undefined);
        expect(money({...base, extra_usage: {is_enabled: false, monthly_limit: 100, used_credits: 5}})).toEqual([]);
        expect(money({...base, extra_usage: {is_enabled: true, monthly_limit: 100}})).toEqual([]);
    });

    it('keeps buckets it has never seen, with a readable label', () => {
        const usage = parseClaudeUsage({
            five_hour: {utilization: 10, resets_at: '2026-11-23T15:00:00Z'},
            thirty_day_design: {utilization: 40, resets_at: '2026-12-01T00:00:00Z'},
            weekly_routines: {utilization: 3},
        });
        expect(usage.map(w => w.label)).toEqual(['5h', '30d Design', 'Other limit (weekly_routines)']);
        expect(usage[1]?.windowSeconds).toBe(30 * 86400);
        expect(usage[2]?.windowSeconds).toBeNull();
        expect(usage[2]?.resetsAt).toBeNull();
    });

    it('skips null buckets, null utilization and wrongly typed fields', () => {
        const usage = parseClaudeUsage({
            five_hour: {utilization: '12', resets_at: '2026-11-23T15:00:00Z'},
            seven_day: {utilization: 30, resets_at: 12345},
            seven_day_opus: null,
            seven_day_sonnet: {utilization: null},
            seven_day_oauth_apps: [1, 2],
            unrelated: 'text',
        });
        expect(usage.map(w => w.id)).toEqual(['seven_day']);
        expect(usage[0]?.resetsAt).toBeNull();
    });

    it('adds model-scoped weekly limits from limits[] without duplicating named buckets', () => {
        const usage = parseClaudeUsage({
            seven_day: {utilization: 30, resets_at: '2026-11-25T09:00:00Z'},
            seven_day_sonnet: {utilization: 5, resets_at: '2026-11-25T09:00:00Z'},
            limits: [
                {kind: 'weekly_scoped', percent: 40, resets_at: '2026-11-25T09:00:00Z',
                    scope: {model: {id: 'x', display_name: 'Fable'}}, is_active: false},
                {kind: 'weekly_scoped', percent: 6, scope: {model: {display_name: 'Sonnet'}}},
                {kind: 'session', percent: 12},
                'garbage',
            ],
        });
        expect(usage.map(w => [w.label, w.usedPercent])).toEqual([['5h', 12], ['7d', 30], ['7d Fable', 40], ['7d Sonnet', 6]]);
    });

    it('reads an answer with nothing to show as no limits, not as an error', () => {
        expect(parseClaudeUsage({})).toEqual([]);
        expect(parseClaudeUsage({five_hour: null, extra_usage: {is_enabled: false}})).toEqual([]);
    });

    it('reports a parse error for a body that is not an object', async () => {
        expect((await parseError([])).kind).toBe('parse');
        expect((await parseError(null)).kind).toBe('parse');
        expect((await parseError(undefined)).kind).toBe('parse');
    });
});

describe('describeBucket()', () => {
    it('turns known duration prefixes into short labels', () => {
        expect(describeBucket('five_hour')).toEqual({label: '5h', windowSeconds: 18000});
        expect(describeBucket('seven_day_opus')).toEqual({label: '7d Opus', windowSeconds: 604800});
        expect(describeBucket('seven_day_oauth_apps').label).toBe('7d OAuth apps');
    });

    it('falls back to the humanized key', () => {
        expect(describeBucket('many_day_thing')).toEqual({label: 'Many day thing', windowSeconds: null});
    });
});

describe('claudePlanLabel()', () => {
    it('combines the subscription with the rate-limit tier multiplier', () => {
        expect(claudePlanLabel('max', 'default_claude_max_20x')).toBe('Max 20x');
        expect(claudePlanLabel('pro', null)).toBe('Pro');
    });

    it('derives the plan from the tier alone', () => {
        expect(claudePlanLabel(null, 'default_claude_max_5x')).toBe('Max 5x');
    });

    it('returns null when nothing is known', () => {
        expect(claudePlanLabel(null, null)).toBeNull();
    });
});
