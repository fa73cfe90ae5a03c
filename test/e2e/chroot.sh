#!/usr/bin/env bash
# One GNOME Shell of the end-to-end matrix, in its own Debian chroot (built once, then cached):
#   chroot.sh build SHELL    builds the chroot if it is missing or its package list changed
#   chroot.sh run SHELL      runs the e2e session in it (the chroot must be built)
# SHELL is 48 (Debian trixie), 50 (forky) or 51 (sid). Needs root: debootstrap, chroot, mount.
# The cache is $E2E_CACHE (default ~/.cache/ai-usage-meter-e2e)/<shell>-<suite>/root.
set -euo pipefail

ACTION=${1:?usage: chroot.sh build|run SHELL}
SHELL_MAJOR=${2:?usage: chroot.sh build|run SHELL}
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
case $SHELL_MAJOR in
    48) SUITE=trixie ;;
    50) SUITE=forky ;;
    51) SUITE=sid ;;
    *) echo "chroot.sh: no chroot is defined for GNOME Shell $SHELL_MAJOR (48, 50 or 51)" >&2; exit 2 ;;
esac
NAME="GNOME Shell $SHELL_MAJOR (Debian $SUITE)"
UUID=$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' "$REPO/metadata.json")
ZIP=$REPO/build/$UUID.shell-extension.zip
ARTIFACTS=$REPO/build/e2e/$SHELL_MAJOR
CACHE=${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-usage-meter-e2e}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
E2E_UID=1000
# gnome-shell pulls in mutter, gjs, dconf…; mesa renders headless through llvmpipe; dconf-cli
# for the canary search in `dconf dump /`.
PKGS=(gnome-shell gjs dbus-daemon libglib2.0-bin libegl-mesa0 libgl1-mesa-dri fonts-cantarell
      adwaita-icon-theme gnome-keyring libsecret-tools gir1.2-soup-3.0 gir1.2-secret-1 gir1.2-adw-1 gir1.2-gdkpixbuf-2.0 dconf-cli)

log() { printf '[e2e %s %(%H:%M:%S)T] %s\n' "$SHELL_MAJOR" -1 "$*" >&2; }
die() { log "ERROR: $NAME: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "the chroot needs root (debootstrap, chroot, mount): run as root"

mkdir -p "$CACHE/$SHELL_MAJOR-$SUITE"
DIR=$(cd "$CACHE/$SHELL_MAJOR-$SUITE" && pwd -P)   # canonical: compared with /proc/PID/root and /proc/mounts
ROOT=$DIR/root
exec 9>"$DIR/.lock"
flock -n 9 || die "another e2e run holds $DIR/.lock"

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

# The apt errors of a failed step, for the failure message (sid moves daily: name what broke).
apt_errors() { grep -E '^(E|W): |^ [^ ].* but .* is to be installed|unmet dependencies|^dpkg: error' "$1" | tail -n 8; }

build_chroot() {
    if [[ ! -e $ROOT/.e2e-base ]]; then
        rm -rf --one-file-system "$ROOT"
        command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
        # Debian 12's debootstrap has no script for forky; forky and sid both use the sid script.
        local script=()
        [[ $SUITE == trixie ]] || script=(/usr/share/debootstrap/scripts/sid)
        log "debootstrap --variant=minbase $SUITE (about 1 min)"
        run_child "$DIR/debootstrap.log" debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" "${script[@]}" ||
            die "debootstrap $SUITE failed: $(grep -E '^(E|W):' "$DIR/debootstrap.log" | tail -n 5) (full log: $DIR/debootstrap.log)"
        printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"   # never start services in the chroot
        chmod 755 "$ROOT/usr/sbin/policy-rc.d"
        # Testing and unstable Release files can be past Valid-Until on the mirror.
        echo 'Acquire::Check-Valid-Until "false";' > "$ROOT/etc/apt/apt.conf.d/99e2e-valid-until"
        # A throw-away test system: no fsync per package, no manuals, docs or translations.
        printf 'force-unsafe-io\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/doc/*\npath-exclude=/usr/share/locale/*\n' \
            > "$ROOT/etc/dpkg/dpkg.cfg.d/99e2e"
        chroot "$ROOT" useradd -m -u "$E2E_UID" -s /bin/bash e2e
        touch "$ROOT/.e2e-base"
    fi
    if [[ "$(cat "$ROOT/.e2e-packages" 2>/dev/null)" != "${PKGS[*]}" ]]; then
        mount_chroot
        log "installing GNOME Shell and friends from $SUITE (about 2–3 min the first time)"
        # --no-upgrade: a package added to the list goes into a cached chroot without upgrading
        # the Shell (and whatever moved in $SUITE since) along with it.
        run_child "$DIR/apt-chroot.log" chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -c \
            "apt-get update -q && apt-get install -y -q --no-install-recommends --no-upgrade ${PKGS[*]} && apt-get clean" ||
            die "apt-get in the chroot failed:
$(apt_errors "$DIR/apt-chroot.log")
(full log: $DIR/apt-chroot.log)"
        echo "${PKGS[*]}" > "$ROOT/.e2e-packages"
    fi
    local version
    version=$(chroot "$ROOT" gnome-shell --version 2>/dev/null) || die "gnome-shell does not run in the chroot"
    [[ $version == "GNOME Shell $SHELL_MAJOR."* ]] ||
        die "the chroot has $version, not GNOME Shell $SHELL_MAJOR ($SUITE moved on: update the matrix in test/e2e/chroot.sh)"
    log "ready: $version"
}

# Lays out what the session needs under $ROOT/e2e, mirroring the repository.
stage() {
    local dir=$ROOT/e2e
    rm -rf "$dir" && mkdir -p "$dir/zips" "$dir/out" "$dir/build" "$dir/test" "$dir/scripts"
    cp "$ZIP" "$dir/zips/"
    cp "$REPO/scripts/install.sh" "$dir/scripts/"
    cp -r "$REPO/test/e2e/unsafe-mode" "$dir/unsafe-mode"
    cp -r "$REPO/test/fixtures" "$dir/test/fixtures"
    cp -r "$REPO/build/test" "$REPO/build/src" "$dir/build/"   # the driver uses test/support, which uses src/core
    cp "$REPO/test/e2e/session.sh" "$REPO/test/e2e/fake-system-bus.conf" "$dir/"
}

run_session() {
    [[ -f $ZIP ]] || die "no $ZIP: run npm run pack first"
    [[ -e $ROOT/.e2e-packages ]] || die "the chroot is not built: chroot.sh build $SHELL_MAJOR"
    mount_chroot
    rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS"
    stage
    local corpus=
    if [[ -n ${E2E_CORPUS:-} ]]; then
        domount "$ROOT/e2e-corpus" --bind "$E2E_CORPUS"
        corpus=/e2e-corpus
    fi
    install -d -m 0700 -o "$E2E_UID" -g "$E2E_UID" "$ROOT/run/user/$E2E_UID"
    rm -rf "$ROOT/home/e2e" && install -d -m 0755 -o "$E2E_UID" -g "$E2E_UID" "$ROOT/home/e2e"
    chown -R "$E2E_UID:$E2E_UID" "$ROOT/e2e/out"
    log "running the headless session in $(chroot "$ROOT" gnome-shell --version)"
    local rc=0
    # XDG_RUNTIME_DIR goes to dbus-run-session itself: D-Bus-activated services (the prefs
    # window, gnome-extensions) need it to find the compositor.
    run_child "$ARTIFACTS/session.log" timeout -k 10 "${SESSION_TIMEOUT:-900}" \
        chroot --userspec="$E2E_UID:$E2E_UID" --groups="$E2E_UID" "$ROOT" /usr/bin/env -i \
            HOME=/home/e2e USER=e2e LOGNAME=e2e SHELL=/bin/bash LANG=C.UTF-8 UUID="$UUID" E2E=/e2e \
            E2E_SHELL="$SHELL_MAJOR" E2E_LONG="${E2E_LONG:-0}" E2E_ONLY="${E2E_ONLY:-}" E2E_CYCLES="${E2E_CYCLES:-100}" E2E_REFRESHES="${E2E_REFRESHES:-1000}" E2E_WARMUP="${E2E_WARMUP:-1000}" E2E_MENU_OPENS="${E2E_MENU_OPENS:-100}" E2E_DRIVER="${E2E_DRIVER:-driver}" E2E_CORPUS="$corpus" \
            PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$E2E_UID" \
            dbus-run-session -- /e2e/session.sh || rc=$?
    cp -r "$ROOT/e2e/out/." "$ARTIFACTS/" 2>/dev/null || true
    # A prefs.js that throws still opens a window (an error page): the service log tells.
    if grep -E 'Failed to open preferences|JS ERROR' "$ARTIFACTS/session.log" >&2; then
        log "the session logged JavaScript errors"
        rc=1
    fi
    if ((rc == 0)); then
        log "PASSED; artifacts in $ARTIFACTS"
    else
        grep -E '^FAIL' "$ARTIFACTS/session.log" >&2 || tail -n 30 "$ARTIFACTS/session.log" >&2 || true
        log "FAILED (exit $rc); logs in $ARTIFACTS"
    fi
    return "$rc"
}

case $ACTION in
    build) build_chroot ;;
    run) run_session ;;
    *) die "unknown action $ACTION (build or run)" ;;
esac
