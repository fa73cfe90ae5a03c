// The review check: what extensions.gnome.org's reviewers and its static analyser look at,
// as far as a script can see it, run on the packed zip (the file a reviewer receives).
//   node scripts/review.mjs build/UUID.shell-extension.zip
// Prints one line per finding and exits 1 when there is any.
import {readFileSync} from 'node:fs';
import {posix} from 'node:path';

import {unzipBytes} from './zip.mjs';

const RUNTIME_FILE = /^(extension\.js|prefs\.js|metadata\.json|stylesheet\.css|schemas\/[\w.-]+\.gschema\.xml|(core|shell|prefs|cli)\/[\w/.-]+\.js|locale\/[\w@-]+\/LC_MESSAGES\/[\w.-]+\.mo)$/;

/** Calls that block the Shell's main loop (files, processes, the network); their _async twins are fine. */
const BLOCKING_CALLS = [
    [/\.\w+_sync\s*\(/, 'a *_sync call'],
    [/\bGLib\.file_(get_contents|set_contents)\s*\(/, 'GLib.file_get_contents/set_contents (synchronous file I/O)'],
    [/\bGLib\.spawn_(sync|command_line_sync)\s*\(/, 'a synchronous spawn'],
    [/\bGLib\.(file_test|mkdir_with_parents)\s*\(/, 'synchronous file-system access'],
    [/\.(load_contents|replace_contents|enumerate_children|query_info|make_directory(_with_parents)?|delete|copy|move|read|create|replace|append_to|load_bytes)\s*\(\s*(null|[^)]*,\s*null)\s*\)/,
        'a synchronous Gio.File call'],
    [/\.(load_contents|load_bytes)\s*\(\s*(null)?\s*\)/, 'a synchronous file read'],
    [/\.(wait|wait_check|communicate|communicate_utf8)\s*\(/, 'a synchronous wait on a subprocess'],
    [/\.send_and_read\s*\(|\.send\s*\([^)]*\)\s*;/, 'a synchronous Soup request'],
];
const BUNDLER_ARTEFACTS = [
    [/\/\*\s*[@#]__PURE__\s*\*\//, 'a /* @__PURE__ */ marker'],
    [/\b__(name|publicField|defProp|export|toESM|toCommonJS|require|commonJS|esm|decorateClass|async)\s*\(/, 'a bundler helper'],
    [/\/\/[#@] sourceMappingURL=/, 'a source map reference'],
    [/^\/\/ (src|node_modules)\/[\w/.-]+\.(ts|js)$/m, 'a bundler file marker'],
];
const VERSION_GATED = [
    // [first Shell version it breaks or is gone in, pattern, what to use instead]
    [49, /\bClutter\.(ClickAction|TapAction)\b/, 'Clutter.ClickAction/TapAction are gone in 49: use Clutter.ClickGesture'],
    [51, /\bvertical\s*:\s*(true|false)\b|\.vertical\s*=/, 'St.BoxLayout `vertical` is gone in 51: use `orientation`'],
    [51, /\bSt\.ButtonMask\.(ONE|TWO|THREE)\b/, 'St.ButtonMask.ONE/TWO/THREE are renamed in 51 (PRIMARY/MIDDLE/SECONDARY)'],
    [51, /\bClutter\.get_default_backend\s*\(/, 'Clutter.get_default_backend() is gone in 51'],
];

// Static imports, and dynamic ones of a literal path (the command line loads each command's modules when it runs).
const relativeImports = text => [...text.matchAll(
    /^\s*(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm)]
    .map(m => m[1] ?? m[2] ?? m[3]);

/** The modules `entry` loads, itself included, following relative imports inside the zip. */
function moduleGraph(files, entry) {
    const seen = new Set();
    const visit = name => {
        if (seen.has(name) || !files.has(name))
            return;
        seen.add(name);
        for (const spec of relativeImports(files.get(name)))
            visit(posix.normalize(posix.join(posix.dirname(name), spec)));
    };
    visit(entry);
    return seen;
}

/** Source text without comments and string contents, so that patterns match code only. */
function codeOnly(text) {
    return text.replace(/\/\*[\s\S]*?\*\//g, m => m.replace(/[^\n]/g, ' '))
        .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
        .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, m => `'${' '.repeat(Math.max(0, m.length - 2))}'`);
}

/** The bodies of the methods where the analyser accepts clean-up (disable, destroy…). */
function cleanupBodies(code) {
    const bodies = [];
    for (const m of code.matchAll(/^\s*(?:async\s+)?(disable|destroy|_destroy|dispose|cleanup|stop)\s*\([^)]*\)\s*(?::\s*\w+\s*)?\{/gm)) {
        let depth = 1;
        let i = m.index + m[0].length;
        for (; i < code.length && depth > 0; i++)
            depth += code[i] === '{' ? 1 : code[i] === '}' ? -1 : 0;
        bodies.push(code.slice(m.index, i));
    }
    return bodies;
}

const lineOf = (text, index) => text.slice(0, index).split('\n').length;
function findAll(text, pattern) {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    return [...text.matchAll(global)].map(m => lineOf(text, m.index));
}

function reviewMetadata(metadata, names, findings) {
    const problem = text => findings.push(`metadata.json: ${text}`);
    if (typeof metadata.uuid !== 'string' || !/^[-a-zA-Z0-9@._]+$/.test(metadata.uuid) || !(metadata.uuid.indexOf('@') > 0))
        problem('uuid must be name@domain, of letters, digits, "-", "_", "." and "@"');
    else if (/[.@]gnome\.org$/.test(metadata.uuid))
        problem('uuid must not use the gnome.org namespace');
    for (const key of ['name', 'description', 'url'])
        if (typeof metadata[key] !== 'string' || metadata[key].trim() === '')
            problem(`${key} is missing`);
    if (typeof metadata.url === 'string' && !/^https:\/\//.test(metadata.url))
        problem('url should be an https address');
    if ('version' in metadata)
        problem('"version" is set by extensions.gnome.org; use "version-name"');
    if ('version-name' in metadata && !/^(?!^[. ]+$)[a-zA-Z0-9 .]{1,16}$/.test(metadata['version-name']))
        problem('version-name must be 1–16 letters, digits, spaces and dots');
    const versions = metadata['shell-version'];
    if (!Array.isArray(versions) || versions.length === 0)
        problem('shell-version must list the supported GNOME Shell versions');
    else {
        for (const v of versions)
            if (typeof v !== 'string' || !/^(4[5-9]|[5-9]\d)$/.test(v))
                problem(`shell-version "${v}": an ES-module extension supports 45 or later, given as the major version only`);
        if (new Set(versions).size !== versions.length)
            problem('shell-version lists a version twice');
    }
    if ('session-modes' in metadata) {
        const modes = metadata['session-modes'];
        if (!Array.isArray(modes) || modes.some(m => m !== 'user' && m !== 'unlock-dialog'))
            problem('session-modes may only hold "user" and "unlock-dialog"');
        else if (modes.length === 1 && modes[0] === 'user')
            problem('session-modes ["user"] is the default: leave it out');
    }
    const schema = metadata['settings-schema'];
    if (schema !== undefined) {
        if (!/^org\.gnome\.shell\.extensions\./.test(schema))
            problem('settings-schema must start with org.gnome.shell.extensions.');
        if (!names.includes(`schemas/${schema}.gschema.xml`))
            problem(`settings-schema ${schema} has no schemas/${schema}.gschema.xml`);
    }
    const domain = metadata['gettext-domain'];
    if (names.some(n => n.startsWith('locale/')) && typeof domain !== 'string')
        problem('translations are shipped but gettext-domain is not set');
    for (const mo of names.filter(n => n.startsWith('locale/')))
        if (!mo.endsWith(`/${domain}.mo`))
            problem(`${mo} is not named after the gettext-domain ${domain}`);
}

function reviewCode(files, metadata, findings) {
    const shellModules = moduleGraph(files, 'extension.js');
    const prefsModules = moduleGraph(files, 'prefs.js');
    // The command line is the third entry point: the Shell runs cli/main.js as its worker process.
    const scriptModules = moduleGraph(files, 'cli/main.js');
    for (const name of files.keys())
        if (!shellModules.has(name) && !prefsModules.has(name) && !scriptModules.has(name))
            findings.push(`${name}: not reachable from extension.js, prefs.js or cli/main.js (dead file)`);
    const newest = Math.max(...(metadata['shell-version'] ?? []).map(Number).filter(Number.isFinite));
    for (const [name, text] of files) {
        if (!name.endsWith('.js'))
            continue;
        const code = codeOnly(text);
        const at = (lines, what) => lines.forEach(line => findings.push(`${name}:${line}: ${what}`));
        if (!/^\/\/|^\/\*/.test(text))
            findings.push(`${name}: no header comment saying what the file is for`);
        const longest = Math.max(...text.split('\n').map(l => l.length));
        if (longest > 400)
            findings.push(`${name}: a line of ${longest} characters (reads as minified or generated)`);
        for (const [pattern, what] of BUNDLER_ARTEFACTS)
            at(findAll(text, pattern), what);
        for (const m of code.matchAll(/\bclass\s+([A-Z]\w*?)(\d+)\b/g)) {
            if (new RegExp(`\\b(const|let|var|function|class)\\s+${m[1]}\\b`).test(code))
                at([lineOf(code, m.index)], `class ${m[1]}${m[2]}: a class renamed by a build tool`);
        }
        at(findAll(code, /\beval\s*\(|\bnew\s+Function\s*\(/), 'eval or new Function');
        at(findAll(code, /\bimports\.(gi|misc|ui|lang|mainloop|byteArray)\b|\bimports\.\w+\.\w+/), 'legacy imports.* (use ES modules)');
        at(findAll(code, /\brequire\s*\(/), 'require() in an ES module');
        at(findAll(text, /\[\s*'(sudo|su|doas|run0|pkexec)'\s*,/), 'a command run with elevated privileges');
        const identifiers = code.match(/\b[A-Za-z_$][\w$]*\b/g) ?? [];
        if (text.length >= 500 && identifiers.filter(id => id.length <= 2).length / Math.max(1, identifiers.length) >= 0.55)
            findings.push(`${name}: most identifiers have one or two letters (reads as obfuscated)`);
        at(findAll(code, /^import\s.*'gi:\/\/(Lang|Mainloop|ByteArray)'/m), 'a deprecated GJS module');

        const inShell = shellModules.has(name);
        const inPrefs = prefsModules.has(name);
        if (inShell || inPrefs)
            at(findAll(code, /\bconsole\.log\s*\(|(^|[^.\w])(log|logError|print|printerr)\s*\(/), 'stray logging (console.log/log/print): log errors only');
        if (inShell) {
            for (const [pattern, what] of BLOCKING_CALLS)
                at(findAll(code, pattern), `${what} in Shell code`);
            at(findAll(text, /^import\s.*'gi:\/\/(Gtk|Gdk|Adw)(\?[^']*)?'/m), 'Gtk/Gdk/Adw imported in the Shell process');
            if (/\bnew\s+Soup\.Session\b/.test(code) && !cleanupBodies(code).some(body => /\.abort\s*\(\s*\)/.test(body)))
                findings.push(`${name}: creates a Soup.Session but no disable()/destroy() aborts it`);
            at(findAll(code, /\.run_dispose\s*\(/), 'run_dispose() (destroy the object instead)');
            at(findAll(code, /\.(lookupByURL|lookupByUUID)\s*\(/), 'looking up extensions by URL/UUID');
            at(findAll(code, /\bSt\.Clipboard\.get_default\s*\(/), 'clipboard access (must be declared in the description)');
            at(findAll(code, /\bimports\._gi\b/), 'imports._gi');
            const logs = findAll(code, /\bconsole\.(log|warn|error|info|debug)\s*\(/);
            if (logs.length > 5)
                findings.push(`${name}: ${logs.length} console calls (log only what a user needs)`);
            at(findAll(code, /^(?:export\s+)?(?:const|let|var)\s+\w+\s*=\s*new\s+(?:Gio|GLib|Soup|St|Clutter|Meta|Shell|Secret)\.\w+/m),
                'a GObject created when the module is imported (create it in enable())');
            for (const [since, pattern, what] of VERSION_GATED)
                if (newest >= since)
                    at(findAll(code, pattern), what);
        }
        if (inPrefs)
            at(findAll(text, /^import\s.*('gi:\/\/(St|Clutter|Meta|Shell|Mtk)(\?[^']*)?'|'resource:\/\/\/org\/gnome\/shell\/)/m),
                'a Shell library imported in the preferences process');
    }
    const extension = files.get('extension.js') ?? '';
    if (!/export\s+default\s+class\s+\w+\s+extends\s+Extension\b/.test(extension))
        findings.push('extension.js: the default export must be a class extending Extension');
    if (!/^\s+enable\s*\(\s*\)\s*\{/m.test(extension) || !/^\s+disable\s*\(\s*\)\s*\{/m.test(extension))
        findings.push('extension.js: enable() and disable() must both be defined (and not async)');
    if (/^\s+async\s+(enable|disable)\s*\(/m.test(extension))
        findings.push('extension.js: enable()/disable() must not be async (GNOME Shell 51 refuses it)');
}

/** Every finding for the zip at `path`; an empty list means it passes. */
export const reviewZip = path => reviewZipBytes(readFileSync(path));

/** Every finding for a zip's bytes. */
export function reviewZipBytes(zip) {
    const entries = unzipBytes(zip);
    const names = entries.map(e => e.name);
    const findings = [];
    for (const name of names) {
        if (name.endsWith('gschemas.compiled'))
            findings.push(`${name}: a compiled schema must not be shipped for GNOME 45+ (the Shell compiles it)`);
        else if (!RUNTIME_FILE.test(name))
            findings.push(`${name}: not a runtime file (sources, maps and build files stay out of the zip)`);
    }
    const size = entries.reduce((sum, e) => sum + e.data.length, 0);
    if (size > 5 * 1024 * 1024)
        findings.push(`the zip unpacks to ${size} bytes; extensions.gnome.org takes at most 5 MiB`);
    for (const name of names.filter(n => n.endsWith('.gschema.xml'))) {
        const xml = entries.find(e => e.name === name).data.toString('utf8');
        for (const m of xml.matchAll(/<schema\b([^>]*)>/g)) {
            const id = /\bid="([^"]*)"/.exec(m[1])?.[1] ?? '';
            const path = /\bpath="([^"]*)"/.exec(m[1])?.[1] ?? '';
            if (!id.startsWith('org.gnome.shell.extensions.'))
                findings.push(`${name}: schema id ${id} must start with org.gnome.shell.extensions.`);
            if (!path.startsWith('/org/gnome/shell/extensions/'))
                findings.push(`${name}: schema ${id} needs a path under /org/gnome/shell/extensions/`);
            if (posix.basename(name) !== `${id}.gschema.xml`)
                findings.push(`${name}: the file must be named after its schema id (${id}.gschema.xml)`);
        }
    }
    for (const required of ['extension.js', 'metadata.json'])
        if (!names.includes(required))
            findings.push(`${required} is missing`);
    let metadata = {};
    try {
        metadata = JSON.parse(entries.find(e => e.name === 'metadata.json')?.data.toString('utf8') ?? '{}');
    } catch (error) {
        findings.push(`metadata.json: not valid JSON (${error.message})`);
    }
    reviewMetadata(metadata, names, findings);
    const files = new Map(entries.filter(e => e.name.endsWith('.js')).map(e => [e.name, e.data.toString('utf8')]));
    reviewCode(files, metadata, findings);
    return findings;
}

if (process.argv[1] === import.meta.filename) {
    const zip = process.argv[2];
    if (!zip) {
        console.error('usage: node scripts/review.mjs EXTENSION.zip');
        process.exit(2);
    }
    const findings = reviewZip(zip);
    for (const finding of findings)
        console.log(finding);
    console.log(findings.length === 0 ? `review: ${zip} passes` : `review: ${findings.length} finding(s)`);
    process.exit(findings.length === 0 ? 0 : 1);
}
