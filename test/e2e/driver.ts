// The end-to-end driver. Runs inside the headless session (see session.sh): serves fixture
// responses on loopback, starts GNOME Shell with the test-only endpoint override, drives the
// installed extension over D-Bus and prints one PASS/FAIL line per check.

import GdkPixbuf from 'gi://GdkPixbuf';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

import {FixtureServer, fixtureJson, fixtureText} from '../support/fixtureServer.js';
import {writeFile} from '../support/helpers.js';
import {assistantLine, codexTokenCount, codexTurn, userLine} from '../support/logLines.js';
import {canaried} from './canary.js';
import {canaryEverywhere, canaryInCli, enableDisableCycles, interruptions, refreshMemory, sha256, type Harness} from './hardening.js';
import {run, shellCall, shellEval, sleep, tryEval} from './shellBus.js';

Gio._promisify(Gio.File.prototype, 'replace_contents_async', 'replace_contents_finish');

const UUID = GLib.getenv('UUID') ?? '';
const OUT = `${GLib.getenv('E2E') ?? '/e2e'}/out`;
const HOME = GLib.get_home_dir();
const CREDENTIALS = `${HOME}/.claude/.credentials.json`;
const USAGE = 'api.anthropic.com/api/oauth/usage';
const PROFILE = 'api.anthropic.com/api/oauth/profile';
const FIXTURE_TOKEN = 'sk-ant-oat01-E2ECANARY-ACCESS-TOKEN-e2e';
const ROTATED_TOKEN = 'sk-ant-oat01-E2ECANARY-ROTATED-TOKEN-e2e';
const CODEX_USAGE = 'chatgpt.com/backend-api/wham/usage';
const CODEX_AUTH = `${HOME}/.codex/auth.json`;
const GEMINI_LOAD = 'cloudcode-pa.googleapis.com/v1internal:loadCodeAssist';
const GEMINI_QUOTA = 'cloudcode-pa.googleapis.com/v1internal:retrieveUserQuota';
const GOOGLE_TOKEN = 'oauth2.googleapis.com/token';
const GEMINI_CREDENTIALS = `${HOME}/.gemini/oauth_creds.json`;
const COPILOT_USER = 'api.github.com/copilot_internal/user';
// Antigravity's card comes from a fake language server (fakeAntigravity.ts): 36 %, its highest window.
// The panel names the three most used accounts and counts the rest.
const EXPECTED_LABEL = 'Claude 72% · Codex 63% · Gemini 50% +2';
const WITHOUT_CODEX_LABEL = 'Claude 72% · Gemini 50% · Antigravity 36% +1';
const CLAUDE_ACCOUNTS_LABEL = 'Claude e2e 72% · Claude Own 72% · Claude Work 72% +3';
const ANTIGRAVITY_TOKEN = 'E2ECANARY-ANTIGRAVITY-CSRF';
const FAKE_ANTIGRAVITY = GLib.build_filenamev([GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]), 'fakeAntigravity.js']);

/** A free loopback port, for the fake language server's command line. */
function freePort(): number {
    const listener = new Gio.SocketListener();
    const port = listener.add_any_inet_port(null);
    listener.close();
    return port;
}
const CLAUDE_TOKEN = 'console.anthropic.com/v1/oauth/token';
const CREDENTIAL_FILES = [CREDENTIALS, `${HOME}/work-claude/.credentials.json`, CODEX_AUTH, GEMINI_CREDENTIALS];
/** sha256 of what each CLI credential file must hold: as installed, or as the test last wrote it (null: removed). */
const expectedCredentials = new Map<string, string | null>();
/** How many enable/disable cycles and refreshes the hardening checks run. */
const CYCLES = Number(GLib.getenv('E2E_CYCLES') ?? '100');
/**
 * The long run (E2E_LONG=1) adds the memory check: 1,000 refreshes after a warm-up, the Shell's
 * RSS after GC sampled every 25, its fitted growth per 500 refreshes under 1 MB. It takes about
 * 4 minutes on one Shell, so `npm test` leaves it out. The cycles, the lock, the network drop and
 * the clock jumps run on the newer Shells by default; on 48 only in the long run.
 */
const LONG_RUN = GLib.getenv('E2E_LONG') === '1';
const LIFECYCLE = LONG_RUN || Number(GLib.getenv('E2E_SHELL') ?? '0') >= 50;
/** E2E_ONLY=memory: only the memory check, right after the extension is enabled (to work on it). */
const MEMORY_ONLY = GLib.getenv('E2E_ONLY') === 'memory';
const REFRESHES = Number(GLib.getenv('E2E_REFRESHES') ?? '1000');
const WARMUP = Number(GLib.getenv('E2E_WARMUP') ?? '1000');
const MENU_OPENS = Number(GLib.getenv('E2E_MENU_OPENS') ?? '100');
/** The command line, where the install command puts it. */
const CLI = `${HOME}/.local/bin/ai-usage-meter`;

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): boolean {
    if (ok)
        passed++;
    else
        failed++;
    print(`${ok ? 'PASS' : 'FAIL'}: ${name}${detail && !ok ? ` — ${detail}` : ''}`);
    return ok;
}
const info = (text: string): void => print(`INFO: ${text}`);
function readText(path: string): string {
    try {
        return new TextDecoder().decode(GLib.file_get_contents(path)[1]);
    } catch {
        return '';
    }
}
async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await probe();
    while (!accept(value) && Date.now() < deadline) {
        await sleep(200);
        value = await probe();
    }
    return value;
}

async function extensionState(): Promise<number> {
    const [infoDict] = await shellCall('/org/gnome/Shell', 'org.gnome.Shell.Extensions', 'GetExtensionInfo',
        new GLib.Variant('(s)', [UUID])) as [Record<string, unknown>];
    info(`state ${JSON.stringify(infoDict['state'])}`);
    return Number(infoDict['state'] ?? -1);
}

/** Takes a screenshot for the README. Not an assertion: only a failure to take it is counted. */
async function screenshot(name: string, what: string): Promise<void> {
    const path = `${OUT}/${name}`;
    const [ok] = await shellCall('/org/gnome/Shell/Screenshot', 'org.gnome.Shell.Screenshot', 'Screenshot',
        new GLib.Variant('(bbs)', [false, false, path])) as [boolean, string];
    if (ok && GLib.file_test(path, GLib.FileTest.EXISTS))
        info(`screenshot of ${what}: ${name}`);
    else
        check(`screenshot of ${what} (${name})`, false);
}

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

async function captureOutput(argv: string[]): Promise<string> {
    const process = Gio.Subprocess.new(argv, Gio.SubprocessFlags.STDOUT_PIPE);
    const [stdout] = await process.communicate_utf8_async(null, null);
    return stdout;
}

const INDICATOR = `Main.panel.statusArea['${UUID}']`;
/**
 * Clicks the middle of the panel button with a virtual pointer, as a user would: the pointer
 * arrives first, then presses and releases. The backend comes from the stage's context
 * (Clutter.get_default_backend() is gone in GNOME 51).
 */
async function clickIndicator(): Promise<void> {
    const pointer = `(globalThis.aumE2EPointer ??= (() => { const Clutter = imports.gi.Clutter;
        const backend = global.stage.context?.get_backend?.() ?? Clutter.get_default_backend();
        return backend.get_default_seat().create_virtual_device(Clutter.InputDeviceType.POINTER_DEVICE); })())`;
    const now = 'imports.gi.GLib.get_monotonic_time()';
    // The first motion of a new virtual device can be dropped: move until the pointer is there.
    await waitFor(() => shellEval(`(() => { const [x, y] = ${INDICATOR}.get_transformed_position();
        const target = [Math.round(x + ${INDICATOR}.width / 2), Math.round(y + ${INDICATOR}.height / 2)];
        ${pointer}.notify_absolute_motion(${now}, ...target);
        const [px, py] = global.get_pointer(); return px === target[0] && py === target[1]; })()`), there => there === true, 3000);
    await sleep(150);
    const button = (state: string): Promise<unknown> => shellEval(
        `${pointer}.notify_button(${now}, imports.gi.Clutter.BUTTON_PRIMARY, imports.gi.Clutter.ButtonState.${state}); true`);
    await button('PRESSED');
    await sleep(80);
    await button('RELEASED');
}

/** JS for the menu item labelled `label` (found by walking the menu's actors). */
const menuItem = (label: string): string => `(() => { const walk = a => {
    if (a.label?.text === ${JSON.stringify(label)} && a.activate) return a;
    for (const c of a.get_children()) { const f = walk(c); if (f) return f; } return null; };
    return walk(${INDICATOR}.menu.box); })()`;

/**
 * Scrolls the cards so that the label reading `text` is near the top of the menu. Its place
 * comes from the allocations under the scrolled box (content coordinates), once it has one: a
 * card built a moment ago has no transformed position yet (NaN), and a NaN scroll value would
 * stay in the adjustment and blank the cards for good.
 */
async function scrollIntoView(text: string): Promise<void> {
    const value = await waitFor(() => tryEval(`(() => { const box = ${INDICATOR}._cards.actor;
        const walk = a => { if (a.text === ${JSON.stringify(text)}) return a;
            for (const c of a.get_children()) { const f = walk(c); if (f) return f; } return null; };
        const target = walk(box); if (!target || !target.has_allocation()) return null;
        let y = 0; for (let a = target; a && a !== box; a = a.get_parent()) y += a.allocation.y1;
        const adjustment = box.get_parent().vadjustment; adjustment.value = Math.max(0, y - 24);
        return adjustment.value; })()`), v => typeof v === 'number' && Number.isFinite(v), 3000);
    check(`the cards scroll to "${text}"`, typeof value === 'number' && Number.isFinite(value), String(value));
    await sleep(300);
}

/**
 * Takes a screenshot of the open menu and checks that its cards were painted: enough pixels
 * inside the cards' scroll view are far brighter than the menu's background (text). The text
 * checks read actors, not pixels; this catches cards that exist but are not drawn.
 */
async function menuScreenshot(name: string, what: string): Promise<void> {
    const area = await shellEval(`(() => { const view = ${INDICATOR}._cards.actor.get_parent();
        const [x, y] = view.get_transformed_position(); const [w, h] = view.get_transformed_size();
        return [x, y, w, h].map(Math.round); })()`) as number[];
    await screenshot(name, what);
    const [x0 = 0, y0 = 0, w = 0, h = 0] = area;
    let bright = 0;
    try {
        const image = GdkPixbuf.Pixbuf.new_from_file(`${OUT}/${name}`);
        const pixels = image.get_pixels();
        const stride = image.get_rowstride();
        const channels = image.get_n_channels();
        for (let y = Math.max(0, y0); y < Math.min(image.get_height(), y0 + h); y++) {
            for (let x = Math.max(0, x0); x < Math.min(image.get_width(), x0 + w); x++) {
                const at = y * stride + x * channels;
                if ((pixels[at] ?? 0) + (pixels[at + 1] ?? 0) + (pixels[at + 2] ?? 0) > 3 * 150)
                    bright++;
            }
        }
    } catch (e) {
        info(`could not read ${name}: ${String(e)}`);
    }
    check(`the cards are painted in ${what} (text pixels in the cards' area)`, bright > 100,
        `${bright} bright pixels in ${JSON.stringify(area)}`);
}

/** Every visible label text under an actor, in order. */
const LABEL_WALK = `(root) => { const out = []; const walk = a => { if (!a.visible) return;
    if (a.constructor.$gtype.name === 'StLabel') out.push(a.text);
    for (const c of a.get_children()) walk(c); }; if (root) walk(root); return out; }`;

/** Every text the panel and the menu showed during the session, for the canary search. */
const shownTexts = new Set<string>();
const panelLabel = async (): Promise<{text: string; style: string} | null> => {
    const label = await panelLabelNow();
    if (label)
        shownTexts.add(label.text);
    return label;
};
const panelLabelNow = async (): Promise<{text: string; style: string} | null> =>
    await tryEval(`(() => { const b = ${INDICATOR}; if (!b) return null;
        const l = (${LABEL_WALK})(b)[0]; const actor = b.get_first_child();
        return {text: l ?? '', style: actor?.get_style_class_name?.() ?? ''}; })()`) as {text: string; style: string} | null;

/** The menu's texts, as a user sees them: the menu is opened first (cards are built when it opens). */
const menuTexts = async (): Promise<string[]> => {
    const texts = (await tryEval(`(() => { const b = ${INDICATOR}; if (b && !b.menu.isOpen) b.menu.open();
        return (${LABEL_WALK})(b?.menu.box); })()`) as string[] | undefined) ?? [];
    texts.forEach(t => shownTexts.add(t));
    return texts;
};

function usageFixture(now: number): unknown {
    // Reset times relative to now, so countdowns read like a real session.
    const usage = fixtureJson('claude/usage-max.json') as Record<string, Record<string, unknown> | null>;
    const offsets: Record<string, number> = {
        five_hour: (2 * 60 + 14) * 60_000,
        seven_day: (3 * 24 + 4) * 3_600_000,
        seven_day_sonnet: (3 * 24 + 4) * 3_600_000,
        seven_day_cowork: (5 * 24) * 3_600_000,
    };
    for (const [key, offset] of Object.entries(offsets)) {
        const bucket = usage[key];
        if (bucket)
            bucket['resets_at'] = new Date(now + offset).toISOString();
    }
    return usage;
}

function geminiQuotaFixture(now: number): unknown {
    const quota = fixtureJson('gemini/quota.json') as {buckets: unknown[]};
    for (const bucket of quota.buckets) {
        if (typeof bucket === 'object' && bucket !== null && 'resetTime' in bucket)
            (bucket as Record<string, unknown>)['resetTime'] = new Date(now + 17 * 3_600_000).toISOString();
    }
    return quota;
}

function codexUsageFixture(now: number): unknown {
    const usage = fixtureJson('codex/usage-plus.json') as {
        rate_limit: Record<string, Record<string, unknown>>;
        additional_rate_limits: unknown[];
    };
    const inSeconds = (ms: number): number => Math.round((now + ms) / 1000);
    const primary = usage.rate_limit['primary_window'];
    const secondary = usage.rate_limit['secondary_window'];
    if (primary)
        primary['reset_at'] = inSeconds(3 * 3_600_000 + 10 * 60_000);
    if (secondary)
        secondary['reset_at'] = inSeconds(5 * 86_400_000);
    const spark = usage.additional_rate_limits[0] as {rate_limit: Record<string, Record<string, unknown>>};
    const sparkWindow = spark.rate_limit['primary_window'];
    if (sparkWindow)
        sparkWindow['reset_at'] = inSeconds(3 * 3_600_000 + 10 * 60_000);
    return usage;
}

async function writeCredentials(token: string): Promise<string> {
    // As Claude Code does it: write a new file and rename it over the old one.
    const text = canaried(fixtureText('claude/credentials.json')).replace(FIXTURE_TOKEN, token);
    await Gio.File.new_for_path(CREDENTIALS).replace_contents_async(new TextEncoder().encode(text), null, false,
        Gio.FileCreateFlags.REPLACE_DESTINATION, null);
    expectedCredentials.set(CREDENTIALS, sha256(CREDENTIALS));
    return text;
}

const ANTHROPIC_KEY = 'sk-ant-admin01-E2ECANARY-E2E';
const OPENAI_COSTS = 'api.openai.com/v1/organization/costs';
const ANTHROPIC_COSTS = 'api.anthropic.com/v1/organizations/cost_report';

/** Billing fixtures for today (whatever the date): OpenAI on two pages, Anthropic in cents. */
function routeBilling(server: FixtureServer, now: number): void {
    const today = Math.floor(now / 86_400_000) * 86_400;
    const openaiBucket = (results: unknown[]): unknown => ({start_time: today, end_time: today + 86_400, results});
    const cost = (value: number, item: string): unknown => ({amount: {value, currency: 'usd'}, line_item: item});
    server.route(OPENAI_COSTS, query => ({status: 200, body: query['page'] === 'next'
        ? {data: [openaiBucket([cost(3.25, 'o3, output')])], has_more: false, next_page: null}
        : {data: [openaiBucket([cost(5.5, 'gpt-4o-2024-08-06, input'), cost(3, 'gpt-4o-2024-08-06, output')])],
            has_more: true, next_page: 'next'}}));
    server.route('api.openai.com/v1/organization/usage/completions', {status: 200, body: {data: [openaiBucket([
        {input_tokens: 120_000, output_tokens: 30_000, num_model_requests: 42, model: 'gpt-4o-2024-08-06'}])],
    has_more: false, next_page: null}});
    const day = new Date(today * 1000).toISOString();
    server.route(ANTHROPIC_COSTS, {status: 200, body: {data: [{starting_at: day, results: [
        {amount: '1250', currency: 'USD', description: 'Claude Sonnet 4.5 Usage', model: 'claude-sonnet-4-5-20250929'}]}],
    has_more: false, next_page: null}});
    server.route('api.anthropic.com/v1/organizations/usage_report/messages', {status: 200, body: {data: [{starting_at: day,
        results: [{uncached_input_tokens: 1000, cache_read_input_tokens: 9000, output_tokens: 2000, model: 'claude-sonnet-4-5-20250929'}]}],
    has_more: false, next_page: null}});
    server.route('api.anthropic.com/v1/organizations/usage_report/claude_code', {status: 200,
        body: fixtureJson('spend/anthropic-claude-code.json')});
    server.route(COPILOT_ORG_REPORT, {status: 200, body: fixtureJson('spend/copilot-org-report.json')});
    for (const n of [1, 2]) {
        server.route(`copilot-reports.example.com/acme/report-${n}.ndjson`,
            {status: 200, body: fixtureText(`spend/copilot-org-report-${n}.ndjson`)});
    }
}
const COPILOT_ORG_REPORT = 'api.github.com/orgs/acme/copilot/metrics/reports/organization-28-day/latest';

/**
 * Claude Code and Codex logs from the last half hour, with round costs at API prices:
 * opus-4-6 200k in + 40k out = $2.00 (after a streamed partial copy that must not count),
 * sonnet-4-5 100k out = $1.50; Codex gpt-5-codex 1M in + 100k out = $2.25.
 */
function writeLocalLogs(now: number): void {
    const project = `${HOME}/.claude/projects/${HOME.replace(/[/.]/g, '-')}-src-app`;
    const t = now - 30 * 60_000;
    writeFile(`${project}/session-a.jsonl`, [userLine('fix the tests', undefined, t),
        assistantLine({id: 'msg_a', requestId: 'req_a', input: 200_000, output: 5, time: t}),
        assistantLine({id: 'msg_a', requestId: 'req_a', input: 200_000, output: 40_000, time: t + 1000})].join('\n') + '\n');
    writeFile(`${project}/session-b.jsonl`, `${assistantLine({id: 'msg_b', requestId: 'req_b', model: 'claude-sonnet-4-5-20250929',
        input: 0, output: 100_000, time: now - 10 * 60_000, sessionId: 'b'})}\n`);
    const day = new Date(now);
    const dir = `${HOME}/.codex/sessions/${day.getFullYear()}/${String(day.getMonth() + 1).padStart(2, '0')}/${String(day.getDate()).padStart(2, '0')}`;
    writeFile(`${dir}/rollout-e2e.jsonl`, [codexTurn('gpt-5-codex', t),
        codexTokenCount({total: [1_000_000, 0, 100_000], last: [1_000_000, 0, 100_000], time: t + 5000}),
        codexTokenCount({total: [1_000_000, 0, 100_000], last: [1_000_000, 0, 100_000], time: t + 6000})].join('\n') + '\n');
}

/** Processes whose command line contains `needle` (the scanner worker runs as the test user). */
function processesWith(needle: string): string[] {
    const found: string[] = [];
    const dir = Gio.File.new_for_path('/proc').enumerate_children('standard::name', Gio.FileQueryInfoFlags.NONE, null);
    for (let info = dir.next_file(null); info !== null; info = dir.next_file(null)) {
        if (!/^\d+$/.test(info.get_name()))
            continue;
        try {
            const [, raw] = GLib.file_get_contents(`/proc/${info.get_name()}/cmdline`);
            const cmdline = new TextDecoder().decode(raw).split('\0').join(' ');
            if (cmdline.includes(needle))
                found.push(cmdline);
        } catch {
            // the process ended meanwhile
        }
    }
    return found;
}
/** The worker of the installed extension (not another checkout's scan that may run on the same machine). */
const WORKER = `extensions/${UUID}/cli/main.js scan --serve`;

async function main(): Promise<void> {
    const server = new FixtureServer();
    server.route(USAGE, {status: 200, body: usageFixture(Date.now())});
    server.route(PROFILE, {status: 200, body: fixtureJson('claude/profile.json')});
    server.route(CODEX_USAGE, {status: 200, body: codexUsageFixture(Date.now())});
    server.route(GEMINI_LOAD, {status: 200, body: fixtureJson('gemini/load-code-assist.json')});
    server.route(GEMINI_QUOTA, {status: 200, body: geminiQuotaFixture(Date.now())});
    const copilotUser = fixtureJson('copilot/user-individual.json') as Record<string, unknown>;
    copilotUser['quota_reset_date'] = new Date(Date.now() + 12 * 86_400_000).toISOString().slice(0, 10);
    server.route(CLAUDE_TOKEN, {status: 200, body: {access_token: 'sk-ant-oat01-E2ECANARY-OWN-REFRESHED',
        refresh_token: 'rt-E2ECANARY-OWN-2', expires_in: 28800}});
    server.route(COPILOT_USER, {status: 200, body: copilotUser});
    server.route(GOOGLE_TOKEN, {status: 200, body: {access_token: 'ya29.E2ECANARY-REFRESHED-IN-MEMORY', expires_in: 3599}});
    const geminiCredentials = canaried(fixtureText('gemini/oauth_creds-expired.json'));
    // The CLIs' credential files as installed: only their owners (here: the test) may change them.
    for (const path of CREDENTIAL_FILES)
        expectedCredentials.set(path, sha256(path));
    info(`fixture server at ${server.baseUrl}`);
    writeLocalLogs(Date.now());
    routeBilling(server, Date.now());

    const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDERR_MERGE});
    launcher.setenv('AI_USAGE_METER_TEST_ENDPOINT', server.baseUrl, true);
    // The Gemini CLI is not installed in the test system; its OAuth client comes from the environment.
    launcher.setenv('GEMINI_OAUTH_CLIENT_ID', 'e2e-client.apps.googleusercontent.com', true);
    launcher.setenv('GEMINI_OAUTH_CLIENT_SECRET', 'E2ECANARY-GEMINI-CLIENT-SECRET', true);
    launcher.setenv('ANTHROPIC_ADMIN_KEY', ANTHROPIC_KEY, true);
    launcher.set_stdout_file_path(`${OUT}/shell.log`);
    // Antigravity's language server, as the app starts it (its executable's name and folder are how it is found).
    const antigravity = Gio.Subprocess.new(['bash', '-c', 'exec -a "$0" gjs -m "$@"',
        `${HOME}/.gemini/antigravity-cli/bin/language_server_linux_x64`, FAKE_ANTIGRAVITY,
        '--csrf_token', ANTIGRAVITY_TOKEN, '--extension_server_port', String(freePort())], Gio.SubprocessFlags.NONE);
    const shell = launcher.spawnv(['gnome-shell', '--headless', '--wayland', '--no-x11', '--virtual-monitor', '1280x800']);
    try {
        const started = await waitFor(() => tryEval('!Main.layoutManager._startingUp'), v => v === true, 60000);
        if (!check('GNOME Shell started and Eval works (unsafe-mode helper active)', started === true))
            return;
        const version = String(await tryEval('Config.PACKAGE_VERSION'));
        print(`INFO: GNOME Shell ${version}`);
        const expectedMajor = GLib.getenv('E2E_SHELL');
        if (expectedMajor !== null)
            check(`the session runs GNOME Shell ${expectedMajor}`, version.split('.')[0] === expectedMajor, version);
        await Gio.DBus.session.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
            'UpdateActivationEnvironment', new GLib.Variant('(a{ss})', [{WAYLAND_DISPLAY: 'wayland-0'}]),
            null, Gio.DBusCallFlags.NONE, 5000, null);
        const baselineChildren = await shellEval('Main.panel._rightBox.get_n_children()');

        // --- installed by the README's command: enabled for the next login, the CLI on the PATH ---
        check('the install command enabled the extension for the next login',
            readText(`${OUT}/enabled-after-install.txt`).includes(`'${UUID}'`), readText(`${OUT}/enabled-after-install.txt`));
        check('the install command put ai-usage-meter in ~/.local/bin',
            GLib.file_test(CLI, GLib.FileTest.IS_EXECUTABLE), readText(`${OUT}/install.log`));

        // --- enable with the real CLI, as the README tells users to ---
        await run(['gnome-extensions', 'enable', UUID]);
        check('extension state is ACTIVE after enable', await waitFor(extensionState, s => s === 1, 10000) === 1);
        const label = await waitFor(panelLabel, l => l?.text === EXPECTED_LABEL, 15000);
        check(`panel label reads "${EXPECTED_LABEL}"`, label?.text === EXPECTED_LABEL, JSON.stringify(label));
        check('panel label has the warning style at 72% (threshold 70%)', label?.style.includes('aum-warning') === true,
            label?.style);

        // What the hardening checks (hardening.ts) get to drive the Shell and the fixture server.
        const harness: Harness = {uuid: UUID, server, shellPid: shell.get_identifier() ?? '', worker: WORKER,
            shellLog: `${OUT}/shell.log`, check, info, processesWith, panelLabel, menuTexts,
            delayQuotas: ms => {
                const delayMs = ms > 0 ? ms : undefined;
                server.route(USAGE, {status: 200, body: usageFixture(Date.now()), delayMs});
                server.route(GEMINI_QUOTA, {status: 200, body: geminiQuotaFixture(Date.now()), delayMs});
                server.route(COPILOT_USER, {status: 200, body: copilotUser, delayMs});
            }};
        if (MEMORY_ONLY) {
            await refreshMemory(harness, 100, WARMUP, REFRESHES, MENU_OPENS);
            return;
        }

        const notifications = await waitFor(() => tryEval(`Main.messageTray.getSources()
            .filter(s => s.title === 'AI Usage Meter').flatMap(s => s.notifications.map(n => [n.title, n.body]))`) as
            Promise<[string, string][] | undefined>, n => (n ?? []).length > 0, 5000) ?? [];
        info(`notifications: ${JSON.stringify(notifications)}`);
        check('a notification says the Claude 5-hour limit reached the warning level',
            notifications.some(([title, body]) => title === 'Claude 5h limit at 72%' && body.startsWith('e2e@example.com · resets in')));
        check('only limits at or above the warning level notify (Codex 7d at 63% does not)', !notifications
            .some(([title]) => title.startsWith('Codex')));
        await screenshot('notification.png', 'the notification banner');
        // Banners would cover the menu screenshots; block them from here on.
        await shellEval('Main.messageTray.bannerBlocked = true; true');
        await sleep(500);
        const usageRequest = server.requestsTo(USAGE)[0];
        check('usage request carries the Bearer token from ~/.claude/.credentials.json',
            usageRequest?.headers['authorization'] === `Bearer ${FIXTURE_TOKEN}`);
        check('usage request carries anthropic-beta: oauth-2025-04-20',
            usageRequest?.headers['anthropic-beta'] === 'oauth-2025-04-20');
        const codexRequest = server.requestsTo(CODEX_USAGE)[0];
        check('Codex request carries the ChatGPT account id from ~/.codex/auth.json',
            codexRequest?.headers['chatgpt-account-id'] === 'acct-fixture-123');
        check('Gemini: the expired access token was refreshed with the CLI\'s refresh token',
            server.requestsTo(GOOGLE_TOKEN).length === 1);
        check('Gemini: the quota request uses the token refreshed in memory',
            server.requestsTo(GEMINI_QUOTA)[0]?.headers['authorization'] === 'Bearer ya29.E2ECANARY-REFRESHED-IN-MEMORY');
        check('Copilot: the request carries the GitHub token from the keyring',
            server.requestsTo(COPILOT_USER)[0]?.headers['authorization'] === 'token gho_E2ECANARY_E2E_OCTOCAT');
        check('usage request has an honest User-Agent',
            usageRequest?.headers['user-agent']?.startsWith('ai-usage-meter/') === true,
            usageRequest?.headers['user-agent']);

        // --- a real click: the panel button opens its menu on press since GNOME 50 (a click
        //     gesture), on release before; a second click closes it ---
        await shellEval('Main.overview.hide(); true');
        await sleep(300);
        await clickIndicator();
        const openedByClick = await waitFor(() => shellEval(`${INDICATOR}.menu.isOpen`), open => open === true, 3000);
        check('a click on the panel button opens the menu', openedByClick === true);
        await sleep(300);
        await clickIndicator();
        const closedByClick = await waitFor(() => shellEval(`${INDICATOR}.menu.isOpen`), open => open === false, 3000);
        check('a second click closes it', openedByClick === true && closedByClick === false);

        // --- the dropdown ---
        await shellEval(`Main.overview.hide(); ${INDICATOR}.menu.open(); true`);
        await sleep(500);
        const texts = await menuTexts();
        info(`menu: ${JSON.stringify(texts)}`);
        const expected = ['Claude · e2e@example.com', 'Max 20x', '5h', '72%', 'resets in 2 h 13 m', '7d', '22%',
            '7d Sonnet', '7d Daily Routines', 'Extra usage', '$12.34 / $50.00', 'Refresh', 'Preferences',
            'Open Claude usage page', 'Codex · codex@example.com', 'Plus', '41%', '63%', '5h GPT-5.3-Codex-Spark',
            'Credits', '125.5', 'Open Codex usage page', 'Gemini · gemini@example.com', 'Code Assist Standard',
            'Pro', '50%', 'Flash', 'Flash-Lite', 'Open Gemini usage page', 'Copilot · octocat',
            'AI credits', '90 / 300 credits', 'Chat', 'unlimited', 'Open Copilot usage page',
            'Antigravity · fixture@example.com', 'Google AI Ultra', 'Gemini 5h', '9%', 'Claude and GPT weekly', '36%',
            'Open Antigravity usage page'];
        for (const text of expected)
            check(`menu shows "${text}"`, texts.some(t => t === text || (text.startsWith('resets in') && t.startsWith(text))));
        check('menu shows when it was updated', texts.some(t => t.startsWith('updated ')));
        check('menu shows the pace of the 5-hour window (72% after 2 h 46 m runs out before the reset)',
            texts.includes('at this pace, runs out in 1 h 3 m'));
        check('menu shows the pace of the weekly window', texts.some(t => /^on pace for \d+% at reset$/.test(t)));
        await menuScreenshot('panel-menu.png', 'the open menu');
        const fits = await shellEval(`(() => { const item = ${menuItem('Preferences')};
            const [, y] = item.get_transformed_position();
            return {bottom: y + item.height, screen: global.stage.height}; })()`) as {bottom: number; screen: number};
        check('the whole menu fits on the screen (cards scroll)', fits.bottom <= fits.screen, JSON.stringify(fits));

        // --- estimated cost from local logs, read by a worker process ---
        const local = await waitFor(menuTexts, t => t.includes('Claude Code') && t.includes('gpt-5-codex'), 20000);
        info(`local: ${JSON.stringify(local.slice(local.indexOf('Claude Code')))}`);
        for (const text of ['Claude Code', 'estimated at API prices', 'Today', 'This month', 'Sessions today', '$3.50',
            '5-hour block', 'This month by model', 'claude-opus-4-6', '$2.00', 'claude-sonnet-4-5-20250929', '$1.50',
            'Top projects this month', 'src-app', 'Codex', '$2.25', 'gpt-5-codex', 'app'])
            check(`local costs show "${text}"`, local.includes(text));
        check('local costs count two sessions today (the streamed partial copy is not a response)',
            local[local.indexOf('Sessions today') + 1] === '2');
        check('local costs show the block burn rate and projection',
            local.some(t => /^since \d\d:\d\d, ends in .+ · \$\d+\.\d\d\/h · projected \$\d+\.\d\d$/.test(t)));
        check('local costs show the last 7 days from the kept history',
            local.includes('Last 7 days $3.50, $0.50 a day on average (kept history)'));
        check('local costs say how old the data is', local.some(t => t.startsWith('as of ') && t.includes('from local logs')));
        check('one scanner worker runs outside the Shell process', processesWith(WORKER).length === 1,
            processesWith(WORKER).join('\n'));
        await scrollIntoView('Claude Code');
        await menuScreenshot('menu-local-usage.png', 'the local costs');
        await shellEval(`${INDICATOR}._cards.actor.get_parent().vadjustment.value = 0; true`);

        // --- "Open Claude usage page" opens the page in the default browser and closes the menu ---
        await shellEval(`${menuItem('Open Claude usage page')}.activate(null); true`);
        const opened = await waitFor(() => Promise.resolve(readText(`${OUT}/opened-urls.txt`)),
            text => text.includes('https://claude.ai/settings/usage'), 5000);
        check('the usage page opens in the default browser', opened.trim() === 'https://claude.ai/settings/usage', opened);
        check('activating a card item closes the menu', await shellEval(`${INDICATOR}.menu.isOpen`) === false);
        await shellEval(`${INDICATOR}.menu.open(); true`);

        // --- manual refresh from the menu ---
        const before = server.requestsTo(USAGE).length;
        await shellEval(`${menuItem('Refresh')}.activate(null); true`);
        const after = await waitFor(() => Promise.resolve(server.requestsTo(USAGE).length), n => n > before, 5000);
        check('the Refresh item fetches again', after > before, `${before} → ${after}`);

        // --- rate limited: keep the last data, marked stale, and say when it retries ---
        server.route(USAGE, {status: 429, body: {error: {type: 'rate_limit_error'}}, headers: {'Retry-After': '600'}});
        await shellEval(`${INDICATOR}.emit('refresh-requested'); true`);
        await shellEval(`${INDICATOR}.menu.open(); true`);
        const limited = await waitFor(menuTexts, t => t.includes('Rate limited by the provider.'), 5000);
        check('a 429 shows "Rate limited" with the retry time', limited.includes('Rate limited by the provider.') &&
            limited.some(t => t.startsWith('Automatic refreshes pause until ')), JSON.stringify(limited));
        check('a 429 keeps the last data, marked "as of"', limited.some(t => t.startsWith('as of ')) &&
            limited.includes('72%'));
        check('the panel keeps the last values while rate limited', (await panelLabel())?.text === EXPECTED_LABEL);
        await menuScreenshot('menu-rate-limited.png', 'the rate-limited card');
        await shellEval(`${INDICATOR}.menu.close(); true`);

        // --- Claude Code refreshes its own token: picked up at once, without polling ---
        server.route(USAGE, {status: 200, body: usageFixture(Date.now())});
        await writeCredentials(ROTATED_TOKEN);
        const rotated = await waitFor(() => Promise.resolve(server.requestsTo(USAGE)
            .some(r => r.headers['authorization'] === `Bearer ${ROTATED_TOKEN}`)), v => v, 5000);
        check('a new token in the credentials file is used within seconds', rotated);
        const fresh = await waitFor(menuTexts, t => !t.includes('Rate limited by the provider.'), 5000);
        check('the card is fresh again after the new token', fresh.some(t => t.startsWith('updated ')));

        // --- thresholds come from the settings: 72% turns critical when the critical level is 70% ---
        await shellEval(`(() => { const s = Main.extensionManager.lookup('${UUID}').stateObj.getSettings();
            s.set_uint('warning-threshold', 50); s.set_uint('critical-threshold', 70); return true; })()`);
        const critical = await waitFor(panelLabel, l => l?.style.includes('aum-critical') === true, 5000);
        check('the panel turns critical when the critical threshold is lowered to 70%',
            critical?.style.includes('aum-critical') === true, critical?.style);
        await shellEval(`(() => { const s = Main.extensionManager.lookup('${UUID}').stateObj.getSettings();
            s.reset('warning-threshold'); s.reset('critical-threshold'); return true; })()`);
        const warningAgain = await waitFor(panelLabel, l => l?.style.includes('aum-warning') === true, 5000);
        check('and back to the warning style with the default thresholds', warningAgain?.style.includes('aum-warning') === true);

        // --- settings apply live: Codex off → the single-account label; no sign-in → a "Set up" row ---
        await shellEval(`Main.extensionManager.lookup('${UUID}').stateObj.getSettings().set_boolean('codex-enabled', false); true`);
        const claudeOnly = await waitFor(panelLabel, l => l?.text === WITHOUT_CODEX_LABEL, 5000);
        check(`turning Codex off in the settings shows "${WITHOUT_CODEX_LABEL}"`, claudeOnly?.text === WITHOUT_CODEX_LABEL,
            JSON.stringify(claudeOnly));
        check('the Codex CLI\'s auth.json was never written', readText(CODEX_AUTH) === canaried(fixtureText('codex/auth.json')) &&
            sha256(CODEX_AUTH) === expectedCredentials.get(CODEX_AUTH));
        GLib.unlink(CODEX_AUTH);
        expectedCredentials.set(CODEX_AUTH, null);
        await shellEval(`Main.extensionManager.lookup('${UUID}').stateObj.getSettings().set_boolean('codex-enabled', true); true`);
        const setUp = await waitFor(menuTexts, t => t.includes('Set up Codex…'), 5000);
        check('Codex without a sign-in shows "Set up Codex…" instead of an error card', setUp.includes('Set up Codex…') &&
            !setUp.includes('Not signed in to Codex.'), JSON.stringify(setUp));
        await shellEval(`${INDICATOR}.menu.open(); true`);
        await scrollIntoView('Set up Codex…');
        await menuScreenshot('menu-set-up.png', 'the menu with a provider to set up');
        await shellEval(`${INDICATOR}.menu.close(); true`);

        // --- more Claude accounts: an extra CLAUDE_CONFIG_DIR folder, and one signed in from the
        //     preferences (an expired own token, refreshed and rotated in the keyring) ---
        const settingsJs = `Main.extensionManager.lookup('${UUID}').stateObj.getSettings()`;
        const Variant = 'imports.gi.GLib.Variant';
        await shellEval(`(() => { const s = ${settingsJs};
            s.set_value('account-names', new ${Variant}('a{ss}', {'claude:${HOME}/work-claude/.credentials.json': 'Work',
                'claude:own:e2eown': 'Own'}));
            s.set_value('own-signins', new ${Variant}('a{sas}', {claude: ['e2eown']}));
            s.set_value('account-dirs', new ${Variant}('a{sas}', {claude: ['${HOME}/work-claude']})); return true; })()`);
        const twoAccounts = await waitFor(menuTexts, t => t.includes('Claude · Work') && t.includes('Claude · Own'), 8000);
        check('a second Claude account appears as its own card, under the name given to it',
            twoAccounts.includes('Claude · Work') && twoAccounts.includes('Claude · e2e@example.com') &&
            twoAccounts.includes('Pro'), JSON.stringify(twoAccounts));
        check('the account signed in from the preferences has its own card', twoAccounts.includes('Claude · Own'));
        const threeLabel = await waitFor(panelLabel, l => l?.text === CLAUDE_ACCOUNTS_LABEL, 5000);
        check('the panel tells the Claude accounts apart', threeLabel?.text === CLAUDE_ACCOUNTS_LABEL, JSON.stringify(threeLabel));
        check('the own sign-in\'s expired token was refreshed with its refresh token',
            server.requestsTo(CLAUDE_TOKEN).length === 1);
        check('the own sign-in is fetched with the refreshed token', server.requestsTo(USAGE)
            .some(r => r.headers['authorization'] === 'Bearer sk-ant-oat01-E2ECANARY-OWN-REFRESHED'));
        const stored = await captureOutput(['secret-tool', 'lookup', 'xdg:schema', 'org.gnome.shell.extensions.ai-usage-meter',
            'provider', 'claude', 'account', 'e2eown']);
        check('the rotated refresh token is stored in the keyring', stored.includes('"refreshToken":"rt-E2ECANARY-OWN-2"'),
            stored.replace(/sk-ant-[A-Za-z0-9-]+/g, '[token]'));
        check('the second account is fetched with its own token', server.requestsTo(USAGE)
            .some(r => r.headers['authorization'] === 'Bearer sk-ant-oat01-E2ECANARY-WORK-ACCOUNT-e2e'));
        await shellEval(`${INDICATOR}.menu.open(); true`);
        await sleep(300);
        const scrolled = await shellEval(`${INDICATOR}._cards.actor.get_parent().vadjustment.value`);
        check('the menu opens at its top, though it was scrolled down when it closed', scrolled === 0, String(scrolled));
        await menuScreenshot('menu-claude-accounts.png', 'the menu with three Claude accounts');
        await shellEval(`${INDICATOR}.menu.close(); ${settingsJs}.reset('account-dirs'); ${settingsJs}.reset('own-signins'); true`);
        const oneAccount = await waitFor(menuTexts, t => !t.includes('Claude · Work') && !t.includes('Claude · Own'), 8000);
        check('removing the folder and the sign-in removes their cards',
            !oneAccount.includes('Claude · Work') && !oneAccount.includes('Claude · Own'));

        // --- API spend: OpenAI (key in the keyring, $15 budget) and Anthropic (key in the environment) ---
        await shellEval(`(() => { const s = ${settingsJs}; s.set_value('balances', new ${Variant}('a{s(dx)}',
            {anthropic: [20, ${Date.now()}]})); s.set_string('copilot-org', 'acme'); s.set_boolean('copilot-org-enabled', true);
            s.set_boolean('openai-enabled', true); s.set_boolean('anthropic-enabled', true); return true; })()`);
        const spend = await waitFor(menuTexts, t => t.includes('OpenAI API') && t.includes('Anthropic API') &&
            t.includes('Claude Code, 7 days') && t.includes('Active users'), 10000);
        info(`spend: ${JSON.stringify(spend.slice(spend.indexOf('OpenAI API')))}`);
        for (const text of ['OpenAI API', 'Monthly budget', '$11.75 / $15.00', 'Today', 'Last 7 days', 'Last 30 days',
            'Month to date', '$11.75', 'Last 30 days by model', 'gpt-4o-2024-08-06', '$8.50', 'o3', '$3.25',
            'Open OpenAI API usage page', 'Anthropic API', '$12.50', 'claude-sonnet-4-5-20250929', 'Balance', '$7.50',
            'Claude Code, 7 days', 'Lines added / removed', 'Copilot organisation · acme', 'Active users',
            '15 daily, 21 weekly, 25 monthly', 'Acceptance rate', '33%'])
            check(`spend card shows "${text}"`, spend.includes(text));
        check('the Copilot report files were downloaded without the GitHub token',
            server.requestsTo(COPILOT_ORG_REPORT)[0]?.headers['authorization'] === 'Bearer ghp_E2ECANARY_E2E_ORG_TOKEN_000000' &&
            server.requestsTo('copilot-reports.example.com/acme/report-1.ndjson').every(r => r.headers['authorization'] === undefined));
        check('the OpenAI card shows tokens and requests of 30 days',
            spend.includes('Last 30 days: 120k in, 30.0k out, 42 requests'));
        check('the Anthropic balance shows its runway',
            spend.some(t => /^\$1\.79 a day over 7 days: lasts 4 d \d+ h \(until .+\)$/.test(t)), JSON.stringify(spend));
        const budgetStyle = await shellEval(`(() => { const walk = a => { if (a.text === 'Monthly budget') return a;
            for (const c of a.get_children()) { const f = walk(c); if (f) return f; } return null; };
            return walk(${INDICATOR}.menu.box)?.get_parent().get_style_class_name() ?? ''; })()`) as string;
        check('the budget bar is in the warning state at 78% of $15', budgetStyle.includes('aum-warning'), budgetStyle);
        check('OpenAI costs were read to the last page with the keyring key',
            server.requestsTo(OPENAI_COSTS).map(r => r.query['page'] ?? 'first').join() === 'first,next' &&
            server.requestsTo(OPENAI_COSTS).every(r => r.headers['authorization'] === 'Bearer sk-admin-E2ECANARY-E2E-OPENAI'));
        check('Anthropic was asked with the key from the environment',
            server.requestsTo(ANTHROPIC_COSTS)[0]?.headers['x-api-key'] === ANTHROPIC_KEY);
        const budgetAlert = await shellEval(`Main.messageTray.getSources().filter(s => s.title === 'AI Usage Meter')
            .flatMap(s => s.notifications.map(n => n.title))`) as string[];
        check('the budget at the warning level notifies', budgetAlert.includes('OpenAI API monthly budget at 78%'),
            JSON.stringify(budgetAlert));
        // Providers publish one by one: the screenshot waits until the refresh has settled.
        await waitFor(menuTexts, t => t.includes('Refresh') && !t.includes('Refreshing…'), 10000);
        await scrollIntoView('OpenAI API');
        await menuScreenshot('menu-spend.png', 'the spend cards');
        const billed = server.requestsTo(OPENAI_COSTS).length;
        await shellEval(`${INDICATOR}.emit('refresh-requested'); true`);
        await waitFor(() => Promise.resolve(server.requestsTo(OPENAI_COSTS).length), n => n > billed, 5000);
        check('Refresh fetches the billing APIs at once', server.requestsTo(OPENAI_COSTS).length > billed);
        // An automatic refresh (here: after a settings change) leaves the billing APIs alone within the hour.
        // First let the manual refresh settle: the menu says "Refreshing…" while any provider's fetch runs.
        await waitFor(menuTexts, t => t.includes('Refresh') && !t.includes('Refreshing…'), 10000);
        const billedAfter = server.requestsTo(OPENAI_COSTS).length;
        const quotaRequests = server.requestsTo(USAGE).length;
        await shellEval(`${settingsJs}.set_value('account-dirs', new ${Variant}('a{sas}', {claude: []})); true`);
        const quotaAfter = await waitFor(() => Promise.resolve(server.requestsTo(USAGE).length), n => n > quotaRequests, 10000);
        check('a change of the account folders fetches the quotas again', quotaAfter > quotaRequests,
            `${quotaRequests} → ${quotaAfter}`);
        await waitFor(menuTexts, t => t.includes('Refresh') && !t.includes('Refreshing…'), 10000);
        check('an automatic refresh does not ask the billing APIs again within the hour',
            server.requestsTo(OPENAI_COSTS).length === billedAfter,
            `${billedAfter} → ${server.requestsTo(OPENAI_COSTS).map(r => r.query['page'] ?? 'first').join()}`);
        await shellEval(`(() => { const s = ${settingsJs}; ${INDICATOR}.menu.close(); s.reset('account-names');
            s.reset('account-dirs'); s.reset('openai-enabled'); s.reset('anthropic-enabled'); s.reset('copilot-org-enabled');
            return true; })()`);

        // --- preferences window ---
        await run(['gnome-extensions', 'prefs', UUID]);
        const prefs = await waitFor(() => tryEval(`global.get_window_actors().map(a => ({title: a.meta_window.get_title(),
            w: a.width, h: a.height, visible: a.visible}))`) as Promise<{title: string; w: number; h: number; visible: boolean}[] | undefined>,
        wins => (wins ?? []).some(w => w.title === 'AI Usage Meter' && w.w > 0 && w.visible), 20000);
        check('the preferences window opens', (prefs ?? []).some(w => w.title === 'AI Usage Meter'), JSON.stringify(prefs));
        await sleep(2500); // the window maps before it is drawn
        await screenshot('preferences.png', 'the preferences window');
        await shellEval(`global.get_window_actors().forEach(a => a.meta_window.get_title() === 'AI Usage Meter' &&
            a.meta_window.delete(global.get_current_time())); true`);

        // --- the worker's own counters, from the header line of its saved scan state ---
        const SCAN_STATE = `${HOME}/.cache/ai-usage-meter/local-scan-state`;
        const scanCounters = (): Promise<{fullScans: number; restores: number} | null> => {
            try {
                const [, bytes] = GLib.file_get_contents(SCAN_STATE);
                const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0x0a)))) as
                    {counters?: {fullScans: number; restores: number}};
                return Promise.resolve(header.counters ?? null);
            } catch {
                return Promise.resolve(null);
            }
        };
        const countersBefore = await scanCounters();
        check('the worker saved its scan state after its first scan', countersBefore !== null, SCAN_STATE);

        // --- disable: everything goes, nothing keeps running ---
        await shellCall('/org/gnome/Shell', 'org.gnome.Shell.Extensions', 'DisableExtension', new GLib.Variant('(s)', [UUID]));
        check('state is INACTIVE after disable', await waitFor(extensionState, s => s === 2, 5000) === 2);
        check('the indicator is gone from the panel', await shellEval(`'${UUID}' in Main.panel.statusArea`) === false);
        check('the notification source is gone after disable', await shellEval(
            "Main.messageTray.getSources().some(s => s.title === 'AI Usage Meter')") === false);
        check('the panel has as many items as before enable',
            await shellEval('Main.panel._rightBox.get_n_children()') === baselineChildren);
        const requestsWhenDisabled = server.requestsTo(USAGE).length;
        const lastWritten = await writeCredentials(FIXTURE_TOKEN);
        await sleep(3000);
        check('no file watcher or timer survives disable (no request after a credentials change)',
            server.requestsTo(USAGE).length === requestsWhenDisabled);
        check('the scanner worker ended with disable', processesWith(WORKER).length === 0, processesWith(WORKER).join('\n'));

        // --- enable again ---
        await shellCall('/org/gnome/Shell', 'org.gnome.Shell.Extensions', 'EnableExtension', new GLib.Variant('(s)', [UUID]));
        check('state is ACTIVE after enabling again', await waitFor(extensionState, s => s === 1, 5000) === 1);
        const again = await waitFor(panelLabel, l => l?.text === WITHOUT_CODEX_LABEL, 15000);
        check('the label is back after enabling again', again?.text === WITHOUT_CODEX_LABEL, JSON.stringify(again));
        check('the extension reports no error', await shellEval(`Main.extensionManager.lookup('${UUID}').error`) === '');

        // --- local costs at once after disable/enable, without a full rescan ---
        const localAgain = await waitFor(menuTexts, t => t.includes('Claude Code') && t.includes('gpt-5-codex'), 5000);
        check('local costs are back right after enabling again', localAgain.includes('Claude Code') && localAgain.includes('gpt-5-codex'));
        const countersAfter = await waitFor(scanCounters, c => c !== null && c.restores === (countersBefore?.restores ?? 0) + 1, 5000);
        check('the new worker continued from its saved state (restores + 1)',
            countersAfter?.restores === (countersBefore?.restores ?? 0) + 1, JSON.stringify({countersBefore, countersAfter}));
        check('no full rescan after disable/enable (fullScans unchanged)',
            countersAfter?.fullScans === countersBefore?.fullScans, JSON.stringify({countersBefore, countersAfter}));
        check('one scanner worker runs again', processesWith(WORKER).length === 1, processesWith(WORKER).join('\n'));

        // --- credentials are read only ---
        const [, now] = GLib.file_get_contents(CREDENTIALS);
        check('the credentials file is byte for byte what its owner (here: the test) last wrote',
            new TextDecoder().decode(now) === lastWritten);
        check('the Gemini CLI\'s credentials file was never written', readText(GEMINI_CREDENTIALS) === geminiCredentials);

        // --- the command line (~/.local/bin/ai-usage-meter runs the copy in the extension folder),
        //     on the same settings and keyring ---
        const cliLauncher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_PIPE});
        cliLauncher.setenv('AI_USAGE_METER_TEST_ENDPOINT', server.baseUrl, true);
        cliLauncher.setenv('GEMINI_OAUTH_CLIENT_ID', 'e2e-client.apps.googleusercontent.com', true);
        cliLauncher.setenv('GEMINI_OAUTH_CLIENT_SECRET', 'E2ECANARY-GEMINI-CLIENT-SECRET', true);
        const status = cliLauncher.spawnv([CLI, 'status']);
        const [statusOut] = await status.communicate_utf8_async(null, null);
        info(`cli status: ${statusOut.trim().slice(0, 120)}`);
        check('the installed CLI prints the panel text as a Waybar line, from the same settings and keyring',
            (JSON.parse(statusOut.trim() || '{}') as {text?: string}).text === WITHOUT_CODEX_LABEL);
        const doctor = cliLauncher.spawnv([CLI, 'doctor']);
        const [doctorOut] = await doctor.communicate_utf8_async(null, null);
        check('the installed CLI\'s doctor finds the keyring token and never prints it',
            /ok +copilot octocat +token in the keyring/.test(doctorOut) && !doctorOut.includes('gho_E2ECANARY'),
            doctorOut);
        check('doctor finds the Antigravity language server and never prints its token',
            /ok +antigravity \d+ +language server at http:\/\/127\.0\.0\.1:\d+/.test(doctorOut) &&
            !doctorOut.includes(ANTIGRAVITY_TOKEN), doctorOut);

        // --- the Claude Code statusline feeds the Claude card: no usage request ---
        // A new token first: the one the 429 above paused is still paused, and the API's own
        // limits must be there to be filled in beside the statusline's.
        const STATUSLINE_TOKEN = 'sk-ant-oat01-E2ECANARY-STATUSLINE-e2e';
        await writeCredentials(STATUSLINE_TOKEN);
        await waitFor(() => Promise.resolve(server.requestsTo(USAGE).some(r => r.headers['authorization'] === `Bearer ${STATUSLINE_TOKEN}`)),
            asked => asked, 8000);
        await sleep(1000); // the refresh it started publishes
        const statuslineRecord = `${GLib.get_user_cache_dir()}/ai-usage-meter/statusline/default.json`;
        const usageBeforeStatusline = server.requestsTo(USAGE).length;
        const statuslineRun = Gio.Subprocess.new([CLI, 'statusline'], Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const [statuslineOut] = await statuslineRun.communicate_utf8_async(fixtureText('claude/real-world/statusline-full.json'), null);
        check('the installed statusline command prints its compact line', statuslineOut.trim() === '5h 24% · 7d 41%', statuslineOut);
        check('the statusline command recorded the limits, readable by the user only', (Gio.File.new_for_path(statuslineRecord)
            .query_info('unix::mode', Gio.FileQueryInfoFlags.NONE, null).get_attribute_uint32('unix::mode') & 0o777) === 0o600);
        const fed = await waitFor(menuTexts, t => t.some(line => line.startsWith('from the statusline, ')), 5000);
        info(`statusline-fed menu: ${JSON.stringify(fed)}`);
        check('a statusline-fed Claude card shows 24% from the statusline', fed.includes('24%') &&
            fed.some(t => t.startsWith('from the statusline, ')), JSON.stringify(fed));
        check('the other Claude limits say they are from the usage API', fed.some(t => t.startsWith('from the usage API, ')));
        check('the statusline-fed Claude card made no usage request', server.requestsTo(USAGE).length === usageBeforeStatusline,
            `${usageBeforeStatusline} → ${server.requestsTo(USAGE).length}`);
        const fedLabel = await panelLabel();
        check('the panel reads the statusline numbers', (fedLabel?.text ?? '').startsWith("Claude 41% · "), JSON.stringify(fedLabel));
        await shellEval(`${INDICATOR}.menu.close(); true`);
        GLib.unlink(statuslineRecord);
        const resumed = await waitFor(() => Promise.resolve(server.requestsTo(USAGE).length), n => n > usageBeforeStatusline, 8000);
        check('without a recording the usage endpoint is asked again', resumed > usageBeforeStatusline);

        // --- hardening: enable/disable cycles, the lock screen, a network drop, clock jumps, memory ---
        // --- hardening: enable/disable cycles, the lock screen, a network drop, clock jumps, memory ---
        if (LIFECYCLE) {
            await enableDisableCycles(harness, CYCLES, WITHOUT_CODEX_LABEL);
            await interruptions(harness, WITHOUT_CODEX_LABEL);
        }
        if (LONG_RUN)
            await refreshMemory(harness, 100, WARMUP, REFRESHES, MENU_OPENS);
        await canaryInCli(harness, CLI, {AI_USAGE_METER_TEST_ENDPOINT: server.baseUrl,
            GEMINI_OAUTH_CLIENT_ID: 'e2e-client.apps.googleusercontent.com', GEMINI_OAUTH_CLIENT_SECRET: 'E2ECANARY-GEMINI-CLIENT-SECRET'});

        // --- at shutdown the Shell destroys the panel, and our button with it, without disable():
        //     a refresh that completes afterwards must not touch the dead widgets (checked in the log) ---
        await shellEval(`${INDICATOR}.destroy(); true`);
        const requestsBeforeShutdown = server.requestsTo(USAGE).length;
        await writeCredentials(ROTATED_TOKEN);
        check('a refresh still completes after the Shell destroyed the button',
            await waitFor(() => Promise.resolve(server.requestsTo(USAGE).length),
                n => n > requestsBeforeShutdown, 5000) > requestsBeforeShutdown);
        await sleep(500);
    } finally {
        shell.send_signal(15);
        antigravity.send_signal(15);
        await shell.wait_check_async(null).catch(() => undefined);
        server.destroy();
    }

    const [, logBytes] = GLib.file_get_contents(`${OUT}/shell.log`);
    const problems = new TextDecoder().decode(logBytes).split('\n')
        .filter(line => /JS ERROR|JS WARNING|Gjs-CRITICAL|ai-usage-meter/.test(line));
    check('the shell log has no errors from the extension', problems.length === 0, problems.slice(0, 10).join('\n'));
    check('the Antigravity CSRF token is never logged', !readText(`${OUT}/shell.log`).includes(ANTIGRAVITY_TOKEN));

    // --- secrets: no canary anywhere the extension or the CLI write, and the CLIs' files untouched ---
    await canaryEverywhere({check, info, shellLog: `${OUT}/shell.log`}, {home: HOME, out: OUT, credentialFiles: CREDENTIAL_FILES, texts: shownTexts});
    for (const [path, expected] of expectedCredentials) {
        check(`${path.replace(HOME, '~')} is byte for byte what its owner last wrote (sha256)`, sha256(path) === expected,
            `${expected ?? 'absent'} → ${sha256(path) ?? 'absent'}`);
    }
}

const loop = new GLib.MainLoop(null, false);
main().catch((error: unknown) => {
    failed++;
    print(`FAIL: driver crashed: ${String(error)}\n${error instanceof Error ? error.stack ?? '' : ''}`);
}).finally(() => loop.quit());
loop.run();
print(`e2e: ${passed} passed, ${failed} failed`);
System.exit(failed === 0 && passed > 0 ? 0 : 1);
