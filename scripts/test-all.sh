#!/usr/bin/env bash
# Runs every test: lint, the build (tsc type-checks as it compiles), unit specs under gjs, the
# review check's own specs, pack (with the review check on the zip), and the end-to-end suite in
# real headless GNOME Shells 48, 50 and 51. On a fresh Debian/Ubuntu machine it installs what it
# needs (apt-get as root, npm ci); the e2e needs root (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - start)); }

HOST_PKGS=(gjs gir1.2-soup-3.0 gir1.2-secret-1 gnome-keyring libsecret-tools dbus libglib2.0-bin gettext debootstrap openssl)
step "system packages"
missing=()
for pkg in "${HOST_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) or run this as root." >&2
        exit 1
    fi
fi

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "lint"
npx eslint --max-warnings=0 .
step "build (tsc: type-check and compile)"
npm run --silent build
step "unit specs (gjs $(gjs --version | cut -d' ' -f2))"
bash test/unit.sh | tee build/unit.log
step "review check specs (node)"
node --test test/scripts/ 2>&1 | tee build/scripts.log | grep -E '^# (pass|fail)|^not ok' || true
grep -q '^# fail 0$' build/scripts.log || { echo "review check specs failed, see build/scripts.log" >&2; exit 1; }
step "pack and review the zip"
node scripts/pack.mjs

step "end-to-end in real headless GNOME Shells (${E2E_SHELLS:-48 50 51})"
bash test/e2e/run.sh
step "all tests passed"
# One closing line over every suite (each log ends with "NAME: N passed, N failed").
total() {
    { grep -ho '^[a-z0-9]*: [0-9]* passed, [0-9]* failed' build/unit.log build/e2e/*/session.log
      sed -n 's/^# pass \([0-9]*\)$/review: \1 passed/p; s/^# fail \([0-9]*\)$/review: 0 passed, \1 failed/p' build/scripts.log; } |
        awk '{p += $2; f += ($4 == "" ? 0 : $4)} END {printf "total: %d passed, %d failed\n", p, f}'
}
total
