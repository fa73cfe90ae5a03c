// Small helpers shared by the specs: temporary folders, fake environments, fetch contexts.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {BackoffGate} from '../../src/core/backoff.js';
import type {Environment} from '../../src/core/environment.js';
import {ProviderError} from '../../src/core/errors.js';
import {ENDPOINT_OVERRIDE_ENV, HttpClient, type HttpLimits} from '../../src/core/http.js';
import {OwnTokenStore} from '../../src/core/ownSignIn.js';
import type {KeySection} from '../../src/core/prefsSection.js';
import type {FetchContext, ProviderDeps} from '../../src/core/provider.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Settings} from '../../src/core/settings.js';

const SCHEMA_ID = 'org.gnome.shell.extensions.ai-usage-meter';

/**
 * The extension's settings on the memory backend (test/unit.sh sets it), every key back at
 * the schema's default: the backend is shared by the whole run, so each spec starts clean.
 */
export function testSettings(): Settings {
    const gio = new Gio.Settings({schema_id: SCHEMA_ID});
    for (const key of gio.settings_schema.list_keys())
        gio.reset(key);
    return new Settings(gio);
}

/** What a provider is built with: a real keyring (the test one), own tokens, clean settings. */
export function providerDeps(settings: Settings = testSettings(), secrets: SecretStore = new SecretStore()): ProviderDeps {
    return {secrets, ownTokens: new OwnTokenStore(secrets), settings};
}

/** Every folder makeTempDir() made, removed after each spec. */
const tempDirs: string[] = [];

// The end-to-end driver loads this module too, outside Jasmine.
if ('afterEach' in globalThis) {
    afterEach(() => {
        for (const dir of tempDirs.splice(0))
            removeTree(dir); // nothing when the spec removed its folder itself
    });
}

/** The preferences section of a spec's scripted provider: never shown. */
export const UNSHOWN_PREFS: KeySection = {
    kind: 'key', page: 'spend', title: '', description: '', switchTitle: '', switchSubtitle: '', keyTitle: '',
    keyVariables: [], money: false, cannotTest: () => null, test: () => Promise.reject(new Error('not shown in specs')),
};

/** A temporary folder for one spec; it is removed when the spec ends. */
export function makeTempDir(): string {
    const dir = GLib.dir_make_tmp('aum-spec-XXXXXX');
    tempDirs.push(dir);
    return dir;
}

/** mulberry32: a small, fast, seedable PRNG, so that a randomised spec replays from its seed. */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** The names in a folder, sorted. */
export function listDir(path: string): string[] {
    const names: string[] = [];
    const children = Gio.File.new_for_path(path).enumerate_children('standard::name', Gio.FileQueryInfoFlags.NONE, null);
    for (let info = children.next_file(null); info !== null; info = children.next_file(null))
        names.push(info.get_name());
    return names.sort();
}

/** Deletes a folder and everything in it (never following a symbolic link out of it). */
export function removeTree(path: string): void {
    const file = Gio.File.new_for_path(path);
    const type = file.query_file_type(Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    if (type === Gio.FileType.DIRECTORY) {
        const children = file.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
        for (let info = children.next_file(null); info !== null; info = children.next_file(null))
            removeTree(GLib.build_filenamev([path, info.get_name()]));
        children.close(null);
    }
    if (type !== Gio.FileType.UNKNOWN)
        file.delete(null);
}

export function writeFile(path: string, text: string): void {
    GLib.mkdir_with_parents(GLib.path_get_dirname(path), 0o700);
    GLib.file_set_contents(path, text);
}

export function readFile(path: string): string {
    const [, bytes] = GLib.file_get_contents(path);
    return new TextDecoder().decode(bytes);
}

export function fileMode(path: string): number {
    const info = Gio.File.new_for_path(path).query_info('unix::mode', Gio.FileQueryInfoFlags.NONE, null);
    return info.get_attribute_uint32('unix::mode') & 0o777;
}

export interface TestEnvironment extends Environment {
    vars: Record<string, string>;
    clock: number;
}

export function testEnvironment(homeDir: string, vars: Record<string, string> = {}): TestEnvironment {
    const env: TestEnvironment = {
        vars,
        clock: Date.UTC(2026, 10, 23, 12, 0, 0),
        getenv: name => env.vars[name] ?? null,
        homeDir,
        cacheDir: GLib.build_filenamev([homeDir, '.cache']),
        configDir: GLib.build_filenamev([homeDir, '.config']),
        dataDir: GLib.build_filenamev([homeDir, '.local', 'share']),
        now: () => env.clock,
    };
    return env;
}

/** An HTTP client whose https:// requests go to the given loopback server (short timeouts by default). */
export function loopbackHttp(baseUrl: string, limits: Partial<HttpLimits> = {}): HttpClient {
    GLib.setenv(ENDPOINT_OVERRIDE_ENV, baseUrl, true);
    try {
        return new HttpClient('ai-usage-meter/spec', {readTimeoutSeconds: 5, deadlineSeconds: 5, ...limits});
    } finally {
        GLib.unsetenv(ENDPOINT_OVERRIDE_ENV);
    }
}

export function fetchContext(env: Environment, http: HttpClient, overrides: Partial<FetchContext> = {}): FetchContext {
    return {env, http, gate: new BackoffGate(), cancellable: new Gio.Cancellable(), manual: false,
        ...overrides};
}

/**
 * Resolves once `holds()` is true, looking again on each main-loop iteration (idle): waiting on a
 * condition, not on a guessed delay. Rejects after `timeoutMs`.
 */
export function until(holds: () => boolean, timeoutMs = 4000): Promise<void> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        GLib.idle_add(GLib.PRIORITY_LOW, () => {
            if (holds()) {
                resolve();
                return GLib.SOURCE_REMOVE;
            }
            if (Date.now() - started > timeoutMs) {
                reject(new Error('the condition never held'));
                return GLib.SOURCE_REMOVE;
            }
            return GLib.SOURCE_CONTINUE;
        });
    });
}

export function delay(ms: number): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, ms));
}

/** Runs `action` and returns the ProviderError it throws; anything else fails the spec. */
export async function providerErrorFrom(action: () => unknown): Promise<ProviderError> {
    try {
        await action();
    } catch (error) {
        if (error instanceof ProviderError)
            return error;
        throw error;
    }
    throw new Error('expected a ProviderError');
}

export function symlink(linkPath: string, target: string): void {
    Gio.File.new_for_path(linkPath).make_symbolic_link(target, null);
}

/** A self-signed certificate for a loopback HTTPS server, like Antigravity's language server's (openssl; its files removed). */
export function selfSignedCertificate(): Gio.TlsCertificate {
    const dir = makeTempDir();
    try {
        const openssl = Gio.Subprocess.new(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
            '-subj', '/CN=localhost', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`],
        Gio.SubprocessFlags.STDOUT_SILENCE | Gio.SubprocessFlags.STDERR_SILENCE);
        openssl.wait(null);
        return Gio.TlsCertificate.new_from_files(`${dir}/cert.pem`, `${dir}/key.pem`);
    } finally {
        removeTree(dir);
    }
}
