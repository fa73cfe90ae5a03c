// Benchmark driver (run by `npm run bench`, not by the test suite): how long does GNOME Shell's
// main loop stall while the extension scans a large log corpus? A 1 ms timer inside the Shell
// records the longest gap between its runs: first on the idle Shell, then while the extension
// starts and its worker scans the corpus cold, then during refreshes after appends.
// Results go to out/stall.json. Needs E2E_CORPUS (a folder holding projects/).

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

import {run, shellEval, sleep, tryEval} from './shellBus.js';


const UUID = GLib.getenv('UUID') ?? '';
const OUT = `${GLib.getenv('E2E') ?? '/e2e'}/out`;
const CORPUS = GLib.getenv('E2E_CORPUS') ?? '';
const EXTRA = `${GLib.get_home_dir()}/extra-claude`;
const INDICATOR = `Main.panel.statusArea['${UUID}']`;

// The probe lives in the Shell: a 1 ms timer that keeps the longest gap between two runs.
const INSTALL_PROBE = `(() => { const GLib = imports.gi.GLib; const p = globalThis.__aumProbe ??= {max: 0, over8: 0, runs: 0, big: [], t0: GLib.get_monotonic_time()};
    let last = GLib.get_monotonic_time();
    p.id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => { const now = GLib.get_monotonic_time();
        const gap = (now - last) / 1000; last = now; p.runs++; if (gap > p.max) p.max = gap; if (gap > 8) { p.over8++; p.big.push([Math.round((now - p.t0) / 1000), Math.round(gap)]); }
        return GLib.SOURCE_CONTINUE; }); return true; })()`;
const TAKE_PROBE = `(() => { const p = globalThis.__aumProbe; const r = {max: p.max, over8: p.over8, runs: p.runs, big: p.big};
    p.max = 0; p.over8 = 0; p.runs = 0; p.big = []; p.t0 = imports.gi.GLib.get_monotonic_time(); return r; })()`;

interface Probe {
    max: number;
    over8: number;
    runs: number;
}

async function main(): Promise<number> {
    const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDERR_MERGE});
    launcher.setenv('AI_USAGE_METER_TEST_ENDPOINT', 'http://127.0.0.1:9', true); // no network for the quota providers
    launcher.setenv('CLAUDE_CONFIG_DIR', `${CORPUS},${EXTRA}`, true);
    launcher.set_stdout_file_path(`${OUT}/shell.log`);
    GLib.mkdir_with_parents(`${EXTRA}/projects/appended`, 0o700);
    const appended = `${EXTRA}/projects/appended/session.jsonl`;
    GLib.file_set_contents(appended, '');
    const shell = launcher.spawnv(['gnome-shell', '--headless', '--wayland', '--no-x11', '--virtual-monitor', '1280x800']);
    try {
        for (let i = 0; i < 600 && await tryEval('!Main.layoutManager._startingUp') !== true; i++)
            await sleep(100);
        await shellEval(INSTALL_PROBE);
        await sleep(5000);
        const idle = await shellEval(TAKE_PROBE) as Probe;

        // What one repaint of a changed panel label costs here (software rendering), with no
        // extension involved: the floor for any refresh that changes what the panel shows.
        for (let round = 0; round < 5; round++) {
            await shellEval(`Main.panel.statusArea.dateMenu._clockDisplay.text = 'probe ${round}'; true`);
            await sleep(1000);
        }
        const repaint = await shellEval(TAKE_PROBE) as Probe;

        // The same first scan run by a separate process with the extension still off: what reading
        // the corpus does to the Shell on this machine without anything of ours in the Shell.
        const outsideLauncher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_SILENCE | Gio.SubprocessFlags.STDERR_SILENCE});
        outsideLauncher.setenv('CLAUDE_CONFIG_DIR', CORPUS, true);
        outsideLauncher.setenv('XDG_DATA_HOME', GLib.dir_make_tmp('outside-XXXXXX'), true); // its own history file
        const outsideStarted = GLib.get_monotonic_time();
        await outsideLauncher.spawnv(['nice', '-n', '10', 'gjs', '-m',
            `${GLib.get_home_dir()}/.local/share/gnome-shell/extensions/${UUID}/cli/main.js`, 'scan']).wait_check_async(null);
        const outsideSeconds = (GLib.get_monotonic_time() - outsideStarted) / 1e6;
        const outsideScan = await shellEval(TAKE_PROBE) as Probe;

        // Enabling the extension (panel button, providers failing fast on a closed port) with
        // local logs off, to tell its cost apart from the scan's.
        const schemas = GLib.dir_make_tmp('schemas-XXXXXX');
        await run(['glib-compile-schemas', `--targetdir=${schemas}`,
            `${GLib.get_home_dir()}/.local/share/gnome-shell/extensions/${UUID}/schemas`]);
        const setLocal = (on: boolean): Promise<void> => run(['gsettings', '--schemadir', schemas, 'set',
            'org.gnome.shell.extensions.ai-usage-meter', 'local-usage-enabled', String(on)]);
        await setLocal(false);
        await run(['gnome-extensions', 'enable', UUID]);
        await sleep(4000);
        const enable = await shellEval(TAKE_PROBE) as Probe;

        const started = GLib.get_monotonic_time();
        await setLocal(true);
        // The worker keeps its daily history once the first scan is done.
        const history = `${GLib.get_home_dir()}/.local/share/ai-usage-meter/local-usage-history.json`;
        while (!GLib.file_test(history, GLib.FileTest.EXISTS) && GLib.get_monotonic_time() - started < 120e6)
            await sleep(50);
        const coldSeconds = (GLib.get_monotonic_time() - started) / 1e6;
        await sleep(1000);
        const cold = await shellEval(TAKE_PROBE) as Probe;

        for (let round = 0; round < 5; round++) {
            await shellEval(`${INDICATOR}.emit('refresh-requested'); true`);
            await sleep(1500);
        }
        const refreshNothingNew = await shellEval(TAKE_PROBE) as Probe;

        // Refreshes after 1 MB appends, as a working session produces them.
        const line = (i: number): string => JSON.stringify({parentUuid: 'p', isSidechain: false, sessionId: 'appended',
            message: {model: 'claude-opus-4-6', id: `msg_app_${i}`, content: [{type: 'text', text: 'x'.repeat(2000)}],
                usage: {input_tokens: 3, output_tokens: 100, cache_read_input_tokens: 1000}},
            requestId: `req_app_${i}`, type: 'assistant', timestamp: new Date().toISOString()});
        let n = 0;
        for (let round = 0; round < 5; round++) {
            const chunk: string[] = [];
            for (let size = 0; size < 1_000_000; size += 2300)
                chunk.push(line(n++));
            const stream = Gio.File.new_for_path(appended).append_to(Gio.FileCreateFlags.NONE, null);
            stream.write_all(new TextEncoder().encode(`${chunk.join('\n')}\n`), null);
            stream.close(null);
            await sleep(300);
            await shellEval(`${INDICATOR}.emit('refresh-requested'); true`);
            await sleep(1500);
        }
        const refresh = await shellEval(TAKE_PROBE) as Probe;
        const result = {idle, repaint, outsideScan, outsideSeconds, enable, cold, coldSeconds, refreshNothingNew, refresh, corpus: CORPUS};
        GLib.file_set_contents(`${OUT}/stall.json`, JSON.stringify(result));
        print(`INFO: stall probe ${JSON.stringify(result)}`);
        print('e2e: 1 passed, 0 failed');
        return 0;
    } finally {
        shell.force_exit();
    }
}

const loop = new GLib.MainLoop(null, false);
let code = 1;
main().then(c => {
    code = c;
}).catch((error: unknown) => {
    print(`FAIL: stall probe: ${String(error)}`);
}).finally(() => loop.quit());
loop.run();
System.exit(code);
