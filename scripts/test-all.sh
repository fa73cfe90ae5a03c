#!/usr/bin/env bash
# Runs every test: lint, type-check, unit specs, pack + zip check, and the end-to-end test in a
# real headless GNOME Shell 48. On a fresh Debian/Ubuntu machine it installs what it needs
# (apt-get as root, npm ci). The e2e needs root (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - start)); }

HOST_PKGS=(gjs gir1.2-soup-3.0 gir1.2-secret-1 gnome-keyring libsecret-tools dbus libglib2.0-bin gettext unzip debootstrap)
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
step "type-check"
npx tsc -p .
step "build"
npm run --silent build
step "unit specs (gjs $(gjs --version | cut -d' ' -f2))"
bash test/unit.sh | tee build/unit.log

step "end-to-end in a real headless GNOME Shell"
bash test/e2e/run.sh
step "all tests passed"
# One closing line over both suites (unit.log and session.log each end with "N passed, N failed").
total() { grep -ho '^[a-z0-9]*: [0-9]* passed, [0-9]* failed' build/unit.log build/e2e/session.log |
    awk '{p += $2; f += $4} END {printf "total: %d passed, %d failed\n", p, f}'; }
total
