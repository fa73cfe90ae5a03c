// Packs build/extension (laid out by `npm run build`) into the zip extensions.gnome.org takes,
// with the translations compiled, then runs the review check on that zip. The result is
// build/<uuid>.shell-extension.zip, the file the install command and the end-to-end test install.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';

import {reviewZip} from './review.mjs';
import {zipBytes} from './zip.mjs';

const repo = join(import.meta.dirname, '..');
const staged = join(repo, 'build', 'extension');
if (!existsSync(join(staged, 'metadata.json'))) {
    console.error('pack: build/extension is missing: run npm run build first');
    process.exit(1);
}
const metadata = JSON.parse(readFileSync(join(staged, 'metadata.json'), 'utf8'));

function filesUnder(dir) {
    return readdirSync(dir).sort().flatMap(name => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

const entries = filesUnder(staged).map(path => ({name: relative(staged, path), data: readFileSync(path)}));
// Translations: po/LANG.po → locale/LANG/LC_MESSAGES/DOMAIN.mo, as gnome-extensions pack does.
const poDir = join(repo, 'po');
const work = mkdtempSync(join(tmpdir(), 'aum-pack-'));
try {
    for (const po of readdirSync(poDir).filter(name => name.endsWith('.po')).sort()) {
        const mo = join(work, `${po}.mo`);
        execFileSync('msgfmt', ['--check', '-o', mo, join(poDir, po)]);
        entries.push({name: `locale/${po.slice(0, -3)}/LC_MESSAGES/${metadata['gettext-domain']}.mo`, data: readFileSync(mo)});
    }
} finally {
    rmSync(work, {recursive: true, force: true});
}

const zipPath = join(repo, 'build', `${metadata.uuid}.shell-extension.zip`);
writeFileSync(zipPath, zipBytes(entries));
const findings = reviewZip(zipPath);
for (const finding of findings)
    console.error(`review: ${finding}`);
if (findings.length > 0) {
    console.error(`review: ${findings.length} problem(s) in ${relative(repo, zipPath)}`);
    process.exit(1);
}
console.log(`${relative(repo, zipPath)}: ${entries.length} files, review check passed`);
