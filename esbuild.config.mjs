// Compiles every TypeScript file to one readable ES module (no bundle, no minify):
// src/** → build/src/** (the extension) and test/** → build/test/** (specs and e2e driver).
import {build} from 'esbuild';
import {readdirSync, rmSync, statSync} from 'node:fs';
import {join} from 'node:path';

function sources(dir) {
    return readdirSync(dir).flatMap(name => {
        const path = join(dir, name);
        if (statSync(path).isDirectory())
            return sources(path);
        return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
    });
}

for (const dir of ['build/src', 'build/test'])
    rmSync(dir, {recursive: true, force: true});
await build({
    entryPoints: [...sources('src'), ...sources('test')],
    outdir: 'build',
    outbase: '.',
    bundle: false,
    format: 'esm',
    platform: 'neutral',
    target: 'firefox102', // SpiderMonkey of gjs 1.74, the oldest gjs the unit tests run on,
    minify: false,
    sourcemap: false,
    legalComments: 'inline',
    logLevel: 'warning',
});
