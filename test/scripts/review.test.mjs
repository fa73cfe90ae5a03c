// Specs of the review check (scripts/review.mjs) and the zip writer it reads: a small, clean
// extension passes, and each rule flags the mistake it is there for. Run: node --test test/scripts/
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {reviewZipBytes} from '../../scripts/review.mjs';
import {unzipBytes, zipBytes} from '../../scripts/zip.mjs';

const UUID = 'meter@example.org';
const SCHEMA = 'org.gnome.shell.extensions.meter';
const metadata = (extra = {}) => JSON.stringify({uuid: UUID, name: 'Meter', description: 'A meter.',
    url: 'https://example.org/meter', 'settings-schema': SCHEMA, 'shell-version': ['46', '51'], ...extra});
const clean = () => ({
    'metadata.json': metadata(),
    'extension.js': `// The composition root.
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';
import {Client} from './core/client.js';

export default class Meter extends Extension {
    enable() {
        this._client = new Client();
    }

    disable() {
        this._client.destroy();
        this._client = null;
    }
}
`,
    'core/client.js': `// One HTTP client.
import Soup from 'gi://Soup?version=3.0';

export class Client {
    constructor() {
        this._session = new Soup.Session();
    }

    destroy() {
        this._session.abort();
    }
}
`,
    'prefs.js': "// Preferences.\nimport Adw from 'gi://Adw';\nexport default class P {}\n",
    'cli/main.js': "// The command line.\nimport GLib from 'gi://GLib';\nprint(GLib.file_get_contents('/etc/hostname')[1].length);\n",
    [`schemas/${SCHEMA}.gschema.xml`]: `<schemalist><schema id="${SCHEMA}" path="/org/gnome/shell/extensions/meter/"></schema></schemalist>`,
});

function review(files) {
    return reviewZipBytes(zipBytes(Object.entries(files).map(([name, text]) => ({name, data: Buffer.from(text)}))));
}
function flags(change, pattern) {
    const files = clean();
    change(files);
    const findings = review(files);
    assert.ok(findings.some(f => pattern.test(f)), `expected a finding matching ${pattern}, got:\n${findings.join('\n')}`);
}

describe('the zip writer', () => {
    it('writes what the reader reads back, byte for byte', () => {
        const entries = [{name: 'a.txt', data: Buffer.from('hello')}, {name: 'dir/b.bin', data: Buffer.from([0, 255, 7])}];
        const back = unzipBytes(zipBytes(entries));
        assert.deepEqual(back.map(e => [e.name, [...e.data]]), entries.map(e => [e.name, [...e.data]]));
    });

    it('gives the same bytes for the same files', () => {
        const entries = [{name: 'x.js', data: Buffer.from('// x\n')}];
        assert.ok(zipBytes(entries).equals(zipBytes(entries)));
    });
});

describe('the review check', () => {
    it('passes a small, clean extension (a CLI module may read files synchronously)', () => {
        assert.deepEqual(review(clean()), []);
    });

    it('flags a compiled schema, a stray file and a missing extension.js', () => {
        flags(f => { f['schemas/gschemas.compiled'] = 'x'; }, /gschemas\.compiled: a compiled schema/);
        flags(f => { f['extension.ts'] = 'x'; }, /extension\.ts: not a runtime file/);
        flags(f => { delete f['extension.js']; }, /^extension\.js is missing/);
    });

    it('checks the metadata', () => {
        flags(f => { f['metadata.json'] = metadata({uuid: 'meter@gnome.org'}); }, /gnome\.org namespace/);
        flags(f => { f['metadata.json'] = metadata({uuid: '@meter'}); }, /uuid must be name@domain/);
        flags(f => { f['metadata.json'] = metadata({'shell-version': ['44']}); }, /shell-version "44"/);
        flags(f => { f['metadata.json'] = metadata({'session-modes': ['user']}); }, /session-modes \["user"\] is the default/);
        flags(f => { f['metadata.json'] = metadata({version: 3}); }, /"version" is set by extensions\.gnome\.org/);
        flags(f => { f['metadata.json'] = '{'; }, /metadata\.json: not valid JSON/);
    });

    it('checks the schema id, path and file name', () => {
        flags(f => { f[`schemas/${SCHEMA}.gschema.xml`] = `<schema id="${SCHEMA}">`; }, /needs a path under/);
        flags(f => { f['schemas/other.gschema.xml'] = '<schema id="org.gnome.shell.extensions.meter2" path="/org/gnome/shell/extensions/m/">'; },
            /must be named after its schema id/);
    });

    it('flags blocking calls in modules the Shell loads, however deep', () => {
        flags(f => { f['core/client.js'] += "import GLib from 'gi://GLib';\nexport const read = p => GLib.file_get_contents(p);\n"; },
            /core\/client\.js:\d+: GLib\.file_get_contents.* in Shell code/);
        flags(f => { f['core/client.js'] += 'export const run = p => p.wait_check(null);\n'; }, /synchronous wait on a subprocess/);
        flags(f => { f['core/client.js'] += 'export const load = f => f.load_contents(null);\n'; }, /synchronous/);
    });

    it('does not mistake comments or strings for code', () => {
        const files = clean();
        files['core/client.js'] += "// GLib.file_get_contents() would block here\nexport const text = 'x.load_contents(null)';\n";
        assert.deepEqual(review(files), []);
    });

    it('wants every Soup.Session aborted where the extension cleans up', () => {
        flags(f => { f['core/client.js'] = f['core/client.js'].replace('destroy() {', 'close() {'); },
            /creates a Soup\.Session but no disable\(\)\/destroy\(\) aborts it/);
    });

    it('flags bundler artefacts, renamed classes and minified lines', () => {
        flags(f => { f['core/client.js'] += 'export const x = /* @__PURE__ */ make();\n'; }, /@__PURE__/);
        flags(f => { f['core/client.js'] += 'var __defProp = 1;\n__export(target, all);\n'; }, /a bundler helper/);
        flags(f => { f['core/client.js'] += 'export const Bar = register(class Bar2 extends Base {});\n'; },
            /class Bar2: a class renamed by a build tool/);
        flags(f => { f['core/client.js'] += `export const big = [${'1,'.repeat(300)}];\n`; }, /reads as minified/);
        flags(f => { f['core/client.js'] = f['core/client.js'].replace('// One HTTP client.\n', ''); }, /no header comment/);
    });

    it('flags Gtk in the Shell, Shell libraries in prefs, logging and legacy modules', () => {
        flags(f => { f['core/client.js'] += "import Gtk from 'gi://Gtk?version=4.0';\n"; }, /Gtk\/Gdk\/Adw imported in the Shell/);
        flags(f => { f['prefs.js'] += "import St from 'gi://St';\n"; }, /Shell library imported in the preferences/);
        flags(f => { f['core/client.js'] += "console.log('hi');\n"; }, /stray logging/);
        flags(f => { f['core/client.js'] += 'const Lang = imports.lang;\n'; }, /legacy imports/);
        flags(f => { f['core/client.js'] += "export const t = new GLib.TimeoutSource();\nimport GLib from 'gi://GLib';\n"; },
            /created when the module is imported/);
    });

    it('applies the rules of the newest Shell listed (vertical, ButtonMask, ClickAction)', () => {
        flags(f => { f['core/client.js'] += 'export const box = new St.BoxLayout({vertical: true});\n'; }, /`vertical` is gone in 51/);
        flags(f => { f['core/client.js'] += 'export const m = St.ButtonMask.ONE;\n'; }, /ButtonMask/);
        const older = clean();
        older['metadata.json'] = metadata({'shell-version': ['46', '47']});
        older['core/client.js'] += 'export const box = () => new St.BoxLayout({vertical: true});\n';
        assert.deepEqual(review(older), []);
    });

    it('flags an async disable() and a file nothing loads', () => {
        flags(f => { f['extension.js'] = f['extension.js'].replace('    disable() {', '    async disable() {'); }, /must not be async/);
        flags(f => { f['shell/unused.js'] = '// Nothing imports this.\nexport const x = 1;\n'; }, /shell\/unused\.js: not reachable/);
    });

    it('follows a dynamic import of a literal path', () => {
        const files = clean();
        files['cli/main.js'] += "const {run} = await import('./command.js');\nrun();\n";
        files['cli/command.js'] = '// A command, loaded when it runs.\nexport const run = () => print(1);\n';
        assert.deepEqual(review(files), []);
    });
});
