#!/usr/bin/env bash
# Unit specs under the host's plain gjs, with memory GSettings (test-compiled schema), a private
# D-Bus session bus and a throw-away gnome-keyring (real libsecret) in a temporary HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/test-schemas
glib-compile-schemas --strict --targetdir=build/test-schemas schemas
SANDBOX=$(mktemp -d)
trap 'rm -rf "$SANDBOX"' EXIT
mkdir -p "$SANDBOX/home" "$SANDBOX/tmp" && install -d -m 700 "$SANDBOX/runtime"
# Specs' temporary folders go to a folder of their own, checked empty at the end.
export TMPDIR=$SANDBOX/tmp
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$PWD/build/test-schemas TZ=UTC LANG=C.UTF-8
export HOME=$SANDBOX/home XDG_RUNTIME_DIR=$SANDBOX/runtime XDG_DATA_HOME=$SANDBOX/home/.local/share
# shellcheck disable=SC2016 # expanded by the inner shell
dbus-run-session -- bash -c '
    # A newline is the (empty) password: it creates and unlocks the login keyring.
    printf "\n" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
    keyring=$!
    for _ in $(seq 50); do
        gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
            --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true && break
        sleep 0.1
    done
    rc=0
    gjs -m test/runner.js "$@" || rc=$?
    kill "$keyring" 2>/dev/null || true
    left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name "aum-*" | wc -l)
    if [ "$left" -gt 0 ]; then
        echo "unit: the specs left $left temporary folders behind:" >&2
        find "$TMPDIR" -mindepth 1 -maxdepth 1 -name "aum-*" >&2
        rc=1
    fi
    exit "$rc"' unit "${@:-build/test/specs}"
