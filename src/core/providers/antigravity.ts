// Antigravity quota from its local language server (the app, the IDE or the `agy` CLI), with no
// credential of ours. The server is found in /proc: its command line gives the CSRF token it
// expects, its sockets the ports it listens on. It answers on loopback with a self-signed certificate.

import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {quotaSnapshot} from '../contract.js';
import type {QuotaWindow, UsageSnapshot} from '../contract.js';
import {attempt, ok, warn, type Finding} from '../diagnosis.js';
import {ProviderError, isCancelled} from '../errors.js';
import {listDirectory, readTextFile} from '../files.js';
import type {HttpResponse} from '../http.js';
import {_, format, labelFor} from '../i18n.js';
import {isObject, optionalBoolean, optionalNumber, optionalObject, optionalString, parseIsoTime, sanePercent} from '../json.js';
import type {JsonObject} from '../json.js';
import type {AccountsSection} from '../prefsSection.js';
import {errorSnapshot, settleAccount} from '../provider.js';
import type {FetchContext, Provider} from '../provider.js';
import {redactJson} from '../redact.js';

const SERVICE = '/exa.language_server_pb.LanguageServerService';
export const QUOTA_SUMMARY_PATH = `${SERVICE}/RetrieveUserQuotaSummary`;
export const USER_STATUS_PATH = `${SERVICE}/GetUserStatus`;
const FIVE_HOURS = 5 * 3600;
const WEEK = 7 * 86400;
/** Connect's code for UNAUTHENTICATED. */
const UNAUTHENTICATED = 16;

/** A running Antigravity language server, as /proc shows it. */
export interface LanguageServer {
    pid: number;
    /** `/proc/<pid>/cmdline` as read: the same text later means the same server. */
    commandLine: string;
    executable: string;
    /** What X-Codeium-Csrf-Token must carry; null for `agy`, which needs none. A secret: never logged. */
    csrfToken: string | null;
    extensionServerPort: number | null;
    /**
     * Where to ask, in order: over HTTPS each port it listens on (its `--port` first), then over
     * plain HTTP its extension server port, as Antigravity's own clients do.
     */
    endpoints: string[];
}

/** `/proc/<pid>/cmdline`: the arguments joined and ended by NUL. */
export const commandLineArgs = (cmdline: string): string[] => cmdline.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);

/**
 * Antigravity's language server or its `agy` front end, told by the executable alone: Windsurf
 * and Codeium ship a language server of the same name and flags, and a marker in an argument means nothing.
 */
export function isAntigravity(argv: readonly string[]): boolean {
    const executable = argv[0] ?? '';
    const name = GLib.path_get_basename(executable);
    if (name === 'agy')
        return true;
    const folders = GLib.path_get_dirname(executable).split('/');
    return name.startsWith('language_server') && folders.some(folder => /antigravity/i.test(folder));
}

/** `--name value` or `--name=value`; the exact name, so --extension_server_csrf_token is not --csrf_token. */
export function flagValue(argv: readonly string[], name: string): string | null {
    for (let i = 1; i < argv.length; i++) {
        const arg = argv[i] ?? '';
        if (arg === `--${name}`)
            return argv[i + 1] ?? null;
        if (arg.startsWith(`--${name}=`))
            return arg.slice(name.length + 3);
    }
    return null;
}

const portNumber = (value: string | null): number | null =>
    value !== null && /^\d{1,5}$/.test(value) && Number(value) > 0 && Number(value) < 65536 ? Number(value) : null;

/** The LISTEN sockets (state 0A) of a /proc/net/tcp or tcp6 table, by inode. */
export function listeningSockets(table: string, host: string): Map<string, {host: string; port: number}> {
    const sockets = new Map<string, {host: string; port: number}>();
    for (const line of table.split('\n').slice(1)) {
        const columns = line.trim().split(/\s+/);
        const local = columns[1];
        const inode = columns[9];
        if (columns[3] !== '0A' || local === undefined || inode === undefined)
            continue;
        const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
        if (Number.isInteger(port) && port > 0)
            sockets.set(inode, {host, port});
    }
    return sockets;
}

/** A /proc file or folder, or null when it cannot be read (the process ended, or is another user's). */
async function readProc<T>(read: () => Promise<T | null>): Promise<T | null> {
    try {
        return await read();
    } catch (error) {
        if (isCancelled(error) || !(error instanceof GLib.Error))
            throw error;
        return null;
    }
}

/** The socket inodes a process holds: its fd links that read `socket:[inode]`. */
async function socketInodes(procRoot: string, pid: number, cancellable: Gio.Cancellable | null): Promise<string[]> {
    const fds = await readProc(() => listDirectory(GLib.build_filenamev([procRoot, String(pid), 'fd']),
        'standard::name,standard::symlink-target', cancellable));
    return (fds ?? []).flatMap(fd => /^socket:\[(\d+)\]$/.exec(fd.get_symlink_target() ?? '')?.[1] ?? []);
}

/** `/proc/<pid>/cmdline`, or null when the process is gone. */
const readCommandLine = (procRoot: string, pid: number, cancellable: Gio.Cancellable | null): Promise<string | null> =>
    readProc(() => readTextFile(GLib.build_filenamev([procRoot, String(pid), 'cmdline']), cancellable));

/** Command lines read at once: hundreds of processes are not read in one burst of I/O threads. */
const PROC_READS_AT_ONCE = 16;

/** Every Antigravity language server running, by pid, with the ports each one listens on. */
export async function discoverLanguageServers(procRoot: string, cancellable: Gio.Cancellable | null): Promise<LanguageServer[]> {
    const entries = await readProc(() => listDirectory(procRoot, 'standard::name', cancellable)) ?? [];
    const pids = entries.map(entry => entry.get_name()).filter(name => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
    const commandLines: {pid: number; commandLine: string; argv: string[]}[] = [];
    for (let start = 0; start < pids.length; start += PROC_READS_AT_ONCE) {
        commandLines.push(...await Promise.all(pids.slice(start, start + PROC_READS_AT_ONCE).map(async pid => {
            const commandLine = await readCommandLine(procRoot, pid, cancellable) ?? '';
            return {pid, commandLine, argv: commandLineArgs(commandLine)};
        })));
    }
    const matched = commandLines.filter(({argv}) => isAntigravity(argv));
    if (matched.length === 0)
        return [];
    const tables = await Promise.all([{file: 'tcp', host: '127.0.0.1'}, {file: 'tcp6', host: '[::1]'}].map(async ({file, host}) =>
        listeningSockets(await readProc(() => readTextFile(GLib.build_filenamev([procRoot, 'net', file]), cancellable)) ?? '', host)));
    return Promise.all(matched.map(async ({pid, commandLine, argv}) => {
        const extensionServerPort = portNumber(flagValue(argv, 'extension_server_port'));
        const ownPort = portNumber(flagValue(argv, 'port'));
        const listening = (await socketInodes(procRoot, pid, cancellable))
            .flatMap(inode => tables.flatMap(table => table.get(inode) ?? []))
            .filter(({port}) => port !== extensionServerPort)
            .sort((a, b) => Number(b.port === ownPort) - Number(a.port === ownPort) || a.port - b.port);
        const endpoints = listening.map(({host, port}) => `https://${host}:${port}`);
        if (extensionServerPort !== null)
            endpoints.push(`http://127.0.0.1:${extensionServerPort}`);
        return {pid, commandLine, executable: argv[0] ?? '', csrfToken: flagValue(argv, 'csrf_token'), extensionServerPort, endpoints};
    }));
}

/** How much is left: a fraction, `omitted` (proto3 leaves zero out) or null for a shape we do not know. */
function remainingFraction(holder: JsonObject): number | 'omitted' | null {
    const flat = optionalNumber(holder, 'remainingFraction');
    if (flat !== null)
        return flat;
    const remaining = optionalObject(holder, 'remaining');
    const oneofCase = remaining ? optionalString(remaining, 'case') : null;
    if (remaining === null || oneofCase === null)
        return (remaining ? optionalNumber(remaining, 'remainingFraction') : null) ?? 'omitted';
    return oneofCase === 'remainingFraction' ? optionalNumber(remaining, 'value') ?? 'omitted' : null;
}

export interface AntigravityQuota {
    windows: QuotaWindow[];
    /** Limits Antigravity lists without saying how much is left. */
    unreported: string[];
}

/** A listed limit: its used share, exhausted when the fraction is left out but a reset is given, else unreported. */
function addLimit(quota: AntigravityQuota, id: string, label: string, holder: JsonObject,
    windowSeconds: number | null): void {
    const fraction = remainingFraction(holder);
    const resetsAt = parseIsoTime(holder['resetTime']);
    const usedPercent = typeof fraction === 'number' ? sanePercent((1 - fraction) * 100) : null;
    if (usedPercent !== null)
        quota.windows.push({id, label, usedPercent, resetsAt, windowSeconds});
    else if (fraction === 'omitted' && resetsAt !== null)
        quota.windows.push({id, label, usedPercent: 100, resetsAt, windowSeconds});
    else
        quota.unreported.push(label);
}

/** `gemini-5h`, `3p_session`, `gemini-5-hour` → 5 h; `…-weekly` → a week; others (`3p-session-history`) → null. */
export function bucketCadence(bucketId: string): {label: string; seconds: number} | null {
    const rest = bucketId.replace(/^[^-_]+[-_]/, '').toLowerCase();
    if (/^(5h|5[-_]?hours?|five[-_]?hours?|session)$/.test(rest))
        return {label: '5h', seconds: FIVE_HOURS};
    if (/^(weekly|week|7d)$/.test(rest))
        return {label: _('weekly'), seconds: WEEK};
    return null;
}

const GROUP_NAMES: Record<string, () => string> = {gemini: () => 'Gemini', '3p': () => _('Claude/GPT')};

/** A group's name without its " Models": "Gemini Models" → "Gemini"; by bucket prefix when unnamed. */
function groupName(group: JsonObject, bucketId: string): string {
    const named = optionalString(group, 'displayName')?.replace(/\s+models$/i, '');
    return named ?? labelFor(GROUP_NAMES, bucketId.split(/[-_]/)[0] ?? '') ?? bucketId;
}

/**
 * RetrieveUserQuotaSummary: per group (Gemini, Claude and GPT) a 5-hour and a weekly limit, the
 * 5 h first. Disabled buckets and buckets of another cadence are not live limits and are left out.
 */
export function parseQuotaSummary(json: unknown): AntigravityQuota {
    const root = isObject(json) ? optionalObject(json, 'response') ?? json : {};
    const groups = Array.isArray(root['groups']) ? root['groups'].filter(isObject) : [];
    const quota: AntigravityQuota = {windows: [], unreported: []};
    for (const group of groups) {
        const limits = (Array.isArray(group['buckets']) ? group['buckets'].filter(isObject) : [])
            .flatMap(bucket => {
                const id = optionalString(bucket, 'bucketId') ?? '';
                const cadence = bucketCadence(id);
                return cadence === null || optionalBoolean(bucket, 'disabled') === true ? [] : [{id, bucket, cadence}];
            })
            .sort((a, b) => a.cadence.seconds - b.cadence.seconds);
        for (const {id, bucket, cadence} of limits)
            addLimit(quota, id, `${groupName(group, id)} ${cadence.label}`, bucket, cadence.seconds);
    }
    return quota;
}

export interface AntigravityStatus extends AntigravityQuota {
    email: string | null;
    plan: string | null;
}

/** GetUserStatus: one limit per model, and the plan from userTier.name (planInfo says "Pro" for Ultra). */
export function parseUserStatus(json: unknown): AntigravityStatus {
    const status = isObject(json) ? optionalObject(json, 'userStatus') ?? {} : {};
    const tier = optionalObject(status, 'userTier');
    const planInfo = optionalObject(optionalObject(status, 'planStatus') ?? {}, 'planInfo');
    const configs = optionalObject(status, 'cascadeModelConfigData')?.['clientModelConfigs'];
    const quota: AntigravityStatus = {windows: [], unreported: [], email: optionalString(status, 'email'),
        plan: (tier ? optionalString(tier, 'name') : null) ?? (planInfo ? optionalString(planInfo, 'planName') : null)};
    for (const config of Array.isArray(configs) ? configs.filter(isObject) : []) {
        const model = optionalString(optionalObject(config, 'modelOrAlias') ?? {}, 'model');
        const label = optionalString(config, 'label') ?? model;
        if (label !== null)
            addLimit(quota, model ?? label, label, optionalObject(config, 'quotaInfo') ?? {}, null);
    }
    return quota;
}

/** A Connect error carried in the body: `code` as a number (16) or a name ("unauthenticated"). */
function isUnauthenticated(response: HttpResponse): boolean {
    const code = isObject(response.body) ? response.body['code'] : undefined;
    return response.status === 401 || code === UNAUTHENTICATED || (typeof code === 'string' && /^unauthenticated$/i.test(code));
}

const notRunning = (): ProviderError => new ProviderError('not-configured', _('Antigravity is not running.'),
    _('Open the Antigravity app or IDE, or run `agy`; the meter reads the quota from it.'));

const signedOut = (): ProviderError => new ProviderError('auth', _('Signed out of Antigravity.'),
    _('Sign in to Antigravity in the app or IDE, or by running `agy`.'));

export class AntigravityProvider implements Provider {
    readonly id = 'antigravity';
    readonly name = 'Antigravity';
    readonly links = {usage: 'https://antigravity.google', status: null};
    readonly billing = false;
    readonly refetchOn = [];
    /** A local server on a random port: there is no address for `doctor` to check. */
    readonly endpoints = [];
    readonly prefs: AccountsSection = {
        kind: 'accounts',
        page: 'providers',
        title: _('Antigravity'),
        description: _('Quota read from the language server of the Antigravity app, IDE or `agy` CLI while one runs. ' +
            'No sign-in of its own: it asks the server on this computer.'),
        switchTitle: _('Show Antigravity'),
        switchSubtitle: _('5-hour and weekly limits of Gemini and of Claude/GPT models'),
        readDefault: async (_env, cancellable) => {
            const [server] = await discoverLanguageServers(this._procRoot, cancellable);
            if (server === undefined)
                throw notRunning();
            return {source: server.executable, identity: server.executable, plan: null, email: null, expiresAt: null};
        },
        expiredHint: '',
    };

    /**
     * The server that answered last, asked again while its process runs with the same command
     * line: finding it reads every process's command line, hundreds of files each refresh.
     */
    private _answered: LanguageServer | null = null;

    /** `procRoot` is /proc, or a fixture tree in specs. */
    constructor(private readonly _procRoot = '/proc') {}

    /** The server is found in /proc (see fetch); there is no file to watch. */
    watchedPaths(): string[] {
        return [];
    }

    diagnose(): Promise<Finding[]> {
        return attempt('antigravity', async () => {
            const servers = await discoverLanguageServers(this._procRoot, null);
            if (servers.length === 0)
                throw notRunning();
            return servers.map(server => server.endpoints.length > 0
                ? ok(`antigravity ${server.pid}`, format(_('language server at %s'), server.endpoints.join(', ')))
                : warn(`antigravity ${server.pid}`, _('no listening port'), _('Wait until Antigravity has started.')));
        });
    }

    /** One card: the first language server that answers (they all share the Google account signed in). */
    async fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        const servers = await this._servers(ctx.cancellable);
        const [first] = servers;
        if (first === undefined)
            return [errorSnapshot(this.id, 'default', this.name, notRunning())];
        return [await settleAccount(this.id, first.executable, this.name, () => this._fetchFirst(ctx, servers))];
    }

    /** The server that answered last if it still runs as it did; else every server /proc shows with a port. */
    private async _servers(cancellable: Gio.Cancellable): Promise<LanguageServer[]> {
        const answered = this._answered;
        this._answered = null;
        if (answered !== null && await readCommandLine(this._procRoot, answered.pid, cancellable) === answered.commandLine)
            return [answered];
        return (await discoverLanguageServers(this._procRoot, cancellable)).filter(s => s.endpoints.length > 0);
    }

    private async _fetchFirst(ctx: FetchContext, servers: readonly LanguageServer[]): Promise<UsageSnapshot> {
        let lastStatus: number | null = null;
        for (const server of servers) {
            for (const base of server.endpoints) {
                const summary = await this._post(ctx, server, base + QUOTA_SUMMARY_PATH);
                if (summary === null)
                    continue;
                lastStatus = summary.status;
                const snapshot = await this._read(ctx, server, base, summary);
                if (snapshot !== null) {
                    this._answered = server;
                    return snapshot;
                }
            }
        }
        throw new ProviderError('server', lastStatus === null ? _('Antigravity’s language server does not answer.')
            : format(_('Antigravity’s language server has no quota to give (%d).'), lastStatus),
        _('Antigravity may still be starting; the next refresh will try again.'));
    }

    /** The snapshot from a port that answered, or null when this port is not the one with the quota. */
    private async _read(ctx: FetchContext, server: LanguageServer, base: string, summary: HttpResponse): Promise<UsageSnapshot | null> {
        if (isUnauthenticated(summary))
            throw signedOut();
        const summaryOk = summary.status >= 200 && summary.status < 300 && isObject(summary.body);
        // An older IDE has no quota summary (404): GetUserStatus has the quota per model.
        if (!summaryOk && summary.status !== 404)
            return null;
        const statusResponse = await this._post(ctx, server, base + USER_STATUS_PATH, {metadata: {ideName: 'antigravity', extensionName: 'antigravity', locale: 'en'}});
        const status = statusResponse !== null && statusResponse.status === 200 && isObject(statusResponse.body) &&
            !isUnauthenticated(statusResponse) ? parseUserStatus(statusResponse.body) : null;
        if (!summaryOk && status === null)
            return null;
        const fromSummary = summaryOk ? parseQuotaSummary(summary.body) : null;
        // A summary that knows no limit gives way to the per-model quota, as Antigravity's own clients do.
        const quota = fromSummary !== null && (fromSummary.windows.length > 0 || status === null || status.windows.length === 0)
            ? fromSummary : status ?? {windows: [], unreported: []};
        return {
            ...quotaSnapshot(this.id, server.executable, status?.email ?? this.name, quota.windows),
            plan: status?.plan ?? null,
            note: quota.unreported.length > 0 ? format(_('Not reported by Antigravity: %s.'), quota.unreported.join(', ')) : null,
            updatedAt: ctx.env.now(),
            raw: redactJson(summaryOk ? summary.body : statusResponse?.body),
        };
    }

    /** A Connect call over JSON; null when nothing answers there (or not in that scheme). */
    private async _post(ctx: FetchContext, server: LanguageServer, url: string, json: unknown = {}): Promise<HttpResponse | null> {
        const headers: Record<string, string> = {'Connect-Protocol-Version': '1'};
        if (server.csrfToken !== null)
            headers['X-Codeium-Csrf-Token'] = server.csrfToken;
        try {
            return await ctx.http.request({method: 'POST', url, headers, json, loopbackCertificate: true}, ctx.cancellable);
        } catch (error) {
            if (error instanceof ProviderError && error.kind === 'network')
                return null;
            throw error;
        }
    }
}
