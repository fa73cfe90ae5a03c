// The environment of a helper process we start (the log scanner worker): only what it needs to
// find the logs and run. The Shell's own environment may hold admin keys and tokens
// (ANTHROPIC_ADMIN_KEY, OPENAI_ADMIN_KEY, CLAUDE_CODE_OAUTH_TOKEN…); a child never inherits them.

/** Variables a helper may see: where home, logs and locale are. Everything else is dropped. */
const PASSED = /^(HOME|USER|LOGNAME|PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|XDG_[A-Z_]+_(HOME|DIR|DIRS)|CLAUDE_CONFIG_DIR|CODEX_HOME)$/;

/** The `NAME=value` entries of `environ` (GLib.get_environ()) a helper process may have. */
export function childEnvironment(environ: readonly string[]): string[] {
    return environ.filter(entry => PASSED.test(entry.slice(0, Math.max(0, entry.indexOf('=')))));
}
