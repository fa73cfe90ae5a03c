// The canary: every secret the end-to-end session sets up (CLI credential files, keyring
// secrets, admin keys, tokens the fixture server hands out, the Antigravity CSRF token) carries
// this marker, so that one search finds a leak of any of them, whole or cut short. session.sh
// applies the same substitution to the credential files it installs.

export const CANARY = 'E2ECANARY';

/**
 * A fixture credential file as the session installs it: its FIXTURE tokens renamed to the
 * canary, and the JWTs' signature part marked too (the payload, which the meter decodes for the
 * e-mail and account id, stays as it is).
 */
export function canaried(text: string): string {
    return text.replaceAll('FIXTURE', CANARY).replaceAll('c2lnbmF0dXJl', `${CANARY}-c2lnbmF0dXJl`);
}
