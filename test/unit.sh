#!/usr/bin/env bash
# Unit specs under the host's plain gjs, with memory GSettings (test-compiled schema) and
# a private D-Bus session bus.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/test-schemas
glib-compile-schemas --strict --targetdir=build/test-schemas schemas
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$PWD/build/test-schemas
exec dbus-run-session -- gjs -m test/runner.js "${@:-build/test/specs}"
