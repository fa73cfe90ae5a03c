// The provider interface and the helpers every provider shares: rate-limit gating per
// token, HTTP status to typed error mapping, and turning failures into error snapshots.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {BackoffGate} from './backoff.js';
import {parseRetryAfter} from './backoff.js';
import {emptySnapshot} from './contract.js';
import type {ProviderId, UsageSnapshot} from './contract.js';
import type {Environment} from './environment.js';
import {ProviderError, isCancelled} from './errors.js';
import type {HttpClient, HttpRequest, HttpResponse} from './http.js';
import {_, format} from './i18n.js';
import {redact} from './redact.js';

export interface FetchContext {
    http: HttpClient;
    env: Environment;
    gate: BackoffGate;
    cancellable: Gio.Cancellable;
    /** True when the user asked for this refresh; it may bypass a rate-limit pause. */
    manual: boolean;
}

export interface Provider {
    readonly id: ProviderId;
    readonly name: string;
    /** The provider's own usage page, opened from the menu. */
    readonly usagePageUrl: string;
    /** Credential files whose change should trigger a refresh. */
    watchedPaths(env: Environment): string[];
    /** One snapshot per account; an account that failed carries `error`. Throws only on cancel. */
    fetch(ctx: FetchContext): Promise<UsageSnapshot[]>;
}

/** A short, non-reversible fingerprint of a token, used as its rate-limit key. */
export function tokenFingerprint(token: string): string {
    return GLib.compute_checksum_for_string(GLib.ChecksumType.SHA256, token, -1)?.slice(0, 16) ?? '';
}

export interface StatusHints {
    /** What to do after a 401. */
    unauthorized: string;
    /** Optional special case for 403 (e.g. a missing scope); defaults to an auth error. */
    forbidden?: (response: HttpResponse) => ProviderError;
}

/**
 * Sends a request unless `key` is paused after a rate limit, records 429s and successes
 * in the gate, and turns every non-2xx status into a typed error.
 */
export async function gatedRequest(ctx: FetchContext, key: string, request: HttpRequest,
    hints: StatusHints): Promise<HttpResponse> {
    const now = ctx.env.now();
    const blockedUntil = ctx.gate.blockedUntil(key, now);
    if (blockedUntil !== null && !ctx.manual)
        throw rateLimitedError(blockedUntil);

    const response = await ctx.http.request(request, ctx.cancellable);
    if (response.status === 429) {
        const retryAt = ctx.gate.recordRateLimit(key, ctx.env.now(),
            parseRetryAfter(response.header('Retry-After'), ctx.env.now()));
        throw rateLimitedError(retryAt);
    }
    if (response.status >= 200 && response.status < 300) {
        ctx.gate.recordSuccess(key);
        if (response.body === undefined)
            throw unexpectedResponse(_('The response is not JSON.'));
        return response;
    }
    if (response.status === 401)
        throw new ProviderError('auth', _('The server rejected the credentials (401).'), hints.unauthorized);
    if (response.status === 403) {
        throw hints.forbidden?.(response) ??
            new ProviderError('auth', _('Access denied (403).'), hints.unauthorized);
    }
    if (response.status >= 500) {
        throw new ProviderError('server', format(_('The server had a problem (%d).'), response.status),
            _('This is usually temporary; the next refresh will try again.'));
    }
    throw unexpectedResponse(format(_('Unexpected status %d: %s'), response.status, response.text.slice(0, 200)));
}

export function unexpectedResponse(detail: string): ProviderError {
    return new ProviderError('parse', format(_('Unexpected response: %s'), redact(detail)),
        _('The provider may have changed its API. Please report this if it persists.'));
}

function rateLimitedError(retryAt: number): ProviderError {
    const time = GLib.DateTime.new_from_unix_local(Math.ceil(retryAt / 1000)).format('%H:%M') ?? '';
    return new ProviderError('rate-limited', _('Rate limited by the provider.'),
        format(_('Automatic refreshes pause until %s.'), time), retryAt);
}

/**
 * Runs one account's fetch and turns a ProviderError into an error snapshot. Cancellation
 * and programming errors propagate.
 */
export async function settleAccount(provider: ProviderId, accountId: string, accountLabel: string,
    fetch: () => Promise<UsageSnapshot>): Promise<UsageSnapshot> {
    try {
        return await fetch();
    } catch (error) {
        if (isCancelled(error) || !(error instanceof ProviderError))
            throw error;
        return errorSnapshot(provider, accountId, accountLabel, error);
    }
}

export function errorSnapshot(provider: ProviderId, accountId: string, accountLabel: string,
    error: ProviderError): UsageSnapshot {
    return {
        ...emptySnapshot(provider, accountId, accountLabel),
        error: {kind: error.kind, message: error.message, hint: error.hint, retryAt: error.retryAt},
    };
}
