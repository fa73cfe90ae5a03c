#!/usr/bin/env bash
# Builds the extension and installs it into the current user's GNOME Shell.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gnome-extensions >/dev/null || { echo "gnome-extensions not found: is GNOME Shell 45 or newer installed?" >&2; exit 1; }
[[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
UUID=$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' metadata.json)
gnome-extensions pack --force --out-dir=build --extra-source=core --extra-source=shell --extra-source=prefs --extra-source=cli \
    --podir="$PWD/po" build/extension
gnome-extensions install --force "build/$UUID.shell-extension.zip"
if gnome-extensions enable "$UUID" 2>/dev/null; then
    echo "Installed and enabled $UUID."
else
    echo "Installed $UUID. On Wayland, log out and back in, then run: gnome-extensions enable $UUID"
fi
