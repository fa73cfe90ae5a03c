// Removes anything that looks like a credential from text that may reach a log, the UI or
// a cache file (error bodies, raw payloads), signed links included. Counts are not secrets:
// `input_tokens: 1234` is data and stays.

const REDACTED = '[redacted]';

/** Each pattern's first group, when it has one, is kept: it names what was redacted (`Bearer `). */
const SECRET_PATTERNS: RegExp[] = [
    /\bsk-[A-Za-z0-9_-]{8,}/g, // Anthropic and OpenAI keys and OAuth tokens (sk-ant-oat01-…)
    /\bsess-[A-Za-z0-9_-]{16,}/g, // OpenAI dashboard session keys
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g, // JWTs
    /\b(?:gh[oprsu]_|github_pat_)[A-Za-z0-9_]{16,}/g, // GitHub tokens, refresh tokens (ghr_) included
    /\bya29\.[A-Za-z0-9_-]{16,}/g, // Google access tokens
    /\b1\/\/0[A-Za-z0-9_-]{16,}/g, // Google refresh tokens
    /\bGOCSPX-[A-Za-z0-9_-]{8,}/g, // Google OAuth client secrets
    /\bAIza[A-Za-z0-9_-]{30,}/g, // Google API keys
    /(\bBearer\s+)[^\s"',]+/gi,
    /(\bBasic\s+)[A-Za-z0-9+/=._-]{6,}/g,
    /(\btoken\s+)[A-Za-z0-9_.-]{16,}/gi, // GitHub's `Authorization: token <hex>`
];

/**
 * Query parameters whose value authorises by itself: signatures of signed links (S3, GCS, Azure),
 * OAuth codes and tokens, keys. A link carrying one loses its whole query: the rest (expiry,
 * credential id) is only useful with it.
 */
const SIGNED_PARAMETER = /^(?:sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|x-goog-signature|x-goog-credential|code|token|access_token|refresh_token|id_token|client_secret|key|api_key|apikey|jwt)$/i;
const LINK_WITH_QUERY = /\bhttps?:\/\/[^\s"'<>?#]+\?[^\s"'<>#]*/gi;
const QUERY_PARAMETER = /([?&;]([A-Za-z0-9_.-]+)=)[^&\s"'#;]+/g;

function redactLink(link: string): string {
    const query = link.slice(link.indexOf('?') + 1);
    const names = query.split('&').map(pair => decodeSafely(pair.split('=')[0] ?? ''));
    return names.some(name => SIGNED_PARAMETER.test(name)) ? `${link.slice(0, link.indexOf('?'))}?${REDACTED}` : link;
}

/** decodeURIComponent that never throws on a malformed `%`. */
function decodeSafely(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

export function redact(text: string): string {
    let result = text.replace(LINK_WITH_QUERY, redactLink)
        .replace(QUERY_PARAMETER, (match, prefix: string, name: string) =>
            SIGNED_PARAMETER.test(decodeSafely(name)) ? `${prefix}${REDACTED}` : match);
    for (const pattern of SECRET_PATTERNS)
        result = result.replace(pattern, (_match, prefix: unknown) => typeof prefix === 'string' ? `${prefix}${REDACTED}` : REDACTED);
    return result;
}

const SECRET_KEY = /token|secret|key|password|authorization|cookie|session|signature|credential/i;
/** Under a secret-looking key, a short string of digits is a count (`"input_tokens": "1234"`), not a secret. */
const COUNT_TEXT = /^\d{1,15}$/;
/** Deeper than this, a payload is not data anyone reads: it is cut, so that nothing recurses without end. */
const MAX_DEPTH = 64;

/**
 * Deep copy of a JSON value with every string redacted and the strings under secret-looking keys
 * blanked. Numbers, booleans and null are kept everywhere: a token count is data.
 */
export function redactJson(value: unknown, depth = 0): unknown {
    if (depth > MAX_DEPTH)
        return REDACTED;
    if (typeof value === 'string')
        return redact(value);
    if (Array.isArray(value))
        return value.map(item => redactJson(item, depth + 1));
    if (typeof value === 'object' && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value)) {
            out[key] = SECRET_KEY.test(key) && typeof inner === 'string' && !COUNT_TEXT.test(inner)
                ? REDACTED : redactJson(inner, depth + 1);
        }
        return out;
    }
    return value;
}
