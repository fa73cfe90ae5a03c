#!/usr/bin/env bash
# End-to-end test of the packed extension inside a real, headless GNOME Shell 48.
# Debian 12 ships GNOME Shell 43, so this builds a Debian trixie chroot once (~4 min, cached
# under $E2E_CACHE) and runs the shell there on private D-Bus buses. Needs root.
#
#   sudo test/e2e/run.sh            (after `npm run build`)
# Artifacts (screenshots, logs, the zip): build/e2e/
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
E2E_DIR=${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-usage-meter-e2e}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
E2E_UID=1000
UUID=$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' "$REPO/metadata.json")
ARTIFACTS=$REPO/build/e2e
# gnome-shell pulls in mutter, gjs, dconf…; mesa renders headless through llvmpipe;
# gettext provides msgfmt for `gnome-extensions pack --podir`.
PKGS=(gnome-shell gjs dbus-daemon libglib2.0-bin libegl-mesa0 libgl1-mesa-dri fonts-cantarell
      adwaita-icon-theme gnome-keyring libsecret-tools gir1.2-soup-3.0 gir1.2-secret-1 gir1.2-adw-1 gettext)

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and mount need it)"
[[ -f $REPO/build/extension/metadata.json ]] || die "run 'npm run build' first"
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
rm -rf "$ROOT/e2e" "$ARTIFACTS"
mkdir -p "$ROOT/e2e/zips" "$ROOT/e2e/out" "$ARTIFACTS"
cp -r "$REPO/build/extension" "$ROOT/e2e/extension"
cp -r "$REPO/po" "$ROOT/e2e/po"
cp -r "$REPO/test/e2e/unsafe-mode" "$ROOT/e2e/unsafe-mode"
mkdir -p "$ROOT/e2e/test" && cp -r "$REPO/test/fixtures" "$ROOT/e2e/test/fixtures"
mkdir -p "$ROOT/e2e/build" && cp -r "$REPO/build/test" "$ROOT/e2e/build/test"
cp "$REPO/test/e2e/session.sh" "$REPO/test/e2e/fake-system-bus.conf" "$ROOT/e2e/"
chroot "$ROOT" sh -c "cd /e2e/extension && gnome-extensions pack --force --out-dir=/e2e/zips \
    --extra-source=core --extra-source=shell --extra-source=prefs --podir=/e2e/po . &&
    gnome-extensions pack --force --out-dir=/e2e/zips /e2e/unsafe-mode" ||
    die "gnome-extensions pack failed"
cp "$ROOT/e2e/zips/$UUID.shell-extension.zip" "$ARTIFACTS/"
"$REPO/scripts/check-zip.sh" "$ARTIFACTS/$UUID.shell-extension.zip"

# --- 3. the headless session -----------------------------------------------------------------
install -d -m 0700 -o "$E2E_UID" -g "$E2E_UID" "$ROOT/run/user/$E2E_UID"
rm -rf "$ROOT/home/e2e" && install -d -m 0755 -o "$E2E_UID" -g "$E2E_UID" "$ROOT/home/e2e"
chown -R "$E2E_UID:$E2E_UID" "$ROOT/e2e/out"
log "running the headless GNOME Shell session"
rc=0
# XDG_RUNTIME_DIR goes to dbus-run-session itself: D-Bus-activated services (the prefs
# window, gnome-extensions) need it to find the compositor.
run_child "$ARTIFACTS/session.log" timeout -k 10 "${SESSION_TIMEOUT:-300}" \
    chroot --userspec="$E2E_UID:$E2E_UID" --groups="$E2E_UID" "$ROOT" /usr/bin/env -i \
        HOME=/home/e2e USER=e2e LOGNAME=e2e SHELL=/bin/bash LANG=C.UTF-8 UUID="$UUID" \
        PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$E2E_UID" \
        dbus-run-session -- /e2e/session.sh || rc=$?
cp -r "$ROOT/e2e/out/." "$ARTIFACTS/" 2>/dev/null || true
grep -E '^(PASS|FAIL|INFO)|passed, .* failed' "$ARTIFACTS/session.log" >&2 || true
if ((rc == 0)); then
    log "E2E PASSED; artifacts in $ARTIFACTS"
else
    tail -n 30 "$ARTIFACTS/session.log" >&2 || true
    log "E2E FAILED (exit $rc); logs in $ARTIFACTS"
fi
exit "$rc"
