// The shipped price table (core/priceTable.ts): dated, every price a sane number, and the
// relations every provider's price list keeps (output dearer than input, cache reads cheaper,
// the long-context tier dearer than the base).

import {PRICES, PRICE_TABLE_DATE, type ModelPrice} from '../../src/core/priceTable.js';

const entries = Object.entries(PRICES);
const numbers = (price: ModelPrice): number[] => [price.input, price.output, price.cacheWrite, price.cacheRead,
    price.above200k?.input, price.above200k?.output, price.above200k?.cacheWrite, price.above200k?.cacheRead,
    price.fast, price.longContextInput].filter((n): n is number => n !== undefined);

describe('the price table', () => {
    it('is dated with a real calendar day', () => {
        expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(new Date(`${PRICE_TABLE_DATE}T00:00:00Z`).toISOString().slice(0, 10)).toBe(PRICE_TABLE_DATE);
    });

    it('prices Claude and OpenAI models under undated, lower-case names', () => {
        expect(entries.length).toBeGreaterThan(0);
        expect(entries.some(([name]) => name.startsWith('claude-'))).toBeTrue();
        expect(entries.some(([name]) => name.startsWith('gpt-'))).toBeTrue();
        for (const [name] of entries) {
            expect(name).withContext(name).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
            expect(name).withContext(name).not.toMatch(/-\d{8}$/);
        }
    });

    it('holds only finite, positive prices in dollars per million tokens', () => {
        for (const [name, price] of entries) {
            for (const value of numbers(price))
                expect(Number.isFinite(value) && value > 0).withContext(`${name}: ${value}`).toBeTrue();
            expect(price.input).withContext(name).toBeLessThan(100);
            expect(price.output).withContext(name).toBeLessThan(500);
        }
    });

    it('keeps output dearer than input, cache writes dearer and cache reads cheaper than input', () => {
        for (const [name, price] of entries) {
            expect(price.output).withContext(name).toBeGreaterThan(price.input);
            if (price.cacheWrite !== undefined)
                expect(price.cacheWrite).withContext(name).toBeGreaterThan(price.input);
            if (price.cacheRead !== undefined)
                expect(price.cacheRead).withContext(name).toBeLessThan(price.input);
        }
    });

    it('prices the part above 200k tokens at least as high as the base, kind by kind', () => {
        const tiered = entries.filter(([, price]) => price.above200k !== undefined);
        expect(tiered.length).toBeGreaterThan(0);
        for (const [name, price] of tiered) {
            const tier = price.above200k;
            expect(tier?.input).withContext(name).toBeGreaterThan(price.input);
            expect(tier?.output).withContext(name).toBeGreaterThan(price.output);
            if (tier?.cacheWrite !== undefined && price.cacheWrite !== undefined)
                expect(tier.cacheWrite).withContext(name).toBeGreaterThan(price.cacheWrite);
            if (tier?.cacheRead !== undefined && price.cacheRead !== undefined)
                expect(tier.cacheRead).withContext(name).toBeGreaterThan(price.cacheRead);
        }
    });

    it('has fast-mode multipliers above 1 and long-context thresholds in whole tokens', () => {
        for (const [name, price] of entries) {
            if (price.fast !== undefined)
                expect(price.fast).withContext(name).toBeGreaterThan(1);
            if (price.longContextInput !== undefined) {
                expect(Number.isInteger(price.longContextInput)).withContext(name).toBeTrue();
                expect(price.longContextInput).withContext(name).toBeGreaterThanOrEqual(100_000);
            }
        }
    });
});
