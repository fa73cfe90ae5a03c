#!/usr/bin/env bash
# End-to-end test of the packed extension inside a real, headless GNOME Shell.
# A host with GNOME Shell 45 or newer runs it directly (with a throw-away HOME). Otherwise (Debian
# 12 ships Shell 43) it builds a Debian trixie chroot with GNOME Shell 48 once (~4 min, cached
# under $E2E_CACHE) and runs the shell there; that needs root. E2E_FORCE_CHROOT=1 skips the host.
#
#   npm run test:e2e        (builds first; root for the chroot)
# E2E_DRIVER=stallProbe E2E_CORPUS=DIR runs the main-loop stall benchmark (npm run bench) instead.
# Artifacts (screenshots, logs, the zip): build/e2e/
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
UUID=$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' "$REPO/metadata.json")
UNSAFE_UUID=e2e-unsafe-mode@ai-usage-meter.test
ARTIFACTS=$REPO/build/e2e
E2E_DIR=${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-usage-meter-e2e}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
E2E_UID=1000
# gnome-shell pulls in mutter, gjs, dconf…; mesa renders headless through llvmpipe;
# gettext provides msgfmt for `gnome-extensions pack --podir`.
PKGS=(gnome-shell gjs dbus-daemon libglib2.0-bin libegl-mesa0 libgl1-mesa-dri fonts-cantarell
      adwaita-icon-theme gnome-keyring libsecret-tools gir1.2-soup-3.0 gir1.2-secret-1 gir1.2-adw-1 gettext)

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# Lays out everything the session needs under $1, mirroring the repository.
stage() {
    local dir=$1
    rm -rf "$dir" && mkdir -p "$dir/zips" "$dir/out" "$dir/build" "$dir/test"
    cp -r "$REPO/build/extension" "$dir/extension"
    cp -r "$REPO/po" "$dir/po"
    cp -r "$REPO/test/e2e/unsafe-mode" "$dir/unsafe-mode"
    cp -r "$REPO/test/fixtures" "$dir/test/fixtures"
    cp -r "$REPO/build/test" "$REPO/build/src" "$dir/build/"   # the driver uses test/support, which uses src/core
    cp "$REPO/test/e2e/session.sh" "$REPO/test/e2e/fake-system-bus.conf" "$dir/"
}
# The pack command users run, on the staged tree at $1 (a path as the packer sees it).
pack_commands() {
    echo "cd $1/extension && gnome-extensions pack --force --out-dir=$1/zips \
        --extra-source=core --extra-source=shell --extra-source=prefs --extra-source=cli --podir=$1/po . &&
        gnome-extensions pack --force --out-dir=$1/zips $1/unsafe-mode"
}
collect() {
    cp -r "$1/out/." "$ARTIFACTS/" 2>/dev/null || true
    grep -E '^(PASS|FAIL|INFO)|passed, .* failed' "$ARTIFACTS/session.log" >&2 || true
    # A prefs.js that throws still opens a window (an error page): the service log tells.
    if grep -E 'Failed to open preferences|JS ERROR' "$ARTIFACTS/session.log" >&2; then
        log "the preferences service logged errors"
        return 1
    fi
}

[[ -f $REPO/build/extension/metadata.json ]] || die "run 'npm run build' first"
rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS"
HOST_SHELL=$(gnome-shell --version 2>/dev/null | grep -o '[0-9][0-9]*' | head -1 || true)
if [[ ${E2E_FORCE_CHROOT:-0} != 1 && ${HOST_SHELL:-0} -ge 45 ]]; then
    log "using the host's GNOME Shell $HOST_SHELL"
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    stage "$WORK/e2e"
    sh -c "$(pack_commands "$WORK/e2e")" || die "gnome-extensions pack failed"
    cp "$WORK/e2e/zips/$UUID.shell-extension.zip" "$ARTIFACTS/"
    "$REPO/scripts/check-zip.sh" "$ARTIFACTS/$UUID.shell-extension.zip"
    mkdir -p "$WORK/home" && install -d -m 0700 "$WORK/runtime"
    rc=0
    timeout -k 10 "${SESSION_TIMEOUT:-300}" env -i HOME="$WORK/home" USER="$(id -un)" LANG=C.UTF-8 \
        PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$WORK/runtime" E2E="$WORK/e2e" UUID="$UUID" \
        E2E_DRIVER="${E2E_DRIVER:-driver}" E2E_CORPUS="${E2E_CORPUS:-}" \
        dbus-run-session -- "$WORK/e2e/session.sh" > "$ARTIFACTS/session.log" 2>&1 || rc=$?
    collect "$WORK/e2e" || rc=1
    ((rc == 0)) && log "E2E PASSED; artifacts in $ARTIFACTS" || { tail -n 30 "$ARTIFACTS/session.log" >&2; log "E2E FAILED"; }
    exit "$rc"
fi

[[ $(id -u) -eq 0 ]] || die "no GNOME Shell 45+ on this machine, and the chroot needs root: run as root"
mkdir -p "$E2E_DIR"
E2E_DIR=$(cd "$E2E_DIR" && pwd -P)   # canonical: compared with /proc/PID/root and /proc/mounts
ROOT=$E2E_DIR/root
exec 9>"$E2E_DIR/.lock"
flock -n 9 || die "another e2e run holds $E2E_DIR/.lock"

MOUNTS=()
CHILD=
# Long commands run in the background and are waited for, so that signals tear down at once.
run_child() {
    local rc=0 logfile=$1; shift
    "$@" > "$logfile" 2>&1 &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=
    return "$rc"
}
domount() {
    local target=$1; shift
    mkdir -p "$target"
    mount "$@" "$target"
    MOUNTS+=("$target")
    # On systemd hosts / is a shared mount: keep our mounts from propagating back.
    if [[ " $* " == *" --bind "* ]]; then mount --make-rslave "$target"; fi
}
mount_chroot() {
    domount "$ROOT/proc" -t proc proc
    domount "$ROOT/sys" -t sysfs -o ro sysfs
    domount "$ROOT/dev" --bind /dev
    domount "$ROOT/dev/pts" --bind /dev/pts
    domount "$ROOT/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev tmpfs
    # An empty /run: without /run/systemd/seats the shell uses its dummy login manager.
    domount "$ROOT/run" -t tmpfs -o mode=755,nosuid tmpfs
    domount "$ROOT/tmp" -t tmpfs -o mode=1777,nosuid tmpfs
}
chroot_pids() {
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$ROOT" ]] && echo "${p#/proc/}"
    done
    return 0
}
cleanup() {
    local rc=$? pids i
    [[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null
    pids=$(chroot_pids)
    if [[ -n $pids ]]; then
        kill -TERM $pids 2>/dev/null || true
        sleep 2
        pids=$(chroot_pids)
        [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
    fi
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || log "could not unmount ${MOUNTS[i]}"
    done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Mounts left by an interrupted run.
awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" || true; done

# --- 1. the chroot (built once, then reused) ------------------------------------------------
if [[ ! -e $ROOT/.e2e-ready ]]; then
    rm -rf --one-file-system "$ROOT"
    command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
    log "debootstrap --variant=minbase trixie (about 1 min)"
    run_child "$E2E_DIR/debootstrap.log" debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" ||
        die "debootstrap failed, see $E2E_DIR/debootstrap.log"
    printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"   # never start services in the chroot
    chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    chroot "$ROOT" useradd -m -u "$E2E_UID" -s /bin/bash e2e
    touch "$ROOT/.e2e-ready"
fi
mount_chroot
if [[ "$(cat "$ROOT/.e2e-packages" 2>/dev/null)" != "${PKGS[*]}" ]]; then
    log "installing GNOME Shell and friends in the chroot (about 2 min the first time)"
    run_child "$E2E_DIR/apt-chroot.log" chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get update -qq && apt-get install -y -q --no-install-recommends ${PKGS[*]} && apt-get clean" ||
        die "apt-get in the chroot failed, see $E2E_DIR/apt-chroot.log"
    echo "${PKGS[*]}" > "$ROOT/.e2e-packages"
fi
log "GNOME Shell in the chroot: $(chroot "$ROOT" gnome-shell --version)"

# --- 2. stage, pack and check the zip ---------------------------------------------------------
stage "$ROOT/e2e"
chroot "$ROOT" sh -c "$(pack_commands /e2e)" || die "gnome-extensions pack failed"
cp "$ROOT/e2e/zips/$UUID.shell-extension.zip" "$ARTIFACTS/"
"$REPO/scripts/check-zip.sh" "$ARTIFACTS/$UUID.shell-extension.zip"

# --- 3. the headless session -----------------------------------------------------------------
CORPUS_IN_ROOT=
if [[ -n ${E2E_CORPUS:-} ]]; then
    domount "$ROOT/e2e-corpus" --bind "$E2E_CORPUS"
    CORPUS_IN_ROOT=/e2e-corpus
fi
install -d -m 0700 -o "$E2E_UID" -g "$E2E_UID" "$ROOT/run/user/$E2E_UID"
rm -rf "$ROOT/home/e2e" && install -d -m 0755 -o "$E2E_UID" -g "$E2E_UID" "$ROOT/home/e2e"
chown -R "$E2E_UID:$E2E_UID" "$ROOT/e2e/out"
log "running the headless GNOME Shell session"
rc=0
# XDG_RUNTIME_DIR goes to dbus-run-session itself: D-Bus-activated services (the prefs
# window, gnome-extensions) need it to find the compositor.
run_child "$ARTIFACTS/session.log" timeout -k 10 "${SESSION_TIMEOUT:-300}" \
    chroot --userspec="$E2E_UID:$E2E_UID" --groups="$E2E_UID" "$ROOT" /usr/bin/env -i \
        HOME=/home/e2e USER=e2e LOGNAME=e2e SHELL=/bin/bash LANG=C.UTF-8 UUID="$UUID" E2E=/e2e \
        E2E_DRIVER="${E2E_DRIVER:-driver}" E2E_CORPUS="$CORPUS_IN_ROOT" \
        PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$E2E_UID" \
        dbus-run-session -- /e2e/session.sh || rc=$?
collect "$ROOT/e2e" || rc=1
if ((rc == 0)); then
    log "E2E PASSED; artifacts in $ARTIFACTS"
else
    tail -n 30 "$ARTIFACTS/session.log" >&2 || true
    log "E2E FAILED (exit $rc); logs in $ARTIFACTS"
fi
exit "$rc"
