// The end-to-end hardening checks, run by the driver in the same headless Shell after the
// feature checks: many enable/disable cycles with refreshes in flight, hundreds of refreshes
// against the Shell's memory, the lock screen, a network drop and wall-clock jumps, and at the
// end the canary search for leaked secrets. What the extension leaves behind is read from the
// resource probe (shellProbe.ts) the unsafe-mode test extension installs in the Shell, from
// /proc and from the actor tree.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import type {FixtureServer} from '../support/fixtureServer.js';
import {CANARY} from './canary.js';
import type {ProbeReport} from './shellProbe.js';
import {shellCall, shellEval, sleep} from './shellBus.js';

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

/** What the driver hands over: its check and wait helpers, the fixture server, the Shell's pid. */
export interface Harness {
    uuid: string;
    server: FixtureServer;
    shellPid: string;
    /** A command-line fragment that only the extension's local-log worker has. */
    worker: string;
    shellLog: string;
    check(name: string, ok: boolean, detail?: string): boolean;
    info(text: string): void;
    processesWith(needle: string): string[];
    panelLabel(): Promise<{text: string; style: string} | null>;
    menuTexts(): Promise<string[]>;
    /** Holds the quota endpoints' answers back this long, to keep requests in flight (0: answer at once). */
    delayQuotas(ms: number): void;
}

const indicator = (h: Harness): string => `Main.panel.statusArea['${h.uuid}']`;
const settingsJs = (h: Harness): string => `Main.extensionManager.lookup('${h.uuid}').stateObj.getSettings()`;

/** Polls `probe` every `stepMs` until `accept` says yes or the time is up; returns the last value. */
async function until<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs: number,
    stepMs = 25): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await probe();
    while (!accept(value) && Date.now() < deadline) {
        await sleep(stepMs);
        value = await probe();
    }
    return value;
}

async function state(h: Harness): Promise<number> {
    const [info] = await shellCall('/org/gnome/Shell', 'org.gnome.Shell.Extensions', 'GetExtensionInfo',
        new GLib.Variant('(s)', [h.uuid])) as [Record<string, unknown>];
    return Number(info['state'] ?? -1);
}

async function setEnabled(h: Harness, enabled: boolean): Promise<boolean> {
    await shellCall('/org/gnome/Shell', 'org.gnome.Shell.Extensions', enabled ? 'EnableExtension' : 'DisableExtension',
        new GLib.Variant('(s)', [h.uuid]));
    const wanted = enabled ? 1 : 2;
    return await until(() => state(h), s => s === wanted, 10000) === wanted;
}

const report = async (): Promise<ProbeReport> => await shellEval('aumE2EProbe.report()') as ProbeReport;

function readText(path: string): string | null {
    try {
        return new TextDecoder().decode(GLib.file_get_contents(path)[1]);
    } catch {
        return null;
    }
}

/** Pids that still run (GSubprocess reaps its children, so an ended one is gone from /proc). */
const running = (pids: readonly string[]): string[] =>
    pids.filter(pid => pid !== '' && GLib.file_test(`/proc/${pid}`, GLib.FileTest.EXISTS));

/** The Shell's child processes, as "pid command". */
/**
 * The Shell's child processes but its own image decoders (glycin-*, GNOME 50+), which come and
 * go as icons are drawn.
 */
function shellChildren(shellPid: string): string[] {
    const children: string[] = [];
    const dir = Gio.File.new_for_path('/proc').enumerate_children('standard::name', Gio.FileQueryInfoFlags.NONE, null);
    for (let info = dir.next_file(null); info !== null; info = dir.next_file(null)) {
        const pid = info.get_name();
        const stat = /^\d+$/.test(pid) ? readText(`/proc/${pid}/stat`) : null;
        // pid (comm) state ppid …; comm may hold spaces and parentheses
        const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
        const name = stat?.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) ?? '';
        if (fields?.[1] === shellPid && !name.startsWith('glycin-'))
            children.push(`${pid} ${name}`);
    }
    return children;
}

/** The Shell's JS heap after a collection: GC-thing bytes and the malloc bytes they hold, in kB. */
async function jsHeap(): Promise<{gc: number; malloc: number}> {
    const path = `${GLib.get_tmp_dir()}/aum-e2e-memory-info.txt`;
    await shellEval(`imports.system.dumpMemoryInfo('${path}'); true`);
    const text = readText(path) ?? '';
    GLib.unlink(path);
    const kb = (field: string): number => Math.round(Number(new RegExp(`"${field}": (\\d+)`).exec(text)?.[1] ?? NaN) / 1024);
    return {gc: kb('gcBytes'), malloc: kb('mallocBytes')};
}

/** Resident kB by mapping (its file, [heap], or the start of an anonymous one), from /proc/PID/smaps. */
function residentByMapping(pid: string): Map<string, number> {
    const byMapping = new Map<string, number>();
    let mapping = '';
    for (const line of (readText(`/proc/${pid}/smaps`) ?? '').split('\n')) {
        const head = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
        if (head !== null) {
            mapping = head[2] !== '' ? head[2] ?? '' : `anon ${head[1]}`;
            continue;
        }
        const rss = /^Rss:\s+(\d+) kB/.exec(line);
        if (rss !== null)
            byMapping.set(mapping, (byMapping.get(mapping) ?? 0) + Number(rss[1]));
    }
    return byMapping;
}

/** The mappings whose resident size changed most from `before` to `after`, as "name +kB". */
function grownMappings(before: Map<string, number>, after: Map<string, number>): string {
    return [...new Set([...before.keys(), ...after.keys()])]
        .map(name => [name, (after.get(name) ?? 0) - (before.get(name) ?? 0)] as const)
        .filter(([, delta]) => delta !== 0).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 10)
        .map(([name, delta]) => `${name.replace(/^.*\//, '')} ${delta > 0 ? '+' : ''}${delta}`).join(', ');
}

/** VmRSS and RssAnon of a process, in kB. */
function memory(pid: string): {rss: number; anon: number} {
    const status = readText(`/proc/${pid}/status`) ?? '';
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return {rss: kb('VmRSS'), anon: kb('RssAnon')};
}

const ACTORS_JS = `(() => { const count = root => { let n = 1; for (const c of root.get_children()) n += count(c); return n; };
    return {uiGroup: count(Main.uiGroup), panel: count(Main.panel), stage: count(global.stage)}; })()`;
const actors = async (): Promise<Record<string, number>> => await shellEval(ACTORS_JS) as Record<string, number>;

/**
 * The actor counts once they have stayed the same for two seconds (at most 20 s): what the Shell
 * shows for a moment (a closing menu's or a notification's animation) must not become the baseline.
 */
async function settledActors(): Promise<Record<string, number>> {
    let last = JSON.stringify(await actors());
    let sameSince = Date.now();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && Date.now() - sameSince < 2000;) {
        await sleep(250);
        const now = JSON.stringify(await actors());
        if (now !== last) {
            last = now;
            sameSince = Date.now();
        }
    }
    return JSON.parse(last) as Record<string, number>;
}

/** Lines of the Shell log from `from` (a character offset) that report an error or our extension. */
function logProblems(h: Harness, from: number): string[] {
    return (readText(h.shellLog) ?? '').slice(from).split('\n')
        .filter(line => /JS ERROR|JS WARNING|Gjs-CRITICAL|Gjs-WARNING|ai-usage-meter/.test(line));
}
const logLength = (h: Harness): number => (readText(h.shellLog) ?? '').length;

const liveCount = (r: ProbeReport): number => r.sources.length + r.timers.length + r.handlers.length +
    r.cancellableHandlers.length + r.requestsInFlight + r.sessionsNotAborted + running(r.pids).length;

/**
 * With the extension disabled: nothing it created is alive any more. Waits a moment for what
 * a cancellation settles asynchronously (a cancelled request completes on the next loop turn).
 */
async function checkNothingLeft(h: Harness, when: string): Promise<ProbeReport> {
    const r = await until(report, value => liveCount(value) === 0 && h.processesWith(h.worker).length === 0, 8000, 200);
    const list = (items: readonly string[]): string => items.slice(0, 8).join('; ');
    h.check(`${when}: no GLib source of the extension is left`, r.sources.length === 0, list(r.sources));
    h.check(`${when}: no JS timer of the extension is left`, r.timers.length === 0, list(r.timers));
    h.check(`${when}: no signal handler of the extension is left connected`, r.handlers.length === 0, list(r.handlers));
    h.check(`${when}: no Gio.Cancellable handler of the extension is left`, r.cancellableHandlers.length === 0,
        list(r.cancellableHandlers));
    h.check(`${when}: no Soup request of the extension is in flight`, r.requestsInFlight === 0, String(r.requestsInFlight));
    h.check(`${when}: every Soup session the extension used was aborted`, r.sessionsNotAborted === 0,
        String(r.sessionsNotAborted));
    h.check(`${when}: no subprocess the extension started still runs`, running(r.pids).length === 0,
        running(r.pids).map(pid => readText(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ') ?? pid).join('; '));
    h.check(`${when}: no local-log worker runs (ps)`, h.processesWith(h.worker).length === 0, h.processesWith(h.worker).join('; '));
    return r;
}

/**
 * enable/disable `cycles` times while the providers refresh: the quota endpoints answer at
 * once, after 0.2 s or after 0.6 s, and the extension is disabled right after enable, as soon as
 * its first request arrived, after 0.3 s, or once the label shows data — so disable() meets
 * cache reads, requests, token refreshes and the worker's start at every stage.
 */
export async function enableDisableCycles(h: Harness, cycles: number, expectedLabel: string): Promise<void> {
    const started = Date.now();
    // From here on the probe records what the extension creates (before, its stack walks would
    // only slow the feature checks down).
    h.check('the resource probe runs in the Shell', await shellEval(`aumE2EProbe.start('${h.uuid}')`) === true);
    h.check('disable before the cycles', await setEnabled(h, false));
    await sleep(1000);
    const baseline = {actors: await settledActors(), children: shellChildren(h.shellPid), log: logLength(h)};
    h.info(`before the cycles: actors ${JSON.stringify(baseline.actors)}, Shell children ${JSON.stringify(baseline.children)}`);
    await checkNothingLeft(h, 'after a disable');
    const createdBefore = (await report()).created;
    let enabledOk = 0;
    let disabledOk = 0;
    const requestsBefore = h.server.requests.length;
    for (let i = 0; i < cycles; i++) {
        h.delayQuotas([0, 200, 600][i % 3] ?? 0);
        const before = h.server.requests.length;
        if (await setEnabled(h, true))
            enabledOk++;
        switch (i % 4) {
        case 1:
            await until(() => h.server.requests.length, n => n > before, 3000);
            break;
        case 2:
            await sleep(300);
            break;
        case 3:
            await until(() => h.panelLabel(), l => (l?.text ?? '').includes('%'), 5000, 50);
            break;
        default:
            break;
        }
        if (await setEnabled(h, false))
            disabledOk++;
    }
    h.delayQuotas(0);
    const seconds = (Date.now() - started) / 1000;
    h.check(`${cycles} enables reached ACTIVE`, enabledOk === cycles, `${enabledOk} of ${cycles}`);
    h.check(`${cycles} disables reached INACTIVE`, disabledOk === cycles, `${disabledOk} of ${cycles}`);
    h.check('the extension reports no error after the cycles',
        await shellEval(`Main.extensionManager.lookup('${h.uuid}').error`) === '');
    const after = await checkNothingLeft(h, `after ${cycles} enable/disable cycles`);
    const created = Object.fromEntries(Object.entries(after.created).map(([k, v]) => [k, v - (createdBefore[k] ?? 0)]));
    h.info(`${cycles} cycles in ${seconds.toFixed(1)} s, ${h.server.requests.length - requestsBefore} requests; ` +
        `created and released during them: ${JSON.stringify(created)}`);
    // No more than before: fewer is the Shell's own UI that has finished going meanwhile (a
    // notification leaving the message list made the baseline 11 actors higher on loaded runs).
    const noMore = (a: Record<string, number>): boolean =>
        Object.entries(baseline.actors).every(([group, count]) => (a[group] ?? 0) <= count);
    const actorsAfter = await until(actors, noMore, 8000, 250);
    h.check(`after ${cycles} cycles the Shell has no more actors than before (uiGroup, panel, stage)`,
        noMore(actorsAfter),
        `${JSON.stringify(baseline.actors)} → ${JSON.stringify(actorsAfter)}`);
    const childrenAfter = shellChildren(h.shellPid);
    h.check(`after ${cycles} cycles the Shell has the same child processes as before`,
        childrenAfter.join() === baseline.children.join(), `${baseline.children.join()} → ${childrenAfter.join()}`);
    const settled = h.server.requests.length;
    await sleep(2000);
    h.check('no request reaches the server once the last disable has settled', h.server.requests.length === settled,
        `${settled} → ${h.server.requests.length}`);
    const problems = logProblems(h, baseline.log);
    h.check(`the Shell log has no error or warning from the ${cycles} cycles`, problems.length === 0, problems.slice(0, 8).join('\n'));

    h.check('enabled again after the cycles', await setEnabled(h, true));
    const label = await until(() => h.panelLabel(), l => l?.text === expectedLabel, 15000, 200);
    h.check('the label is back after the cycles', label?.text === expectedLabel, JSON.stringify(label));
}

/** The refresh item's text: "Refreshing…" while any provider runs. */
let evalCount = 0;
const refreshText = async (h: Harness): Promise<string> => {
    evalCount++;
    return await shellEval(`${indicator(h)}._refreshItem.label.text`) as string;
};

/**
 * One manual refresh, as the menu's Refresh item asks for it; resolves when every provider has
 * settled, polled every `stepMs` (each poll is an Eval, which costs the Shell memory of its own).
 */
async function refreshOnce(h: Harness, trace = false, stepMs = 15): Promise<boolean> {
    const before = h.server.requests.length;
    const started = Date.now();
    await shellEval(`${indicator(h)}.emit('refresh-requested'); true`);
    let seen = false;
    const text = await until(async () => {
        const value = await refreshText(h);
        seen ||= h.server.requests.length > before;
        return seen ? value : '';
    }, value => value === 'Refresh', 15000, stepMs);
    if (trace) {
        h.info(`a refresh took ${Date.now() - started} ms: ${h.server.requests.slice(before).map(r => r.path.split('/')[1] ?? '').join(' ')}`);
    }
    return text === 'Refresh';
}

/** How often a measured refresh is polled: a refresh takes 80–200 ms here, so one or two Evals. */
const MEASURED_POLL_MS = 100;

/** How often the memory check samples the Shell's RSS after GC, in refreshes. */
const SAMPLE_EVERY = 25;
/**
 * The growth the check bounds is per this many refreshes: the slope fitted over all the
 * measured ones (one sample moves by ±1 MB as GC chunks and malloc arenas come and go, so a
 * fit over 500 refreshes alone is ±0.9 MB; over 1,000 sampled every 25 it is ±0.25 MB).
 */
const GROWTH_PER = 500;

async function collectGarbage(): Promise<void> {
    for (let i = 0; i < 3; i++) {
        await shellEval('imports.system.gc(); true');
        await sleep(300);
    }
}

/** Sums how often the extension's refresh schedule (its timers in usageService.js) fired. */
const scheduleFired = (r: ProbeReport): number => Object.entries(r.fired)
    .filter(([site]) => site.includes('usageService.js')).reduce((sum, [, n]) => sum + n, 0);

/** The sites (probe records) held more often in `after` than in `before`, as "site +n". */
function grownSites(before: readonly string[], after: readonly string[]): string {
    const counted = (sites: readonly string[]): Map<string, number> =>
        sites.reduce((map, site) => map.set(site, (map.get(site) ?? 0) + 1), new Map<string, number>());
    const was = counted(before);
    return [...counted(after)].filter(([site, n]) => n > (was.get(site) ?? 0))
        .map(([site, n]) => `${site} +${n - (was.get(site) ?? 0)}`).slice(0, 6).join('; ');
}

/** The least-squares slope through `points` ([x, y]) times `span`: the trend, not the noise. */
function fittedGrowth(points: readonly (readonly [number, number])[], span: number): number {
    const n = points.length;
    const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
    const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
    let covariance = 0;
    let variance = 0;
    for (const [x, y] of points) {
        covariance += (x - meanX) * (y - meanY);
        variance += (x - meanX) ** 2;
    }
    return variance === 0 ? 0 : covariance / variance * span;
}

/**
 * Manual refreshes (menu closed, as most refreshes happen). First `tracked` of them with the
 * probe recording: the extension must hold as many sources, handlers, requests and processes
 * after them as before. Then the probe is removed (its records and wrappers would be measured
 * too) and, after `warmup` refreshes, `cycles` more: the Shell's RSS after a garbage collection,
 * taken every SAMPLE_EVERY refreshes, may grow by less than 1 MB per GROWTH_PER refreshes (the
 * fitted trend). The warm-up is long because the
 * Shell's malloc arenas for GIO's worker threads grow for the first few hundred refreshes
 * (+3–4 MB on GNOME Shell 51) and then stay flat (2,000 refreshes: +1 MB from the 300th on).
 * Then the menu is opened `opens` times (each opening builds every card), measured the same way
 * (reported, not checked).
 */
export async function refreshMemory(h: Harness, tracked: number, warmup: number, cycles: number, opens: number): Promise<void> {
    await shellEval(`${indicator(h)}.menu.close(); true`);
    for (let i = 0; i < 5; i++)
        await refreshOnce(h, i < 2);
    const counts = (r: ProbeReport): string => JSON.stringify({sources: r.sources.length, timers: r.timers.length,
        handlers: r.handlers.length, cancellable: r.cancellableHandlers.length, inFlight: r.requestsInFlight,
        processes: running(r.pids).length});
    // Collected first: a finished request's objects (and their handlers) live until a collection
    // after GJS has processed their toggle references, which takes a main-loop turn or two.
    await collectGarbage();
    const liveBefore = await report();
    for (let i = 0; i < tracked; i++)
        await refreshOnce(h);
    await collectGarbage();
    const liveAfter = await report();
    h.check(`${tracked} refreshes: the extension holds as many sources, handlers, requests and processes as before`,
        counts(liveAfter) === counts(liveBefore), `${counts(liveBefore)} → ${counts(liveAfter)}; more of: ` +
        grownSites([...liveBefore.handlers, ...liveBefore.sources], [...liveAfter.handlers, ...liveAfter.sources]));

    await shellEval('aumE2EProbe.destroy(); true');
    const warmupStarted = Date.now();
    for (let i = 0; i < warmup; i++)
        await refreshOnce(h, false, MEASURED_POLL_MS);
    h.info(`${warmup} warm-up refreshes in ${((Date.now() - warmupStarted) / 1000).toFixed(1)} s`);
    await collectGarbage();
    const before = memory(h.shellPid);
    const heapBefore = await jsHeap();
    const mappingsBefore = residentByMapping(h.shellPid);
    const started = Date.now();
    let settled = 0;
    let evals = 0;
    /** [refreshes done, kB over `before`] after each collection. */
    const samples: [number, number][] = [[0, 0]];
    const series: string[] = [];
    for (let i = 0; i < cycles; i++) {
        const evalsBefore = evalCount;
        if (await refreshOnce(h, false, MEASURED_POLL_MS))
            settled++;
        evals += evalCount - evalsBefore;
        if ((i + 1) % SAMPLE_EVERY === 0 || i + 1 === cycles) {
            await collectGarbage();
            const heap = await jsHeap();
            const grown = memory(h.shellPid).rss - before.rss;
            samples.push([i + 1, grown]);
            series.push(`${grown} (JS ${heap.gc - heapBefore.gc}+${heap.malloc - heapBefore.malloc})`);
        }
    }
    const seconds = (Date.now() - started) / 1000;
    const after = memory(h.shellPid);
    const growth = Math.round(fittedGrowth(samples, GROWTH_PER));
    h.info(`${cycles} refreshes in ${seconds.toFixed(1)} s (${(seconds * 1000 / cycles).toFixed(0)} ms each); gnome-shell ` +
        `VmRSS ${before.rss} → ${after.rss} kB (${after.rss - before.rss >= 0 ? '+' : ''}${after.rss - before.rss} kB), ` +
        `RssAnon ${before.anon} → ${after.anon} kB (${after.anon - before.anon} kB); after GC every ${SAMPLE_EVERY}: ${series.join(', ')} kB; ` +
        `fitted growth ${growth} kB per ${GROWTH_PER} refreshes`);
    h.info(`resident memory that changed most, by mapping (kB): ${grownMappings(mappingsBefore, residentByMapping(h.shellPid))}`);
    h.check(`${cycles} refreshes all settled`, settled === cycles, `${settled} of ${cycles}`);
    h.check(`${cycles} refreshes after ${warmup} to warm up: gnome-shell's RSS after GC grew by less than 1 MB per ${GROWTH_PER} ` +
        `(the trend fitted over a sample every ${SAMPLE_EVERY})`, growth < 1024, `${growth} kB; samples ${samples.map(([, kB]) => kB).join(', ')} kB`);
    // The same number of Evals without a refresh: what the measuring itself costs the Shell.
    const control = memory(h.shellPid);
    for (let i = 0; i < evals; i++)
        await refreshText(h);
    await collectGarbage();
    h.info(`control, ${evals} Evals without a refresh: VmRSS ${memory(h.shellPid).rss - control.rss} kB`);

    // The menu opened and closed (the cards are rebuilt when what they show changed, to the
    // minute). Measured beside the same for
    // the Shell's own quick settings menu, which shows what a menu costs the Shell anyway.
    for (const [name, menu] of [['our menu', `${indicator(h)}.menu`], ['the quick settings menu', 'Main.panel.statusArea.quickSettings.menu']]) {
        const toggle = async (): Promise<void> => {
            await shellEval(`Main.overview.hide(); ${menu}.open(); true`);
            await sleep(50);
            await shellEval(`${menu}.close(); true`);
        };
        for (let i = 0; i < 10; i++)
            await toggle();
        await collectGarbage();
        const menuBefore = memory(h.shellPid);
        const menuHeapBefore = await jsHeap();
        const menuMappingsBefore = residentByMapping(h.shellPid);
        const menuStarted = Date.now();
        for (let i = 0; i < opens; i++)
            await toggle();
        await collectGarbage();
        const menuAfter = memory(h.shellPid);
        const menuHeapAfter = await jsHeap();
        h.info(`${name} opened ${opens} times in ${((Date.now() - menuStarted) / 1000).toFixed(1)} s; gnome-shell VmRSS ` +
            `${menuBefore.rss} → ${menuAfter.rss} kB (${menuAfter.rss - menuBefore.rss} kB), JS heap ` +
            `${menuHeapAfter.gc - menuHeapBefore.gc}+${menuHeapAfter.malloc - menuHeapBefore.malloc} kB; by mapping: ` +
            grownMappings(menuMappingsBefore, residentByMapping(h.shellPid)));
    }
}

/**
 * The lock screen (a session-mode switch that disables the extension), a network drop and
 * wall-clock jumps, in one enabled period: the refresh schedule must keep firing through all
 * of them, and the cards must say what is wrong and recover on their own.
 */
export async function interruptions(h: Harness, expectedLabel: string): Promise<void> {
    // The shortest interval the settings allow (60 s), so that the schedule fires within the test.
    await shellEval(`${settingsJs(h)}.set_uint('refresh-interval', 60); true`);
    const logFrom = logLength(h);

    // --- lock: the Shell switches to the unlock-dialog session mode, which disables the extension ---
    let how = await shellEval(`(() => { if (!Main.screenShield) return 'none'; Main.screenShield.lock(false);
        return Main.sessionMode.currentMode; })()`) as string;
    let mode = await until(() => shellEval('Main.sessionMode.currentMode') as Promise<string>, m => m === 'unlock-dialog', 5000, 100);
    if (mode !== 'unlock-dialog') {
        h.info(`Main.screenShield.lock() left the session mode at ${mode} (${how}): switching the mode directly`);
        await shellEval("Main.sessionMode.pushMode('unlock-dialog'); true");
        how = 'pushMode';
        mode = await until(() => shellEval('Main.sessionMode.currentMode') as Promise<string>, m => m === 'unlock-dialog', 5000, 100);
    } else {
        how = 'screenShield';
    }
    h.info(`locked with ${how === 'screenShield' ? 'Main.screenShield.lock()' : 'Main.sessionMode.pushMode()'}`);
    h.check('the screen is locked (session mode unlock-dialog)', mode === 'unlock-dialog', mode);
    h.check('locking the screen disables the extension', await until(() => state(h), s => s === 2, 5000, 100) === 2);
    h.check('the indicator is gone on the lock screen', await shellEval(`'${h.uuid}' in Main.panel.statusArea`) === false);
    await checkNothingLeft(h, 'on the lock screen');

    // --- unlock ---
    await shellEval(how === 'screenShield' ? 'Main.screenShield.deactivate(false); true' : "Main.sessionMode.popMode('unlock-dialog'); true");
    mode = await until(() => shellEval('Main.sessionMode.currentMode') as Promise<string>, m => m === 'user', 5000, 100);
    h.check('the screen is unlocked (session mode user)', mode === 'user', mode);
    const unlockedAt = Date.now();
    h.check('unlocking enables the extension again', await until(() => state(h), s => s === 1, 5000, 100) === 1);
    const label = await until(() => h.panelLabel(), l => l?.text === expectedLabel, 15000, 200);
    h.check('the label is back after unlocking', label?.text === expectedLabel, JSON.stringify(label));
    await until(() => refreshText(h), t => t === 'Refresh', 10000, 100);

    // --- network drop: the server goes away; a refresh says so and keeps the last data ---
    h.server.stopListening();
    await shellEval(`${indicator(h)}.emit('refresh-requested'); true`);
    await shellEval(`Main.overview.hide(); ${indicator(h)}.menu.open(); true`);
    const dropped = await until(() => h.menuTexts(), t => t.some(line => line.startsWith('Could not reach the server')) &&
        !t.includes('Refreshing…'), 15000, 200);
    h.info(`network down: ${JSON.stringify(dropped.filter(t => /reach|network|as of/i.test(t)))}`);
    h.check('with the network down the cards say the server cannot be reached',
        dropped.some(line => line.startsWith('Could not reach the server')), JSON.stringify(dropped));
    h.check('with the network down the cards keep their last data, marked "as of"',
        dropped.some(line => line.startsWith('as of ')) && dropped.includes('72%'));
    h.check('with the network down the panel keeps the last values', (await h.panelLabel())?.text === expectedLabel);
    await shellEval(`${indicator(h)}.menu.close(); true`);
    h.server.listen();

    // --- the wall clock jumps 3 h ahead (Date.now() in the Shell; GLib timers are monotonic) ---
    const firedBefore = scheduleFired(await report());
    const jumped = await shellEval(`aumE2EProbe.setClockOffset(${3 * 3_600_000})`) as number;
    h.info(`the Shell's clock now reads ${new Date(jumped).toISOString()}`);
    const requestsBefore = h.server.requests.length;
    // Nothing else asks the server now: no manual refresh, no credentials change.
    const budget = 60_000 - (Date.now() - unlockedAt) + 15_000;
    const requests = await until(() => h.server.requests.length, n => n > requestsBefore, budget, 250);
    h.check('after unlocking, a network drop and a +3 h clock jump, the schedule refreshes on its own',
        requests > requestsBefore, `no request within ${Math.round(budget / 1000)} s`);
    h.check('it is the extension\'s refresh timer that fired', scheduleFired(await report()) > firedBefore);
    await until(() => refreshText(h), t => t === 'Refresh', 10000, 100);
    await shellEval(`${indicator(h)}.menu.open(); true`);
    const recovered = await until(() => h.menuTexts(), t => !t.some(line => line.startsWith('Could not reach the server')), 5000, 200);
    h.check('the cards recover from the network drop by themselves', !recovered.some(line => line.startsWith('Could not reach')) &&
        recovered.some(line => line.startsWith('updated ')), JSON.stringify(recovered));
    await shellEval(`${indicator(h)}.menu.close(); true`);
    h.check('the panel label is intact after the jump', (await h.panelLabel())?.text === expectedLabel);

    // --- and 3 h behind the real time: the schedule keeps firing ---
    const firedAhead = scheduleFired(await report());
    const behindSince = Date.now();
    await shellEval(`aumE2EProbe.setClockOffset(${-3 * 3_600_000})`);
    const requestsAhead = h.server.requests.length;
    const behind = await until(() => h.server.requests.length, n => n > requestsAhead, 75_000, 250);
    h.check('after a -3 h clock jump the schedule keeps refreshing on its own', behind > requestsAhead,
        `no request within ${Math.round((Date.now() - behindSince) / 1000)} s`);
    h.check('it is the extension\'s refresh timer that fired again', scheduleFired(await report()) > firedAhead);
    await shellEval('aumE2EProbe.setClockOffset(0)');
    await shellEval(`${settingsJs(h)}.reset('refresh-interval'); true`);
    const problems = logProblems(h, logFrom);
    h.check('the Shell log has no error or warning from the lock, the network drop and the clock jumps',
        problems.length === 0, problems.slice(0, 8).join('\n'));
}

/** Files under `root` (recursively; not following links) whose bytes contain the canary. */
function canaryFiles(root: string, skip: (path: string) => boolean): {hits: string[]; files: number} {
    const hits: string[] = [];
    let files = 0;
    const needle = new TextEncoder().encode(CANARY);
    const contains = (bytes: Uint8Array): boolean => {
        outer: for (let i = bytes.indexOf(needle[0] ?? 0); i >= 0 && i <= bytes.length - needle.length;
            i = bytes.indexOf(needle[0] ?? 0, i + 1)) {
            for (let j = 1; j < needle.length; j++) {
                if (bytes[i + j] !== needle[j])
                    continue outer;
            }
            return true;
        }
        return false;
    };
    const walk = (path: string): void => {
        if (skip(path))
            return;
        const file = Gio.File.new_for_path(path);
        let info: Gio.FileInfo;
        try {
            info = file.query_info('standard::type,standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
        } catch {
            return;
        }
        const type = info.get_file_type();
        if (type === Gio.FileType.DIRECTORY) {
            const children = file.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
            for (let child = children.next_file(null); child !== null; child = children.next_file(null))
                walk(`${path}/${child.get_name()}`);
        } else if (type === Gio.FileType.REGULAR) {
            files++;
            try {
                if (contains(GLib.file_get_contents(path)[1]))
                    hits.push(path);
            } catch {
                // unreadable (another user's): not something the extension wrote
            }
        }
    };
    walk(root);
    return {hits, files};
}

async function output(argv: string[], env: Record<string, string>): Promise<string> {
    const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_MERGE});
    for (const [name, value] of Object.entries(env))
        launcher.setenv(name, value, true);
    const [out] = await launcher.spawnv(argv).communicate_utf8_async(null, null);
    return out;
}

/** The CLI's outputs that could carry a secret: show (table and normalized JSON), status, doctor, scan. */
export async function canaryInCli(h: Harness, cli: string, env: Record<string, string>): Promise<void> {
    const commands = [['show', '--provider', 'all'], ['show', '--provider', 'all', '--json'], ['status'], ['doctor'],
        ['scan', '--json']];
    for (const args of commands) {
        const out = await output([cli, ...args], env);
        h.check(`no canary in the output of ai-usage-meter ${args.join(' ')}`, out.length > 0 && !out.includes(CANARY),
            out.length === 0 ? 'no output' : out.split('\n').filter(l => l.includes(CANARY)).slice(0, 5).join('\n'));
    }
}

/**
 * After the session: the canary is nowhere the extension or the CLI write to, nor in the
 * Shell log, dconf or any text the menu showed. The CLI credential files and the keyring's own
 * file hold secrets by design, and are left out (the former are compared by sha256).
 */
export async function canaryEverywhere(h: Pick<Harness, 'check' | 'info' | 'shellLog'>, options: {home: string; out: string; credentialFiles: readonly string[];
    texts: ReadonlySet<string>;}): Promise<void> {
    const {home, out} = options;
    const skipped = new Set([...options.credentialFiles, `${home}/.local/share/keyrings`]);
    const inHome = canaryFiles(home, path => skipped.has(path));
    h.check('no canary in any file under the test HOME (caches, settings, state, data; credential files and keyring aside)',
        inHome.hits.length === 0, inHome.hits.join('; '));
    const runtime = GLib.get_user_runtime_dir();
    const tmp = canaryFiles('/tmp', () => false);
    const run = canaryFiles(runtime, () => false);
    h.check('no canary in any file under /tmp or the runtime directory', tmp.hits.length + run.hits.length === 0,
        [...tmp.hits, ...run.hits].join('; '));
    const log = readText(h.shellLog) ?? '';
    h.check('no canary in the Shell log', log.length > 0 && !log.includes(CANARY),
        log.split('\n').filter(l => l.includes(CANARY)).slice(0, 5).join('\n'));
    const outFiles = canaryFiles(out, () => false);
    h.check('no canary in the session\'s other outputs (install log, opened pages)', outFiles.hits.length === 0, outFiles.hits.join('; '));
    const dconf = await output(['dconf', 'dump', '/'], {});
    h.check('no canary in dconf dump /', dconf.includes('[org/gnome/shell') && !dconf.includes(CANARY),
        dconf.split('\n').filter(l => l.includes(CANARY)).join('\n'));
    const shown = [...options.texts].filter(t => t.includes(CANARY));
    h.check(`no canary in any of the ${options.texts.size} texts the panel and menu showed (errors included)`,
        options.texts.size > 0 && shown.length === 0, shown.slice(0, 5).join('\n'));
    h.info(`canary search: ${inHome.files} files under HOME, ${tmp.files} under /tmp, ${run.files} in ${runtime}, ` +
        `${outFiles.files} outputs, ${options.texts.size} menu texts; hits: ${inHome.hits.length + tmp.hits.length +
        run.hits.length + outFiles.hits.length + shown.length + (log.includes(CANARY) ? 1 : 0) + (dconf.includes(CANARY) ? 1 : 0)}`);
}

/** sha256 of a file's bytes, or null when it does not exist. */
export function sha256(path: string): string | null {
    try {
        return GLib.compute_checksum_for_bytes(GLib.ChecksumType.SHA256, new GLib.Bytes(GLib.file_get_contents(path)[1]));
    } catch {
        return null;
    }
}
