// Jasmine runner for gjs: `gjs -m test/runner.js [--seed=N] [--filter=TEXT] SPEC_OR_DIR...`.
// npm's jasmine-gjs is a broken stub and jasmine-core 6+ needs MessageChannel, so this loads
// jasmine-core 5 directly, imports each compiled spec as an ES module and reports one line
// per spec. Exit status: 0 when every spec passed, 1 otherwise.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

const repoRoot = GLib.path_get_dirname(GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]));
const jasminePath = GLib.build_filenamev([repoRoot, 'node_modules', 'jasmine-core', 'lib', 'jasmine-core', 'jasmine.js']);

// jasmine-core 5 falls back to queueMicrotask without MessageChannel, and registers global
// error handlers through addEventListener; gjs has neither.
globalThis.queueMicrotask ??= callback => Promise.resolve().then(callback);
globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};

// jasmine.js is a classic script that recognises the gjs global object; run it as one.
const [, source] = GLib.file_get_contents(jasminePath);
(0, eval)(new TextDecoder().decode(source)); // eslint-disable-line no-eval -- loads jasmine itself, test only
const jasmineRequire = globalThis.jasmineRequire;
const jasmine = jasmineRequire.core(jasmineRequire);
const env = jasmine.getEnv();
globalThis.jasmine = jasmine;
Object.assign(globalThis, jasmineRequire.interface(jasmine, env));

const options = ARGV.filter(arg => arg.startsWith('--'));
const option = name => options.find(o => o.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;

function collectSpecs(path, out) {
    const file = Gio.File.new_for_path(path);
    if (file.query_file_type(Gio.FileQueryInfoFlags.NONE, null) !== Gio.FileType.DIRECTORY) {
        if (path.endsWith('.spec.js'))
            out.push(file);
        return out;
    }
    const names = [];
    const children = file.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NONE, null);
    for (let info = children.next_file(null); info !== null; info = children.next_file(null))
        names.push(info.get_name());
    for (const name of names.sort())
        collectSpecs(GLib.build_filenamev([path, name]), out);
    return out;
}

const specFiles = ARGV.filter(arg => !arg.startsWith('--')).flatMap(path => collectSpecs(path, []));
if (specFiles.length === 0) {
    printerr('usage: gjs -m test/runner.js [--seed=N] [--filter=TEXT] SPEC_OR_DIR...');
    System.exit(2);
}

const seed = option('seed');
const filter = option('filter');
env.configure({
    random: seed !== null,
    ...seed !== null ? {seed} : {},
    ...filter !== null ? {specFilter: spec => spec.getFullName().includes(filter)} : {},
});

let passed = 0, failed = 0, skipped = 0;
const failures = [];
env.addReporter({
    specDone(result) {
        if (result.status === 'failed') {
            failed++;
            failures.push(result);
            print(`  FAIL ${result.fullName}`);
        } else if (result.status === 'passed') {
            passed++;
            print(`  ok   ${result.fullName}`);
        } else {
            skipped++;
        }
    },
    suiteDone(result) {
        for (const expectation of result.failedExpectations ?? []) {
            failed++;
            failures.push({fullName: `${result.fullName} (in afterAll/beforeAll)`, failedExpectations: [expectation]});
        }
    },
    jasmineDone(result) {
        failures.forEach((failure, index) => {
            print(`\n${index + 1}) ${failure.fullName}`);
            for (const expectation of failure.failedExpectations)
                print(`  ${expectation.message}\n    ${(expectation.stack ?? '').split('\n').slice(0, 6).join('\n    ')}`);
        });
        for (const expectation of result.failedExpectations ?? []) {
            failed++;
            print(`\nError outside specs: ${expectation.message}\n${expectation.stack ?? ''}`);
        }
        print(`\nFinished in ${(result.totalTime / 1000).toFixed(3)} seconds`);
        print(`${passed + failed} specs, ${failed} failures${skipped ? `, ${skipped} pending specs` : ''}`);
        if (result.order?.random)
            print(`Randomized with seed ${result.order.seed}`);
        print(`unit: ${passed} passed, ${failed} failed`);
    },
});

let loadErrors = 0;
for (const file of specFiles) {
    try {
        await import(file.get_uri());
    } catch (error) {
        loadErrors++;
        printerr(`Cannot load ${file.get_path()}: ${error}\n${error.stack ?? ''}`);
    }
}
const result = await env.execute();
System.exit(result.overallStatus === 'passed' && loadErrors === 0 ? 0 : 1);
