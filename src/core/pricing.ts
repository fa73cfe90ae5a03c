// Prices a log entry at API rates: model-name matching, the 200k tier, 1-hour cache writes,
// the fast multiplier and OpenAI's cached input. An unknown model has no price (null), so that
// callers show it as "unpriced" rather than as $0.

import {isObject, optionalNumber, parseJson} from './json.js';
import {PRICES, type ModelPrice} from './priceTable.js';

const TIER = 200_000;
const PER_MILLION = 1e-6;

/** Token counts of one Claude response. */
export interface ClaudeTokens {
    input: number;
    output: number;
    cacheWrite5m: number;
    cacheWrite1h: number;
    cacheRead: number;
    fast: boolean;
}

/** Token counts of one Codex event (`input` includes `cached`). */
export interface CodexTokens {
    input: number;
    cached: number;
    output: number;
}

const words = (name: string): string => name.toLowerCase().replace(/[.@]/g, '-');
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/i.test(c);

/**
 * True when `needle` sits in `hay` on name boundaries and what follows is not another version
 * number (so `claude-sonnet-4` does not price `claude-sonnet-4-5`), a date excepted.
 */
function containsModel(hay: string, needle: string): boolean {
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
        const rest = hay.slice(at + needle.length);
        if (isAlnum(hay[at - 1]) || isAlnum(rest[0]))
            continue;
        if (/^-\d/.test(rest) && !/^-\d{8}(?!\d)/.test(rest))
            continue;
        return true;
    }
    return false;
}

export class PriceList {
    private readonly _prices: Map<string, ModelPrice>;
    private readonly _resolved = new Map<string, ModelPrice | null>();

    constructor(overrides: Readonly<Record<string, ModelPrice>> = {}) {
        this._prices = new Map(Object.entries({...PRICES, ...overrides}).map(([k, v]) => [words(k), v]));
    }

    /** The price of a model, by exact name, then by the longest table name it contains (or that contains it). */
    lookup(model: string): ModelPrice | null {
        const cached = this._resolved.get(model);
        if (cached !== undefined)
            return cached;
        const name = words(model);
        let found = this._prices.get(name) ?? null;
        if (!found) {
            let bestLength = 0;
            for (const [key, price] of this._prices) {
                if (key.length > bestLength && (containsModel(name, key) || containsModel(key, name))) {
                    found = price;
                    bestLength = key.length;
                }
            }
        }
        this._resolved.set(model, found);
        return found;
    }

    /** The cost of one Claude response, or null when the model is unknown. */
    claudeCost(model: string, t: ClaudeTokens): number | null {
        const p = this.lookup(model);
        if (!p)
            return null;
        const a = p.above200k;
        const write = p.cacheWrite ?? p.input * 1.25;
        const read = p.cacheRead ?? p.input * 0.1;
        const tiered = (count: number, base: number, above: number | undefined): number =>
            above !== undefined && count > TIER ? TIER * base + (count - TIER) * above : count * base;
        const cost = tiered(t.input, p.input, a?.input) +
            tiered(t.output, p.output, a?.output) +
            tiered(t.cacheWrite5m, write, a ? a.cacheWrite ?? a.input * 1.25 : undefined) +
            tiered(t.cacheWrite1h, 2 * p.input, a ? 2 * a.input : undefined) +
            tiered(t.cacheRead, read, a ? a.cacheRead ?? a.input * 0.1 : undefined);
        return cost * PER_MILLION * (t.fast ? p.fast ?? 1 : 1);
    }

    /** The cost of one Codex event, or null when the model is unknown. */
    codexCost(model: string, t: CodexTokens, fast = false): number | null {
        const p = this.lookup(model);
        if (!p)
            return null;
        const cached = Math.min(t.cached, t.input);
        const long = p.longContextInput !== undefined && t.input > p.longContextInput ? 2 : 1;
        const cost = (t.input - cached) * p.input * long + cached * (p.cacheRead ?? p.input) * long +
            t.output * p.output;
        return cost * PER_MILLION * (fast ? p.fast ?? 2 : 1);
    }
}

/**
 * Reads the user's price overrides: `{"model": {"input": 3, "output": 15, "cacheWrite": 3.75,
 * "cacheRead": 0.3}}` in dollars per million tokens. Invalid entries are reported, not guessed.
 */
export function parsePriceOverrides(text: string): {prices: Record<string, ModelPrice>; errors: string[]} {
    const json = parseJson(text);
    const prices: Record<string, ModelPrice> = {};
    const errors: string[] = [];
    if (!isObject(json))
        return {prices, errors: ['not a JSON object']};
    for (const [model, value] of Object.entries(json)) {
        const input = isObject(value) ? optionalNumber(value, 'input') : null;
        const output = isObject(value) ? optionalNumber(value, 'output') : null;
        if (!isObject(value) || input === null || output === null || input < 0 || output < 0) {
            errors.push(`${model}: needs numeric "input" and "output" ($ per million tokens)`);
            continue;
        }
        const price: ModelPrice = {input, output};
        for (const key of ['cacheWrite', 'cacheRead', 'fast', 'longContextInput'] as const) {
            const n = optionalNumber(value, key);
            if (n !== null)
                price[key] = n;
        }
        prices[model] = price;
    }
    return {prices, errors};
}
