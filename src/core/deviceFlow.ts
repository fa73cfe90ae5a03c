// OAuth 2.0 device authorization (RFC 8628), as GitHub implements it: ask for a user code,
// let the user enter it in the browser, and poll until the token is granted. What the server
// sends is held to bounds: the page to open must be https on the server's own host, polls are
// at least GitHub's five seconds apart, and a code lasts a sane time.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {ProviderError, cancelledError, isCancelled, onCancelled} from './errors.js';
import type {HttpClient} from './http.js';
import {_, format} from './i18n.js';
import {isObject, optionalNumber, optionalString} from './json.js';

export interface DeviceCode {
    deviceCode: string;
    userCode: string;
    verificationUri: string;
    expiresAt: number;
    intervalSeconds: number;
}

export interface DeviceFlowEndpoints {
    codeUrl: string;
    tokenUrl: string;
    clientId: string;
    scope: string;
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: a slow_down answer adds five seconds to the polling interval. */
const SLOW_DOWN_SECONDS = 5;
/** GitHub's minimum polling interval (and RFC 8628's default); an interval of 0 would poll in a tight loop. */
export const MIN_POLL_SECONDS = 5;
const MAX_POLL_SECONDS = 120;
const DEFAULT_CODE_LIFETIME_S = 900;
const MAX_CODE_LIFETIME_S = 3600;

const clampInterval = (seconds: number, min: number): number => Math.min(MAX_POLL_SECONDS, Math.max(min, seconds));

/** The page the user is sent to: https, on the same host as the endpoint that gave it (github.com). */
function isTrustedVerificationUri(uri: string, codeUrl: string): boolean {
    try {
        const page = GLib.Uri.parse(uri, GLib.UriFlags.NONE);
        const endpoint = GLib.Uri.parse(codeUrl, GLib.UriFlags.NONE);
        return page.get_scheme() === 'https' && page.get_host()?.toLowerCase() === endpoint.get_host()?.toLowerCase() &&
            page.get_userinfo() === null;
    } catch {
        return false;
    }
}

export async function requestDeviceCode(http: HttpClient, endpoints: DeviceFlowEndpoints, now: number,
    cancellable: Gio.Cancellable): Promise<DeviceCode> {
    const response = await http.request({method: 'POST', url: endpoints.codeUrl,
        form: {client_id: endpoints.clientId, scope: endpoints.scope}}, cancellable);
    const body = isObject(response.body) ? response.body : {};
    const deviceCode = optionalString(body, 'device_code');
    const userCode = optionalString(body, 'user_code');
    const verificationUri = optionalString(body, 'verification_uri');
    if (response.status !== 200 || deviceCode === null || userCode === null || verificationUri === null) {
        throw new ProviderError('server', format(_('The sign-in could not start (%d).'), response.status),
            _('Try again in a moment.'));
    }
    if (!isTrustedVerificationUri(verificationUri, endpoints.codeUrl)) {
        throw new ProviderError('server', _('The sign-in server sent a page to open that is not its own.'),
            _('It was not opened. Try again later; please report this if it persists.'));
    }
    const lifetime = optionalNumber(body, 'expires_in') ?? DEFAULT_CODE_LIFETIME_S;
    return {
        deviceCode, userCode, verificationUri,
        expiresAt: now + (lifetime > 0 ? Math.min(lifetime, MAX_CODE_LIFETIME_S) : DEFAULT_CODE_LIFETIME_S) * 1000,
        intervalSeconds: clampInterval(optionalNumber(body, 'interval') ?? MIN_POLL_SECONDS, MIN_POLL_SECONDS),
    };
}

/** Waits, or rejects with a CANCELLED error as soon as `cancellable` is cancelled. */
function sleep(seconds: number, cancellable: Gio.Cancellable): Promise<void> {
    return new Promise((resolve, reject) => {
        let handler = 0;
        const id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, Math.max(0, seconds * 1000), () => {
            cancellable.disconnect(handler);
            resolve();
            return GLib.SOURCE_REMOVE;
        });
        handler = onCancelled(cancellable, () => {
            GLib.source_remove(id);
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a GLib.Error, as every cancelled Gio call rejects with
            reject(cancelledError());
        });
    });
}

/**
 * Polls until the user has entered the code. Resolves with the access token; rejects when the
 * code expires, the user declines, or `cancellable` is cancelled. Polls are at least
 * `minIntervalSeconds` apart (specs make it shorter).
 */
export async function pollForToken(http: HttpClient, endpoints: DeviceFlowEndpoints, code: DeviceCode,
    now: () => number, cancellable: Gio.Cancellable, minIntervalSeconds = MIN_POLL_SECONDS): Promise<string> {
    let interval = clampInterval(code.intervalSeconds, minIntervalSeconds);
    while (now() < code.expiresAt) {
        await sleep(interval, cancellable);
        let response;
        try {
            response = await http.request({method: 'POST', url: endpoints.tokenUrl, form: {
                client_id: endpoints.clientId, device_code: code.deviceCode, grant_type: GRANT_TYPE,
            }}, cancellable);
        } catch (error) {
            if (isCancelled(error) || !(error instanceof ProviderError) || error.kind !== 'network')
                throw error;
            continue; // a dropped connection is worth another try before the code expires
        }
        const body = isObject(response.body) ? response.body : {};
        const token = optionalString(body, 'access_token');
        if (token !== null)
            return token;
        const error = optionalString(body, 'error');
        if (error === 'authorization_pending')
            continue;
        if (error === 'slow_down') {
            interval = clampInterval((optionalNumber(body, 'interval') ?? interval) + SLOW_DOWN_SECONDS, minIntervalSeconds);
            continue;
        }
        if (error === 'access_denied')
            throw new ProviderError('auth', _('The sign-in was declined.'), _('Start again and approve it.'));
        throw new ProviderError('auth', error === 'expired_token' ? _('The code expired before it was entered.')
            : format(_('The sign-in failed (%s).'), error ?? String(response.status)), _('Start the sign-in again.'));
    }
    throw new ProviderError('auth', _('The code expired before it was entered.'), _('Start the sign-in again.'));
}
