#!/usr/bin/env bash
# Lays out the extension folder (build/extension) from the compiled sources and the data files.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/extension
mkdir -p build/extension/schemas
cp -r build/src/. build/extension/
cp metadata.json stylesheet.css build/extension/
cp schemas/*.gschema.xml build/extension/schemas/
