// Removes anything that looks like a credential from text that may reach a log, the UI or
// a cache file (error bodies, raw payloads).

const SECRET_PATTERNS: RegExp[] = [
    /\bsk-[A-Za-z0-9_-]{8,}/g, // Anthropic and OpenAI keys and OAuth tokens (sk-ant-oat01-…)
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g, // JWTs
    /\b(gh[opsu]_|github_pat_)[A-Za-z0-9_]{16,}/g, // GitHub tokens
    /\bya29\.[A-Za-z0-9_-]{16,}/g, // Google access tokens
    /(Bearer\s+)[^\s"',]+/gi,
];

export function redact(text: string): string {
    let result = text;
    for (const pattern of SECRET_PATTERNS)
        result = result.replace(pattern, (match, prefix: unknown) =>
            typeof prefix === 'string' && /^Bearer/i.test(prefix) ? `${prefix}[redacted]` : '[redacted]');
    return result;
}

/** Deep copy of a JSON value with every string redacted and token-like keys blanked. */
export function redactJson(value: unknown): unknown {
    if (typeof value === 'string')
        return redact(value);
    if (Array.isArray(value))
        return value.map(redactJson);
    if (typeof value === 'object' && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value))
            out[key] = /token|secret|key|password|authorization/i.test(key) ? '[redacted]' : redactJson(inner);
        return out;
    }
    return value;
}
