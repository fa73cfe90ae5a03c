// The file helpers. The private writer (cache, rate-limit pauses, statusline records, history) must
// leave a whole, parseable, owner-only file whatever happens to the process writing it: a writer
// process is killed with SIGKILL at seeded random points while it rewrites a large file, and the
// file is checked after each kill. FILES_KILL_SEED replays one run.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {concatBytes, readTextFile, writePrivateFile} from '../../src/core/files.js';
import {fileMode, makeTempDir, readFile, seededRandom, writeFile} from '../support/helpers.js';

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

const here = GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]);
const filesModule = GLib.filename_to_uri(GLib.build_filenamev([here, '..', '..', 'src', 'core', 'files.js']), null);
const SEED = Number(GLib.getenv('FILES_KILL_SEED') ?? '20261201');
const KILLS = 6;

/**
 * The writer: writes round 0, then rewrites the file round after round (each about 4 MB of JSON
 * naming its round, made before the write starts), printing "writing N" as each write starts:
 * the signal the spec kills it on.
 */
const WRITER = `
import GLib from 'gi://GLib';
import {writePrivateFile} from '${filesModule}';
const [path] = ARGV;
const text = round => JSON.stringify({round, padding: Array.from({length: 1024}, (_, i) => String(i).padStart(8, '0').repeat(500))});
await writePrivateFile(path, text(0), null);
for (let round = 1; ; round++) {
    const next = text(round);
    print('writing ' + round);
    await writePrivateFile(path, next, null);
}
`;

/**
 * Runs the writer, reads its output until the k-th "writing" line ($3), waits $4 seconds, kills it
 * with SIGKILL and prints its exit status (137: killed). A shell does the watching, so that this process
 * has no stream of a dying process pending.
 */
const KILLER = `
fifo="$2.fifo"; mkfifo "$fifo"
gjs -m "$1" "$2" > "$fifo" 2>&1 &
writer=$!
{
    seen=0
    while [ "$seen" -lt "$3" ] && read -r line; do
        case "$line" in writing*) seen=$((seen + 1)) ;; esac
    done
    sleep "$4"; kill -9 "$writer"
    # The round it was writing when killed: the last one it announced.
    last=$3
    while read -r line; do
        case "$line" in writing*) last=\${line#writing } ;; esac
    done
    echo "killed writing $last"
} < "$fifo"
wait "$writer" 2> /dev/null; echo "status $?"
rm -f "$fifo"
`;


describe('concatBytes', () => {
    it('joins chunks in order, empty ones and none included', () => {
        expect([...concatBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)])]).toEqual([1, 2, 3]);
        expect(concatBytes([]).length).toBe(0);
    });
});

describe('writePrivateFile()', () => {
    it('writes a file only its owner can read, replacing one that others could', async () => {
        const dir = makeTempDir();
        writeFile(`${dir}/state.json`, 'old');
        Gio.File.new_for_path(`${dir}/state.json`).set_attribute_uint32('unix::mode', 0o644, Gio.FileQueryInfoFlags.NONE, null);
        expect(fileMode(`${dir}/state.json`)).toBe(0o644);
        await writePrivateFile(`${dir}/state.json`, '{"new": true}', null);
        expect(readFile(`${dir}/state.json`)).toBe('{"new": true}');
        expect(fileMode(`${dir}/state.json`)).toBe(0o600);
        expect(await readTextFile(`${dir}/missing.json`, null)).toBeNull();
    });

    it('sweeps only its own temporaries of that file that a dead process left, never one being written or another\'s', async () => {
        const dir = makeTempDir();
        // A process that is gone (the writer above once it was killed), the live pid 1, and files not ours.
        const [deadPid] = await Gio.Subprocess.new(['/bin/sh', '-c', 'echo $$'], Gio.SubprocessFlags.STDOUT_PIPE)
            .communicate_utf8_async(null, null);
        const names = [`.state.json.${deadPid.trim()}.0123abcd.tmp`, '.state.json.1.0123abcd.tmp', '.other.json.99999999.0123abcd.tmp',
            '.goutputstream-ABC123', 'state.json.tmp'];
        for (const name of names)
            writeFile(`${dir}/${name}`, 'half');
        await writePrivateFile(`${dir}/state.json`, '{}', null);
        expect(listNames(dir).sort()).toEqual([...names.slice(1), 'state.json'].sort());
    });

    it('sweeps a file\'s temporaries at its first write in this process, not at every write (a listing costs the Shell memory)', async () => {
        const dir = makeTempDir();
        const [deadPid] = await Gio.Subprocess.new(['/bin/sh', '-c', 'echo $$'], Gio.SubprocessFlags.STDOUT_PIPE)
            .communicate_utf8_async(null, null);
        const leftover = `.state.json.${deadPid.trim()}.0123abcd.tmp`;
        writeFile(`${dir}/${leftover}`, 'half');
        await writePrivateFile(`${dir}/state.json`, '{"n": 1}', null);
        expect(listNames(dir)).toEqual(['state.json']);
        writeFile(`${dir}/${leftover}`, 'half');
        await writePrivateFile(`${dir}/state.json`, '{"n": 2}', null);
        expect(listNames(dir).sort()).toEqual([leftover, 'state.json']);
        expect(readFile(`${dir}/state.json`)).toBe('{"n": 2}');
    });

    it(`leaves a whole, parseable 0600 file when its writer is killed mid-write (${KILLS} kills, seed ${SEED})`, async () => {
        const dir = makeTempDir();
        GLib.file_set_contents(`${dir}/writer.js`, WRITER);
        GLib.file_set_contents(`${dir}/kill.sh`, KILLER);
        const rng = seededRandom(SEED);
        let landedMidWrite = 0;
        for (let kill = 0; kill < KILLS; kill++) {
            const path = `${dir}/cache-${kill}.json`;
            // Killed as the k-th rewrite starts, then up to 30 ms into it (a random point of the write).
            const rounds = 1 + Math.floor(rng() * 3);
            const delay = (rng() * 0.03).toFixed(3);
            const process = Gio.Subprocess.new(['/bin/sh', `${dir}/kill.sh`, `${dir}/writer.js`, path, String(rounds), delay],
                Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_MERGE);
            const [report] = await process.communicate_utf8_async(null, null);
            expect(report).withContext(`kill ${kill}: killed, not ended`).toContain('status 137');
            // Killed at least `rounds` in, later when a write ends before the kill comes (a fast disk).
            const writing = Number(/killed writing (\d+)/.exec(report)?.[1] ?? Number.NaN);
            expect(writing).withContext(`kill ${kill}: ${report}`).toBeGreaterThanOrEqual(rounds);

            const parsed = JSON.parse(readFile(path)) as {round: number};
            expect([writing - 1, writing]).withContext(`kill ${kill}: the round before or the one being written`).toContain(parsed.round);
            expect(fileMode(path)).withContext(`kill ${kill}`).toBe(0o600);
            // The writer writes a temporary file beside it and renames it over the old one: a kill mid-write
            // leaves that half-written temporary behind (never read), which counts the kills that landed
            // mid-write; the next write sweeps it.
            const temporaries = (): string[] => listNames(dir).filter(name => name.startsWith(`.cache-${kill}.json.`));
            const leftovers = temporaries();
            for (const name of leftovers)
                expect(fileMode(`${dir}/${name}`)).withContext(`kill ${kill}: a half-written temporary file`).toBe(0o600);
            landedMidWrite += leftovers.length > 0 ? 1 : 0;
            await writePrivateFile(path, JSON.stringify({round: 'next'}), null);
            expect(temporaries()).withContext(`kill ${kill}: after the next write`).toEqual([]);
            expect(listNames(dir).filter(name => name.startsWith('.'))).withContext(`kill ${kill}: no temporary file at all`).toEqual([]);
        }
        // The seed is what makes this a reproducible run, not what makes it pass: print where the kills landed.
        print(`    files.spec: ${landedMidWrite} of ${KILLS} kills landed mid-write (FILES_KILL_SEED=${SEED})`);
    }, 60_000);
});

function listNames(dir: string): string[] {
    const names: string[] = [];
    const children = Gio.File.new_for_path(dir).enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    for (let info = children.next_file(null); info !== null; info = children.next_file(null))
        names.push(info.get_name());
    children.close(null);
    return names;
}
