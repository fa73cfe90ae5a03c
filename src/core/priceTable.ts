// The API prices the local-log estimates use, in US dollars per million tokens.
// Taken 2026-11-23 from the public LiteLLM price list (model_prices_and_context_window.json)
// and the figures ccusage 20.0.24 reproduces offline. Users can override or add models in
// ~/.config/ai-usage-meter/prices.json (see pricing.ts).

export const PRICE_TABLE_DATE = '2026-11-23';

export interface ModelPrice {
    input: number;
    output: number;
    /** 5-minute cache write; defaults to 1.25 × input. */
    cacheWrite?: number;
    /** Cache read (Claude) or cached input (OpenAI); defaults to 0.1 × input for Claude models. */
    cacheRead?: number;
    /** Prices for the part of one entry's count of a kind above 200k tokens. */
    above200k?: {input: number; output: number; cacheWrite?: number; cacheRead?: number};
    /** Multiplier for `usage.speed == "fast"` (Claude) or the priority tier (OpenAI). */
    fast?: number;
    /** OpenAI long context: an event whose input exceeds this is billed at 2 × the input price. */
    longContextInput?: number;
}

const SONNET_TIER = {input: 6, output: 22.5, cacheWrite: 7.5, cacheRead: 0.6};
const OPUS_45 = {input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5};
const OPUS_4 = {input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5};
const SONNET = {input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3};
const GPT_5 = {input: 1.25, cacheRead: 0.125, output: 10};
const GPT_52 = {input: 1.75, cacheRead: 0.175, output: 14};

export const PRICES: Readonly<Record<string, ModelPrice>> = {
    'claude-opus-4-7': {...OPUS_45, fast: 6},
    'claude-opus-4-6': {...OPUS_45, fast: 6},
    'claude-opus-4-5': OPUS_45,
    'claude-opus-4-1': OPUS_4,
    'claude-opus-4': OPUS_4,
    'claude-sonnet-4-6': SONNET,
    'claude-sonnet-4-5': {...SONNET, above200k: SONNET_TIER},
    'claude-sonnet-4': {...SONNET, above200k: SONNET_TIER},
    'claude-3-7-sonnet': SONNET,
    'claude-3-5-sonnet': SONNET,
    'claude-haiku-4-5': {input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1},
    'claude-3-5-haiku': {input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08},
    'claude-3-opus': OPUS_4,
    'claude-3-haiku': {input: 0.25, output: 1.25, cacheWrite: 0.3, cacheRead: 0.03},
    'gpt-5': GPT_5,
    'gpt-5-codex': GPT_5,
    'gpt-5-mini': {input: 0.25, cacheRead: 0.025, output: 2},
    'gpt-5-nano': {input: 0.05, cacheRead: 0.005, output: 0.4},
    'gpt-5.1': GPT_5,
    'gpt-5.1-codex': GPT_5,
    'gpt-5.1-codex-max': GPT_5,
    'gpt-5.1-codex-mini': {input: 0.25, cacheRead: 0.025, output: 2},
    'gpt-5.2': GPT_52,
    'gpt-5.2-codex': GPT_52,
    'gpt-5.3-codex': {...GPT_52, fast: 2},
    'gpt-5.4': {input: 2.5, cacheRead: 0.25, output: 15, fast: 2, longContextInput: 272_000},
    'gpt-5.5': {input: 5, cacheRead: 0.5, output: 30, fast: 2.5, longContextInput: 272_000},
    'gpt-4.1': {input: 2, cacheRead: 0.5, output: 8},
    'gpt-4o': {input: 2.5, cacheRead: 1.25, output: 10},
    'o3': {input: 2, cacheRead: 0.5, output: 8},
    'o4-mini': {input: 1.1, cacheRead: 0.275, output: 4.4},
};
