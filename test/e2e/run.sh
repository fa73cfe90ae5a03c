#!/usr/bin/env bash
# End-to-end test of the packed extension in real, headless GNOME Shells, each in its own cached
# Debian chroot: 48 (trixie), 50 (forky) and 51 (sid). Needs root (debootstrap, chroot, mount).
#
#   npm run test:e2e                    packs, then runs every Shell of E2E_SHELLS
#   E2E_SHELLS="51" npm run test:e2e    one Shell only (default: "48 50 51")
# Missing chroots are built first, side by side (about 3–4 min on a fresh machine), then the
# sessions run one after another. E2E_DRIVER=stallProbe E2E_CORPUS=DIR runs the main-loop
# benchmark of `npm run bench` instead of the tests. Artifacts: build/e2e/<shell>/.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
read -r -a SHELLS <<<"${E2E_SHELLS:-48 50 51}"
HERE=$REPO/test/e2e
log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { log "ERROR: the chroots need root (debootstrap, chroot, mount): run as root"; exit 1; }
mkdir -p "$REPO/build/e2e"

# 1. Chroots, built in parallel (mostly downloads); each prints its own failure, naming its Shell.
declare -A BUILD_RC BUILD_SECONDS
pids=()
for shell in "${SHELLS[@]}"; do
    (
        start=$SECONDS
        rc=0
        bash "$HERE/chroot.sh" build "$shell" || rc=$?
        echo "$rc $((SECONDS - start))" > "$REPO/build/e2e/.build-$shell"
    ) &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for shell in "${SHELLS[@]}"; do
    read -r BUILD_RC[$shell] BUILD_SECONDS[$shell] < "$REPO/build/e2e/.build-$shell"
    rm -f "$REPO/build/e2e/.build-$shell"
done

# 2. The sessions, one at a time (each Shell renders in software and wants both cores).
declare -A RUN_RC RUN_SECONDS
for shell in "${SHELLS[@]}"; do
    RUN_RC[$shell]=-
    RUN_SECONDS[$shell]=0
    ((BUILD_RC[$shell] == 0)) || continue
    start=$SECONDS
    rc=0
    bash "$HERE/chroot.sh" run "$shell" || rc=$?
    RUN_RC[$shell]=$rc
    RUN_SECONDS[$shell]=$((SECONDS - start))
done

# 3. One line per Shell: what ran, how long the chroot and the session took, the counts.
failed=0
printf '\n%-10s %-30s %-16s %-8s %s\n' shell version chroot session result >&2
for shell in "${SHELLS[@]}"; do
    session=$REPO/build/e2e/$shell/session.log
    version=$(grep -o 'GNOME Shell [0-9][0-9.]*' "$session" 2>/dev/null | head -1 || true)
    counts=$(grep -o '^e2e: [0-9]* passed, [0-9]* failed' "$session" 2>/dev/null | tail -1 || true)
    if ((BUILD_RC[$shell] != 0)); then
        result="chroot build FAILED"
        failed=1
    elif [[ ${RUN_RC[$shell]} != 0 ]]; then
        result="FAILED (${counts:-no result})"
        failed=1
    else
        result="passed (${counts#e2e: })"
    fi
    printf '%-10s %-30s %-16s %-8s %s\n' "$shell" "${version:-?}" "${BUILD_SECONDS[$shell]} s" "${RUN_SECONDS[$shell]} s" "$result" >&2
done
exit "$failed"
