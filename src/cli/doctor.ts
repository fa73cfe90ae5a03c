// `doctor`: for every provider, what was found and what is missing, each with the fix.
// Prints where credentials are and when they expire, never a token.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {ProviderId} from '../core/contract.js';
import type {Environment} from '../core/environment.js';
import {BILLING_KEY_ACCOUNT, billingKey} from '../core/billing.js';
import {ProviderError} from '../core/errors.js';
import {listDirectory} from '../core/files.js';
import {LOG_SOURCE_NAMES} from '../core/logs/localUsage.js';
import {logRoots} from '../core/logs/scanner.js';
import {formatClock} from '../core/format.js';
import {ENDPOINT_OVERRIDE_ENV, resolveEndpoint} from '../core/http.js';
import {OwnTokenStore} from '../core/ownSignIn.js';
import {displayPath} from '../core/provider.js';
import {CLAUDE_USAGE_URL, claudePlanLabel, readClaudeCredentials, readClaudeFolder} from '../core/providers/claude.js';
import {CODEX_USAGE_URL, codexHome, newestRollout, readCodexCredentials} from '../core/providers/codex.js';
import {COPILOT_USER_URL} from '../core/providers/copilot.js';
import {GEMINI_QUOTA_URL, findOAuthClient, readGeminiCredentials} from '../core/providers/gemini.js';
import {ANTHROPIC_KEY_VARIABLES} from '../core/providers/anthropicAdmin.js';
import {OPENAI_COSTS_URL, OPENAI_KEY_VARIABLES} from '../core/providers/openaiAdmin.js';
import type {AccountSettings} from '../core/registry.js';
import type {SecretStore} from '../core/secrets.js';

Gio._promisify(Gio.NetworkMonitor.prototype, 'can_reach_async', 'can_reach_finish');

export interface Check {
    scope: string;
    status: 'ok' | 'warn' | 'fail';
    detail: string;
    fix: string | null;
}

export interface DoctorContext {
    env: Environment;
    secrets: SecretStore;
    accounts: AccountSettings;
    settingsSource: string;
    settingsInstalled: boolean;
}

const ok = (scope: string, detail: string): Check => ({scope, status: 'ok', detail, fix: null});

/** Runs `probe`; a ProviderError becomes a failed (or, when nothing is set up, a warning) check. */
async function attempt(scope: string, probe: () => Promise<Check[]>): Promise<Check[]> {
    try {
        return await probe();
    } catch (error) {
        if (!(error instanceof ProviderError))
            throw error;
        return [{scope, status: error.kind === 'not-configured' ? 'warn' : 'fail', detail: error.message, fix: error.hint}];
    }
}

function expiry(scope: string, expiresAt: number | null, now: number, expiredFix: string): Check | null {
    if (expiresAt === null)
        return null;
    return expiresAt > now ? ok(scope, `token valid until ${formatClock(expiresAt, now)}`)
        : {scope, status: 'fail', detail: 'token expired', fix: expiredFix};
}

async function ownSignIns(ctx: DoctorContext, provider: ProviderId, scope: string): Promise<Check[]> {
    const tokens = new OwnTokenStore(ctx.secrets);
    return Promise.all(ctx.accounts.ownSignIns(provider).map(async account => await tokens.load(provider, account) !== null
        ? ok(`${scope} own sign-in`, 'token in the keyring')
        : {scope: `${scope} own sign-in`, status: 'fail' as const, detail: 'no token in the keyring',
            fix: 'Sign in again from the preferences.'}));
}

async function reachable(url: string, env: Environment): Promise<Check> {
    const target = resolveEndpoint(url, env.getenv(ENDPOINT_OVERRIDE_ENV));
    const host = GLib.Uri.parse(target, GLib.UriFlags.NONE).get_host() ?? target;
    const cancellable = new Gio.Cancellable();
    const timer = setTimeout(() => cancellable.cancel(), 5000);
    try {
        const address = Gio.NetworkAddress.parse_uri(target, 443);
        await Gio.NetworkMonitor.get_default().can_reach_async(address, cancellable);
        return ok('network', `${host} reachable`);
    } catch {
        return {scope: 'network', status: 'fail', detail: `${host} not reachable`,
            fix: 'Check the network connection, proxy and DNS.'};
    } finally {
        clearTimeout(timer);
    }
}

/** Billing keys (where they come from, never their value) and the Copilot organisation. */
async function billingChecks(ctx: DoctorContext): Promise<Check[]> {
    const checks: Check[] = [];
    const keyed: [ProviderId, readonly string[], string][] = [['openai', OPENAI_KEY_VARIABLES, 'OPENAI_ADMIN_KEY'],
        ['anthropic', ANTHROPIC_KEY_VARIABLES, 'ANTHROPIC_ADMIN_KEY']];
    for (const [id, variables, variable] of keyed) {
        const on = ctx.accounts.enabled(id);
        const key = await billingKey(ctx.env, ctx.secrets, id, variables).catch(() => null);
        if (key !== null)
            checks.push(ok(id, `admin key from ${key.source}${on ? '' : ' (spend is turned off in the settings)'}`));
        else if (on)
            checks.push({scope: id, status: 'fail', detail: 'no admin key', fix: `Enter one in the preferences (Spend) or set ${variable}.`});
        else
            checks.push(ok(id, 'spend is off (no admin key)'));
    }
    if (ctx.accounts.enabled('copilot-org')) {
        const org = ctx.accounts.copilotOrg();
        const token = await ctx.secrets.lookup('copilot-org', BILLING_KEY_ACCOUNT).catch(() => null);
        checks.push(org.name === ''
            ? {scope: 'copilot-org', status: 'fail', detail: 'no organisation set', fix: 'Enter it in the preferences (Spend).'}
            : ok('copilot-org', `${org.enterprise ? 'enterprise' : 'organisation'} ${org.name}`));
        checks.push(token !== null ? ok('copilot-org', 'token in the keyring')
            : {scope: 'copilot-org', status: 'fail', detail: 'no token in the keyring', fix: 'Enter one in the preferences (Spend).'});
    }
    return checks;
}

/** Which local log folders exist (the cost estimates read them). */
async function localLogChecks(env: Environment): Promise<Check[]> {
    const found: Check[] = [];
    for (const root of logRoots(env)) {
        if (await listDirectory(root.path, 'standard::name', null) !== null)
            found.push(ok('local logs', `${LOG_SOURCE_NAMES[root.source]}: ${displayPath(root.path, env)}`));
    }
    return found.length > 0 ? found : [{scope: 'local logs', status: 'warn', detail: 'no Claude Code or Codex logs found',
        fix: 'Local cost estimates appear once Claude Code or Codex has been used on this computer.'}];
}

export async function runDoctor(ctx: DoctorContext): Promise<Check[]> {
    const {env} = ctx;
    const now = env.now();
    const checks: Check[] = [ctx.settingsInstalled ? ok('settings', ctx.settingsSource)
        : {scope: 'settings', status: 'warn', detail: ctx.settingsSource,
            fix: 'Install the extension (npm run install-extension) so the CLI uses your settings.'}];
    try {
        await ctx.secrets.lookup('copilot', '__doctor__');
        checks.push(ok('keyring', 'reachable'));
    } catch {
        checks.push({scope: 'keyring', status: 'fail', detail: 'not reachable',
            fix: 'Start gnome-keyring (or another Secret Service) in your session.'});
    }

    checks.push(...await attempt('claude', async () => {
        const found = await readClaudeCredentials(env, {cancellable: null});
        const plan = claudePlanLabel(found.subscriptionType, found.rateLimitTier);
        const list = [ok('claude', `signed in (${displayPath(found.source, env)}${plan ? `, ${plan}` : ''})`)];
        if (found.scopes !== null && !found.scopes.includes('user:profile'))
            list.push({scope: 'claude', status: 'fail', detail: 'the token lacks the user:profile scope', fix: 'Run `claude login`.'});
        const expires = expiry('claude', found.expiresAt, now, 'Run `claude` once so that it refreshes its sign-in.');
        return expires ? [...list, expires] : list;
    }));
    for (const dir of ctx.accounts.accountDirs('claude')) {
        checks.push(...await attempt(`claude ${displayPath(dir, env)}`, async () => {
            const found = await readClaudeFolder(dir, null);
            const expires = expiry(`claude ${displayPath(dir, env)}`, found.expiresAt, now,
                `Run \`CLAUDE_CONFIG_DIR=${dir} claude\` once.`);
            return [ok(`claude ${displayPath(dir, env)}`, 'signed in'), ...expires ? [expires] : []];
        }));
    }
    checks.push(...await ownSignIns(ctx, 'claude', 'claude'));

    for (const home of [codexHome(env), ...ctx.accounts.accountDirs('codex')]) {
        const scope = `codex ${displayPath(home, env)}`;
        checks.push(...await attempt(scope, async () => {
            const found = await readCodexCredentials(home, null);
            const log = await newestRollout(home, null);
            const expires = expiry(scope, found.expiresAt, now, 'Run `codex` once so that it refreshes its sign-in.');
            return [ok(scope, `signed in${found.email ? ` as ${found.email}` : ''}${found.plan ? ` (${found.plan})` : ''}`),
                ...expires ? [expires] : [],
                log ? ok(scope, `session log fallback: ${displayPath(log, env)}`)
                    : {scope, status: 'warn' as const, detail: 'no session log to fall back on', fix: null}];
        }));
    }
    checks.push(...await ownSignIns(ctx, 'codex', 'codex'));

    checks.push(...await attempt('gemini', async () => {
        const found = await readGeminiCredentials(env, null);
        const list = [ok('gemini', `signed in${found.email ? ` as ${found.email}` : ''}`)];
        if (found.expiresAt !== null && found.expiresAt <= now) {
            list.push(await findOAuthClient(env, null) !== null
                ? ok('gemini', 'access token expired; it will be refreshed in memory')
                : {scope: 'gemini', status: 'fail', detail: 'access token expired and the Gemini CLI was not found to refresh it',
                    fix: 'Run `gemini` once, or set GEMINI_OAUTH_CLIENT_ID and GEMINI_OAUTH_CLIENT_SECRET.'});
        }
        return list;
    }));

    const logins = ctx.accounts.copilotLogins();
    if (logins.length === 0)
        checks.push({scope: 'copilot', status: 'warn', detail: 'not signed in', fix: 'Sign in with GitHub from the preferences.'});
    for (const login of logins) {
        checks.push(await ctx.secrets.lookup('copilot', login) !== null ? ok(`copilot ${login}`, 'token in the keyring')
            : {scope: `copilot ${login}`, status: 'fail', detail: 'no token in the keyring',
                fix: 'Sign in with GitHub again from the preferences.'});
    }

    checks.push(...await billingChecks(ctx));
    checks.push(...await localLogChecks(env));

    const urls = [CLAUDE_USAGE_URL, CODEX_USAGE_URL, GEMINI_QUOTA_URL, COPILOT_USER_URL];
    if (ctx.accounts.enabled('openai'))
        urls.push(OPENAI_COSTS_URL);
    for (const url of urls)
        checks.push(await reachable(url, env));
    return checks;
}

const MARK: Record<Check['status'], string> = {ok: 'ok  ', warn: 'warn', fail: 'FAIL'};

export function renderDoctor(checks: readonly Check[]): string {
    const width = Math.max(...checks.map(c => c.scope.length));
    return checks.map(c => `${MARK[c.status]} ${c.scope.padEnd(width)}  ${c.detail}${c.fix ? `\n     ${' '.repeat(width)}  → ${c.fix}` : ''}`)
        .join('\n');
}
