#!/usr/bin/env bash
# The one build: type-checks and compiles every TypeScript file with tsc (src/** → build/src,
# test/** → build/test; comments and names kept, so the shipped JavaScript reads like the
# source), then lays out the extension folder build/extension.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/src build/test build/extension
npx tsc -p .
mkdir -p build/extension/schemas
cp -r build/src/. build/extension/
# A module of types only (its imports are all `import type`) compiles to nothing but its
# comments and `export {};`: nothing loads it, so it is not shipped.
for js in $(find build/extension -name '*.js'); do
    code=$(grep -vE '^\s*(//|/\*|\*|$)' "$js" | grep -vx 'export {};' || true)
    [[ -n $code ]] || rm "$js"
done
cp metadata.json stylesheet.css build/extension/
cp schemas/*.gschema.xml build/extension/schemas/
