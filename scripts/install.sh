#!/usr/bin/env bash
# Installs AI Usage Meter into your GNOME Shell and the `ai-usage-meter` command into ~/.local/bin.
#   scripts/install.sh          from a clone: installs the build tools it lacks, builds, packs, installs
#   scripts/install.sh ZIP      installs a packed zip (what the end-to-end test runs in each Shell)
set -euo pipefail
cd "$(dirname "$0")/.."
UUID=ai-usage-meter@ai-usage-meter.github.io
say() { printf '%s\n' "$*"; }

# The tools a build needs, by command, and the package that has it on common distributions.
ensure_tools() {
    local -A apt=([node]=nodejs [npm]=npm [gjs]=gjs [msgfmt]=gettext [gnome-extensions]=gnome-shell)
    local -A dnf=([node]=nodejs [npm]=npm [gjs]=gjs [msgfmt]=gettext [gnome-extensions]=gnome-shell)
    local -A pacman=([node]=nodejs [npm]=npm [gjs]=gjs [msgfmt]=gettext [gnome-extensions]=gnome-shell)
    local missing=() tool
    for tool in node npm gjs msgfmt gnome-extensions; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) && return 0
    local pkgs=() install=()
    if command -v apt-get >/dev/null; then
        for tool in "${missing[@]}"; do pkgs+=("${apt[$tool]}"); done
        install=(apt-get install -y "${pkgs[@]}")
    elif command -v dnf >/dev/null; then
        for tool in "${missing[@]}"; do pkgs+=("${dnf[$tool]}"); done
        install=(dnf install -y "${pkgs[@]}")
    elif command -v pacman >/dev/null; then
        for tool in "${missing[@]}"; do pkgs+=("${pacman[$tool]}"); done
        install=(pacman -S --needed --noconfirm "${pkgs[@]}")
    else
        say "Missing: ${missing[*]}. Install them with your package manager, then run this again." >&2
        exit 1
    fi
    say "Installing what the build needs (${missing[*]}): ${install[*]}"
    if [[ $(id -u) -eq 0 ]]; then "${install[@]}"; else sudo "${install[@]}"; fi
}

# Adds or removes UUID in one of org.gnome.shell's extension lists.
edit_list() {
    local key=$1 action=$2 current
    current=$(gsettings get org.gnome.shell "$key")
    current=${current#@as }
    if [[ $action == add && $current != *"'$UUID'"* ]]; then
        [[ $current == "[]" ]] && current="['$UUID']" || current="${current%]}, '$UUID']"
    elif [[ $action == remove && $current == *"'$UUID'"* ]]; then
        current=$(sed -e "s/'$UUID'//" -e 's/, ,/,/' -e 's/\[, */[/' -e 's/, *\]/]/' <<<"$current")
    else
        return 0
    fi
    gsettings set org.gnome.shell "$key" "$current"
}

if (($# == 0)); then
    ensure_tools
    npm ci --no-audit --no-fund --loglevel=error
    npm run --silent build
    node scripts/pack.mjs
    ZIP=build/$UUID.shell-extension.zip
else
    ZIP=$1
fi
command -v gnome-extensions >/dev/null || { say "gnome-extensions not found: is GNOME Shell 46 or newer installed?" >&2; exit 1; }
gnome-extensions install --force "$ZIP"
DIR=${XDG_DATA_HOME:-$HOME/.local/share}/gnome-shell/extensions/$UUID

# The command line runs the copy shipped inside the extension, so both always match.
mkdir -p "$HOME/.local/bin"
cat > "$HOME/.local/bin/ai-usage-meter" <<WRAPPER
#!/bin/sh
# AI Usage Meter's command line (installed by scripts/install.sh).
exec gjs -m "$DIR/cli/main.js" "\$@"
WRAPPER
chmod 755 "$HOME/.local/bin/ai-usage-meter"
case ":$PATH:" in
    *":$HOME/.local/bin:"*) ;;
    *) say "Note: ~/.local/bin is not on your PATH; add it to run ai-usage-meter." ;;
esac

# Enabled for the next login in any case; the running Shell takes it at once only if it knows it.
edit_list disabled-extensions remove
edit_list enabled-extensions add
if [[ $(gsettings get org.gnome.shell disable-user-extensions) == true ]]; then
    say "Note: user extensions are turned off (Extensions app, or: gsettings set org.gnome.shell disable-user-extensions false)."
fi
if gnome-extensions info "$UUID" 2>/dev/null | grep -q 'State: ACTIVE'; then
    say "Installed $UUID; it is enabled. A newer version replaces the running one at your next login."
elif gnome-extensions enable "$UUID" 2>/dev/null && gnome-extensions info "$UUID" 2>/dev/null | grep -q 'State: ACTIVE'; then
    say "Installed and enabled $UUID."
elif [[ ${XDG_SESSION_TYPE:-} == x11 ]]; then
    say "Installed $UUID. Restart GNOME Shell (Alt+F2, r, Enter) to load it; it is enabled."
else
    say "Installed $UUID. On Wayland, GNOME Shell loads new extensions at login: log out and back in; it is enabled."
fi
say "Command line: ai-usage-meter show | status | doctor | scan"
