import {PriceList, parsePriceOverrides, type ClaudeTokens} from '../../src/core/pricing.js';

const M = 1_000_000;
const tokens = (t: Partial<ClaudeTokens>): ClaudeTokens =>
    ({input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, fast: false, ...t});

describe('PriceList model matching', () => {
    const prices = new PriceList();

    it('finds dated, prefixed and suffixed names by the longest table name they contain', () => {
        expect(prices.lookup('claude-sonnet-4-5-20250929')?.above200k).toBeDefined();
        expect(prices.lookup('anthropic.claude-haiku-4-5-20251001-v1:0')?.input).toBe(1);
        expect(prices.lookup('claude-opus-4-6')?.fast).toBe(6);
        expect(prices.lookup('gpt-5.1-codex-mini')?.input).toBe(0.25);
    });

    it('does not price a newer version as an older one', () => {
        // claude-sonnet-4 is in the table, but "-5" after it is another version, not a date.
        expect(prices.lookup('claude-sonnet-4-5')).toBe(prices.lookup('claude-sonnet-4-5-20250929'));
        expect(prices.lookup('claude-foo-9')).toBeNull();
        expect(prices.lookup('claude-opus-4-9')).toBeNull();
    });

    it('leaves an unknown model unpriced rather than free', () => {
        expect(prices.claudeCost('my-local-llama', tokens({input: 1000}))).toBeNull();
        expect(prices.codexCost('some-new-model', {input: 10, cached: 0, output: 5})).toBeNull();
    });
});

describe('PriceList.claudeCost (the figures ccusage 20.0.24 gives)', () => {
    const prices = new PriceList();
    const cases: [string, string, Partial<ClaudeTokens>, number][] = [
        ['tier per kind, not per request', 'claude-sonnet-4-5', {input: 10, output: 1000, cacheWrite5m: 2000, cacheRead: 300_000}, 0.14253],
        ['1-hour cache writes at twice the input price', 'claude-sonnet-4-5', {input: 10, output: 1000, cacheWrite1h: 2000, cacheRead: 300_000}, 0.14703],
        ['fast mode multiplier', 'claude-opus-4-6', {input: 10, output: 1000, fast: true}, 0.1503],
        ['above-200k input', 'claude-sonnet-4-5', {input: M}, 5.4],
        ['no tier on sonnet-4-6', 'claude-sonnet-4-6', {input: 300_000}, 0.9],
        ['no tier on opus-4-6', 'claude-opus-4-6', {input: 300_000}, 1.5],
        ['tier on dated sonnet-4', 'claude-sonnet-4-20250514', {input: 300_000}, 1.2],
        ['opus-4-5', 'claude-opus-4-5', {input: M}, 5],
        ['opus-4-1', 'claude-opus-4-1', {input: M}, 15],
        ['3-5-haiku', 'claude-3-5-haiku', {input: M}, 0.8],
        ['haiku-4-5 cache write and read', 'claude-haiku-4-5', {cacheWrite5m: M, cacheRead: M}, 1.35],
    ];
    for (const [what, model, t, expected] of cases) {
        it(what, () => {
            expect(prices.claudeCost(model, tokens(t))).toBeCloseTo(expected, 9);
        });
    }
});

describe('PriceList.codexCost', () => {
    const prices = new PriceList();

    it('charges cached input at the cached price and uncached at the input price', () => {
        // 1M uncached + 1M cached + 1M output.
        expect(prices.codexCost('gpt-5-codex', {input: 2 * M, cached: M, output: M})).toBeCloseTo(11.375, 9);
        expect(prices.codexCost('gpt-5.1-codex-mini', {input: 2 * M, cached: M, output: M})).toBeCloseTo(2.275, 9);
        expect(prices.codexCost('gpt-5.2-codex', {input: 2 * M, cached: M, output: M})).toBeCloseTo(15.925, 9);
    });

    it('bills a long-context event at twice the input price (gpt-5.4, gpt-5.5)', () => {
        expect(prices.codexCost('gpt-5.4', {input: 300_000, cached: 0, output: 0})).toBeCloseTo(1.5, 9);
        expect(prices.codexCost('gpt-5.4', {input: 270_000, cached: 0, output: 0})).toBeCloseTo(0.675, 9);
        expect(prices.codexCost('gpt-5.5', {input: 300_000, cached: 0, output: 0})).toBeCloseTo(3, 9);
        expect(prices.codexCost('gpt-5.2-codex', {input: 300_000, cached: 0, output: 0})).toBeCloseTo(0.525, 9);
    });

    it('caps cached input at input', () => {
        expect(prices.codexCost('gpt-5', {input: 100, cached: 500, output: 0})).toBeCloseTo(100 * 0.125 / M, 12);
    });
});

describe('price overrides', () => {
    it('adds models and replaces known ones, in dollars per million tokens', () => {
        const {prices, errors} = parsePriceOverrides(JSON.stringify({
            'my-model': {input: 2, output: 8, cacheRead: 0.2},
            'claude-opus-4-6': {input: 1, output: 1},
            'broken': {input: 'cheap'},
        }));
        expect(errors).toEqual(['broken: needs numeric "input" and "output" ($ per million tokens)']);
        const list = new PriceList(prices);
        expect(list.codexCost('my-model', {input: M, cached: M, output: 0})).toBeCloseTo(0.2, 9);
        expect(list.claudeCost('claude-opus-4-6', tokens({output: M}))).toBeCloseTo(1, 9);
    });

    it('reports a file that is not a JSON object', () => {
        expect(parsePriceOverrides('[1, 2]').errors).toEqual(['not a JSON object']);
    });
});
