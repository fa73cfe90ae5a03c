#!/bin/bash
# Runs as the unprivileged test user inside dbus-run-session, with a throw-away HOME, in the
# chroot of one GNOME Shell of the matrix (E2E=/e2e, staged by chroot.sh).
# Installs the packed zip, prepares a fake HOME and hands over to the gjs driver.
set -euo pipefail
: "${E2E:?}" "${UUID:?}"
SYSBUS_PID=
trap '[[ -n $SYSBUS_PID ]] && kill "$SYSBUS_PID" 2>/dev/null; true' EXIT

read -r DBUS_SYSTEM_BUS_ADDRESS SYSBUS_PID < <(dbus-daemon --config-file="$E2E/fake-system-bus.conf" \
    --fork --print-address=1 --print-pid=1 | paste -sd' ')
export DBUS_SYSTEM_BUS_ADDRESS

gsettings set org.gnome.shell welcome-dialog-last-shown-version '999'
gsettings set org.gnome.desktop.interface enable-animations false
mkdir -p ~/.local/share/gnome-shell
touch ~/.local/share/gnome-shell/lock-warning-shown

# Extensions must be installed before the shell starts: a running Wayland shell does not rescan.
# Ours the way the README tells users to (scripts/install.sh, here given the packed zip); it
# enables the extension for the next login and puts the command line on the PATH.
"$E2E/scripts/install.sh" "$E2E/zips/$UUID.shell-extension.zip" > "$E2E/out/install.log" 2>&1
gsettings get org.gnome.shell enabled-extensions > "$E2E/out/enabled-after-install.txt"
UNSAFE=e2e-unsafe-mode@ai-usage-meter.test
install -d ~/.local/share/gnome-shell/extensions/$UNSAFE
cp "$E2E/unsafe-mode/"* "$E2E/build/test/e2e/shellProbe.js" ~/.local/share/gnome-shell/extensions/$UNSAFE/
# Only the test helper starts enabled; the driver enables ours on the live shell, as a user would.
gsettings set org.gnome.shell enabled-extensions "['$UNSAFE']"

# Every secret below carries the canary E2ECANARY (see canary.ts): the driver checks at the end
# that it never shows up in a log, a file, dconf, the menu or the CLI's output.
canaried() { sed -e 's/FIXTURE/E2ECANARY/g' -e 's/c2lnbmF0dXJl/E2ECANARY-c2lnbmF0dXJl/g' "$E2E/test/fixtures/$1"; }
umask 077
# Claude Code's sign-in, as Claude Code writes it (the meter must only ever read it).
mkdir -p ~/.claude ~/work-claude ~/.codex ~/.gemini
canaried claude/credentials.json > ~/.claude/.credentials.json
# A second Claude Code folder (CLAUDE_CONFIG_DIR=~/work-claude), signed in to another account.
canaried claude/credentials-work.json > ~/work-claude/.credentials.json
# …and the Codex CLI's.
canaried codex/auth.json > ~/.codex/auth.json
# …and the Gemini CLI's, with an expired access token: the meter must refresh it in memory only.
canaried gemini/oauth_creds-expired.json > ~/.gemini/oauth_creds.json
umask 022

# A keyring (real libsecret) holding the GitHub token our own sign-in would have stored, and the
# login in the settings (written through a schema compiled for gsettings, as the Shell reads it).
printf '\n' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
KEYRING_PID=$!
trap '[[ -n $SYSBUS_PID ]] && kill "$SYSBUS_PID" 2>/dev/null; kill "$KEYRING_PID" 2>/dev/null; true' EXIT
for _ in $(seq 50); do
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true && break
    sleep 0.1
done
printf '%s' gho_E2ECANARY_E2E_OCTOCAT | secret-tool store --label='AI Usage Meter: GitHub token for octocat' \
    xdg:schema org.gnome.shell.extensions.ai-usage-meter provider copilot account octocat
# A Claude account signed in from the preferences (our own sign-in): expired, so the extension
# must refresh it and store the rotated refresh token in the keyring.
printf '%s' '{"accessToken":"sk-ant-oat01-E2ECANARY-OWN-EXPIRED","refreshToken":"rt-E2ECANARY-OWN-1","expiresAt":1700000000000,"idToken":null}' |
    secret-tool store --label='AI Usage Meter: claude sign-in' \
        xdg:schema org.gnome.shell.extensions.ai-usage-meter provider claude account e2eown
# An OpenAI Admin key stored from the preferences (the Anthropic one comes from the environment).
printf '%s' sk-admin-E2ECANARY-E2E-OPENAI | secret-tool store --label='AI Usage Meter: OpenAI API key' \
    xdg:schema org.gnome.shell.extensions.ai-usage-meter provider openai account admin-key
# …and a GitHub token for the Copilot organisation metrics.
printf '%s' ghp_E2ECANARY_E2E_ORG_TOKEN_000000 | secret-tool store --label='AI Usage Meter: Copilot organisation token' \
    xdg:schema org.gnome.shell.extensions.ai-usage-meter provider copilot-org account admin-key
SCHEMAS=$(mktemp -d)
glib-compile-schemas --targetdir="$SCHEMAS" ~/.local/share/gnome-shell/extensions/"$UUID"/schemas
gsettings --schemadir "$SCHEMAS" set org.gnome.shell.extensions.ai-usage-meter copilot-accounts "['octocat']"
# A $15 budget for OpenAI (the fixtures spend $11.75 today: 78%, the warning level).
gsettings --schemadir "$SCHEMAS" set org.gnome.shell.extensions.ai-usage-meter budgets "{'openai': 15.0}"

# A stand-in web browser that records the pages the extension opens.
mkdir -p ~/.local/share/applications ~/.config
cat > ~/.local/share/applications/e2e-browser.desktop <<DESKTOP
[Desktop Entry]
Type=Application
Name=E2E browser
Exec=sh -c 'echo "\$1" >> $E2E/out/opened-urls.txt' sh %u
MimeType=x-scheme-handler/http;x-scheme-handler/https;
NoDisplay=true
DESKTOP
printf '[Default Applications]\nx-scheme-handler/https=e2e-browser.desktop\nx-scheme-handler/http=e2e-browser.desktop\n' \
    > ~/.config/mimeapps.list

# E2E_DRIVER=stallProbe: the main-loop benchmark of `npm run bench` instead of the tests.
exec gjs -m "$E2E/build/test/e2e/${E2E_DRIVER:-driver}.js"
