// What `doctor` reports: findings that providers return from diagnose() and the CLI renders,
// and the checks several providers share (token expiry, own sign-ins, reaching an endpoint).

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {ProviderId} from './contract.js';
import type {Environment} from './environment.js';
import {ProviderError} from './errors.js';
import {formatClock} from './format.js';
import {ENDPOINT_OVERRIDE_ENV, resolveEndpoint} from './http.js';
import {_, format} from './i18n.js';
import type {OwnTokenStore} from './ownSignIn.js';

Gio._promisify(Gio.NetworkMonitor.prototype, 'can_reach_async', 'can_reach_finish');

/** One line of `doctor`: what was found or is missing, and the fix. Never a secret. */
export interface Finding {
    scope: string;
    status: 'ok' | 'warn' | 'fail';
    detail: string;
    fix: string | null;
}

export const ok = (scope: string, detail: string): Finding => ({scope, status: 'ok', detail, fix: null});
export const warn = (scope: string, detail: string, fix: string | null): Finding => ({scope, status: 'warn', detail, fix});
export const fail = (scope: string, detail: string, fix: string | null): Finding => ({scope, status: 'fail', detail, fix});

/** Runs `probe`; a ProviderError becomes a failed finding (a warning when nothing is set up). */
export async function attempt(scope: string, probe: () => Promise<Finding[]>): Promise<Finding[]> {
    try {
        return await probe();
    } catch (error) {
        if (!(error instanceof ProviderError))
            throw error;
        return [{scope, status: error.kind === 'not-configured' ? 'warn' : 'fail', detail: error.message, fix: error.hint}];
    }
}

/** When a token expires: fine until then, a failure with `expiredFix` after. None when unknown. */
export function expiry(scope: string, expiresAt: number | null, now: number, expiredFix: string): Finding[] {
    if (expiresAt === null)
        return [];
    return [expiresAt > now ? ok(scope, format(_('token valid until %s'), formatClock(expiresAt, now)))
        : fail(scope, _('token expired'), expiredFix)];
}

/**
 * Whether each of our own sign-ins (made from the preferences or `ai-usage-meter login`) still has
 * its token in the keyring, one line per account, named so that `logout` can be given it.
 */
export function ownSignInFindings(tokens: OwnTokenStore, provider: ProviderId, accounts: readonly string[],
    scope: string): Promise<Finding[]> {
    return Promise.all(accounts.map(async account => await tokens.load(provider, account) !== null
        ? ok(`${scope} own sign-in ${account}`, _('token in the keyring'))
        : fail(`${scope} own sign-in ${account}`, _('no token in the keyring'),
            format(_('Sign in again: `ai-usage-meter login %s` or the preferences.'), provider))));
}

/** Whether the host of `url` can be reached (within 5 s). */
export async function reachable(url: string, env: Environment): Promise<Finding> {
    const target = resolveEndpoint(url, env.getenv(ENDPOINT_OVERRIDE_ENV));
    const host = GLib.Uri.parse(target, GLib.UriFlags.NONE).get_host() ?? target;
    const cancellable = new Gio.Cancellable();
    const timer = setTimeout(() => cancellable.cancel(), 5000);
    try {
        const address = Gio.NetworkAddress.parse_uri(target, 443);
        await Gio.NetworkMonitor.get_default().can_reach_async(address, cancellable);
        return ok('network', format(_('%s reachable'), host));
    } catch {
        return fail('network', format(_('%s not reachable'), host), _('Check the network connection, proxy and DNS.'));
    } finally {
        clearTimeout(timer);
    }
}
