// The command line's exit status, for scripts and status bars.

export const EXIT_OK = 0;
/** A provider failed (the others are still shown), or a sign-in did. */
export const EXIT_PROVIDER_FAILED = 1;
export const EXIT_USAGE = 2;
