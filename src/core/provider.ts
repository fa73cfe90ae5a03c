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
import {notJsonError, withoutQuery} from './http.js';
import type {HttpClient, HttpRequest, HttpResponse} from './http.js';
import {_, format} from './i18n.js';
import type {Finding} from './diagnosis.js';
import type {OAuthClient, OwnTokenStore, OwnTokens} from './ownSignIn.js';
import type {PrefsSection} from './prefsSection.js';
import {redact} from './redact.js';
import type {SecretStore} from './secrets.js';
import {Keys, type Settings, type SettingKey} from './settings.js';
import {formatLocal} from './time.js';

export interface FetchContext {
    http: HttpClient;
    env: Environment;
    gate: BackoffGate;
    cancellable: Gio.Cancellable;
    /** True when the user asked for this refresh; it may pass a pause or back-off (see gatedRequest). */
    manual: boolean;
}

/** What building a provider takes: the keyring, our own sign-ins' tokens and the settings. */
export interface ProviderDeps {
    secrets: SecretStore;
    ownTokens: OwnTokenStore;
    settings: Settings;
}

export interface ProviderLinks {
    /** The provider's own usage page, opened from the menu. */
    usage: string;
    /** Its status page, for outages. */
    status: string | null;
}

/**
 * A source of usage data. Its module owns everything about it: identity and links, the
 * settings it reads, where its credentials are, what `doctor` says of it, its part of the
 * preferences, and the fetch. The registry lists them.
 */
export interface Provider {
    readonly id: ProviderId;
    readonly name: string;
    readonly links: ProviderLinks;
    /** A billing API: fetched on the longer billing interval (and when asked for). */
    readonly billing: boolean;
    /** Settings besides `<id>-enabled` whose change should fetch this provider again. */
    readonly refetchOn: readonly SettingKey<unknown>[];
    /** Addresses `doctor` checks it can reach. */
    readonly endpoints: readonly string[];
    /** Its part of the preferences, as data (prefs/sections.ts builds the widgets). */
    readonly prefs: PrefsSection;
    /** Credential files whose change should trigger a refresh. */
    watchedPaths(env: Environment): string[];
    /** One snapshot per account; an account that failed carries `error`. Throws only on cancel. */
    fetch(ctx: FetchContext): Promise<UsageSnapshot[]>;
    /** What was found and what is missing, each with its fix; never a secret. */
    diagnose(env: Environment): Promise<Finding[]>;
}

/** What a provider's command is given by the command line. */
export interface CommandContext {
    env: Environment;
    out(text: string): void;
    err(text: string): void;
    /** All of standard input. */
    readInput(): Promise<string>;
    /** How another program starts this command line (`ai-usage-meter` when installed), shell-quoted. */
    program(): Promise<string>;
}

/**
 * A command a provider adds to `ai-usage-meter` (Claude's `statusline`). It runs at once, without
 * the settings, the keyring or the other providers: another program may start it often.
 */
export interface ProviderCommand {
    readonly name: string;
    /** Its entry in `--help`: the lines after the name, indented as the others. */
    readonly help: string;
    /** Returns the exit status (0 fine, 1 failed, 2 bad usage). */
    run(args: readonly string[], ctx: CommandContext): Promise<number>;
}

/** A short, non-reversible fingerprint of a token, used as its rate-limit key. */
export function tokenFingerprint(token: string): string {
    return GLib.compute_checksum_for_string(GLib.ChecksumType.SHA256, token, -1)?.slice(0, 16) ?? '';
}

export interface StatusHints {
    /** What to do after a 401. */
    unauthorized: string;
    /** Optional special case for 401 (e.g. an error the provider retries once with a new token). */
    rejected?: (response: HttpResponse) => ProviderError;
    /** Optional special case for 404 (e.g. the account has no such subscription). */
    notFound?: (response: HttpResponse) => ProviderError;
    /** Optional special case for 403 (e.g. a missing scope); defaults to an auth error. */
    forbidden?: (response: HttpResponse) => ProviderError;
    /** Optional special case for 400 (e.g. an OAuth error code from a token endpoint). */
    badRequest?: (response: HttpResponse) => ProviderError;
}

/** How gatedRequest() treats a request beyond its status codes. */
export interface GateOptions {
    /**
     * Names the endpoint for the failure back-off when its address changes on every request
     * (signed links); by default the address without its query.
     */
    endpoint?: string;
    /**
     * False for the first request of several that make one answer (a report, then its files): its
     * success ends neither the token's pause nor the endpoint's back-off; the last one's does.
     */
    endsBackoff?: boolean;
    /** Refuses a 2xx answer whose content cannot be right (a report file without a record), as a failure of the endpoint. */
    accept?: (response: HttpResponse) => ProviderError | null;
    /** 'text' for a body that is not JSON (NDJSON report files): only a web page or an empty answer is refused. */
    body?: 'json' | 'text';
}

/**
 * Sends a request unless `key` (the token) is paused after a rate limit or its endpoint backs
 * off after failures, records 429s, failures and successes in the gate, and turns every non-2xx
 * status into a typed error. While an endpoint backs off, its last error is shown again, with
 * when the next automatic try is; a refresh the user asked for goes through both pauses, at most
 * every MANUAL_RETRY_GAP_MS.
 */
export async function gatedRequest(ctx: FetchContext, key: string, request: HttpRequest,
    hints: StatusHints, options: GateOptions = {}): Promise<HttpResponse> {
    const now = ctx.env.now();
    const blockedUntil = ctx.gate.blockedUntil(key, now, ctx.manual);
    if (blockedUntil !== null)
        throw rateLimitedError(blockedUntil);
    const endpoint = `${key} ${options.endpoint ?? withoutQuery(request.url)}`;
    const backingOff = ctx.gate.backingOff(endpoint, now, ctx.manual);
    if (backingOff !== null)
        throw backingOffError(backingOff.error, backingOff.until);
    try {
        const response = await ctx.http.request(request, ctx.cancellable);
        return checkedResponse(ctx, {key, endpoint, sentAt: now}, request, response, hints, options);
    } catch (error) {
        if (error instanceof ProviderError && error.kind !== 'rate-limited')
            ctx.gate.recordFailure(endpoint, now, ctx.env.now(), error);
        throw error;
    }
}

/** The error an endpoint failed with, again, saying when automatic refreshes try it next. */
function backingOffError(error: ProviderError, until: number): ProviderError {
    const time = formatLocal(until, '%H:%M') ?? '?';
    return new ProviderError(error.kind, error.message,
        `${error.hint} ${format(_('After this failure, automatic refreshes wait until %s.'), time)}`, until);
}

/** What the gate knows a request by: the token's key, the endpoint, when it was sent. */
interface Sent {
    key: string;
    endpoint: string;
    sentAt: number;
}

function checkedResponse(ctx: FetchContext, {key, endpoint, sentAt}: Sent, request: HttpRequest, response: HttpResponse,
    hints: StatusHints, options: GateOptions): HttpResponse {
    if (response.status === 429) {
        const retryAt = ctx.gate.recordRateLimit(key, ctx.env.now(),
            parseRetryAfter(response.header('Retry-After'), ctx.env.now()));
        throw rateLimitedError(retryAt);
    }
    if (response.status >= 200 && response.status < 300) {
        // Only an answer that is what was asked for ends a pause: a captive portal's page or a cut
        // body comes with a 200 too, and says nothing about the token or the endpoint.
        if (options.body === 'text' ? /^\s*(<|$)/.test(response.fullText.slice(0, 1000)) : response.body === undefined)
            throw notJsonError(response);
        const refused = options.accept?.(response) ?? null;
        if (refused !== null)
            throw refused;
        if (options.endsBackoff !== false)
            ctx.gate.recordSuccess(key, endpoint, sentAt);
        return response;
    }
    if (response.status === 401) {
        throw hints.rejected?.(response) ??
            new ProviderError('auth', _('The server rejected the credentials (401).'), hints.unauthorized);
    }
    // A browser check or a CDN's error page instead of the API's answer (5xx are server errors anyway).
    if (response.status < 500 && looksLikeWebPage(response.text))
        throw webPageError(request.url, response.status);
    if (response.status === 400 && hints.badRequest !== undefined)
        throw hints.badRequest(response);
    if (response.status === 403) {
        throw hints.forbidden?.(response) ??
            new ProviderError('auth', _('Access denied (403).'), hints.unauthorized);
    }
    if (response.status === 404 && hints.notFound !== undefined)
        throw hints.notFound(response);
    if (response.status >= 500) {
        throw new ProviderError('server', format(_('The server had a problem (%d).'), response.status),
            _('This is usually temporary; the next refresh will try again.'));
    }
    throw unexpectedResponse(format(_('Unexpected status %d: %s'), response.status, response.text.slice(0, 200)));
}

/** An HTML page where data was expected: a browser check (Cloudflare), a login wall, an outage page. */
function looksLikeWebPage(text: string): boolean {
    return /^\s*(<!doctype html|<html)/i.test(text);
}

/** A web page instead of data is an availability problem, not a sign-in problem: the credentials stay. */
function webPageError(url: string, status: number): ProviderError {
    const host = /^https?:\/\/([^/?#]+)/.exec(url)?.[1] ?? url;
    return new ProviderError('server',
        format(_('%s answered with a web page, such as a browser check, instead of data (%d).'), host, status),
        _('This is not a sign-in problem; the next refresh will try again.'));
}

export function unexpectedResponse(detail: string): ProviderError {
    return new ProviderError('parse', format(_('Unexpected response: %s'), redact(detail)),
        _('The provider may have changed its API. Please report this if it persists.'));
}

function rateLimitedError(retryAt: number): ProviderError {
    const time = formatLocal(retryAt, '%H:%M') ?? '?';
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

/** Where one account's credentials come from: the CLI's default location or a folder the user added. */
export interface AccountSource<C> {
    /** Stable account id while the credentials cannot be read: 'default' or the folder. */
    id: string;
    /** Names the account in errors, e.g. "Claude (~/work/.claude)". */
    label: string;
    read(): Promise<C>;
}

export interface AccountFetcher<C> {
    /** Credentials that resolve to the same token are one account, shown once. */
    identity(credentials: C): string;
    accountId(credentials: C): string;
    /** The account's name until the provider tells us a better one (its e-mail). */
    label(credentials: C, source: AccountSource<C>): string;
    fetch(credentials: C, label: string): Promise<UsageSnapshot>;
}

/**
 * Reads every account's credentials, drops duplicates, and fetches the rest in parallel.
 * An account whose credentials are missing or broken becomes an error snapshot naming it.
 */
export async function fetchAccounts<C>(provider: ProviderId, sources: readonly AccountSource<C>[],
    fetcher: AccountFetcher<C>): Promise<UsageSnapshot[]> {
    const read = await Promise.all(sources.map(async source => {
        try {
            return {source, credentials: await source.read(), error: null};
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
            return {source, credentials: null, error};
        }
    }));
    const seen = new Set<string>();
    const snapshots: Promise<UsageSnapshot>[] = [];
    for (const {source, credentials, error} of read) {
        if (credentials === null) {
            if (error !== null)
                snapshots.push(Promise.resolve(errorSnapshot(provider, source.id, source.label, error)));
            continue;
        }
        const identity = fetcher.identity(credentials);
        if (seen.has(identity))
            continue;
        seen.add(identity);
        const label = fetcher.label(credentials, source);
        snapshots.push(settleAccount(provider, fetcher.accountId(credentials), label,
            () => fetcher.fetch(credentials, label)));
    }
    return Promise.all(snapshots);
}

/** The account id of a sign-in made from the preferences (its tokens are in the keyring). */
export function ownAccountId(account: string): string {
    return `own:${account}`;
}

/** One account per extra CLI configuration folder the user added. */
export function folderSources<C>(name: string, dirs: readonly string[], env: Environment,
    read: (dir: string) => Promise<C>): AccountSource<C>[] {
    return dirs.map(dir => ({id: dir, label: `${name} (${displayPath(dir, env)})`, read: () => read(dir)}));
}

/** One account per sign-in made from the preferences; reading one renews its token when due. */
export function ownSignInSources<C>(provider: ProviderId, name: string, accounts: readonly string[],
    tokens: OwnTokenStore, client: OAuthClient, ctx: FetchContext,
    toCredentials: (tokens: OwnTokens, accountId: string) => C): AccountSource<C>[] {
    const label = `${name} (${_('own sign-in')})`;
    return accounts.map(account => ({id: ownAccountId(account), label, read: async (): Promise<C> => {
        const fresh = await tokens.accessToken(provider, account, label, client, ctx.http, ctx.env.now());
        return toCredentials(fresh, ownAccountId(account));
    }}));
}

/** A folder as people read it: ~/work/.claude rather than /home/me/work/.claude. */
export function displayPath(path: string, env: Environment): string {
    return path.startsWith(`${env.homeDir}/`) ? `~${path.slice(env.homeDir.length)}` : path;
}

export function errorSnapshot(provider: ProviderId, accountId: string, accountLabel: string,
    error: ProviderError): UsageSnapshot {
    return {
        ...emptySnapshot(provider, accountId, accountLabel),
        error: {kind: error.kind, message: error.message, hint: error.hint, retryAt: error.retryAt},
    };
}

/** The extra CLI configuration folders the user added for `provider`, one account each. */
export const extraFolders = (settings: Settings, provider: ProviderId): string[] =>
    settings.get(Keys.accountDirs)[provider] ?? [];

/** The accounts of `provider` signed in from the preferences (tokens in the keyring). */
export const ownSignIns = (settings: Settings, provider: ProviderId): string[] =>
    settings.get(Keys.ownSignIns)[provider] ?? [];

