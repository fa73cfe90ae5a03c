#!/usr/bin/env bash
# Fails when the extension zip holds anything but runtime files, or misses one.
set -euo pipefail
zip=${1:?usage: check-zip.sh EXTENSION.zip}
mapfile -t entries < <(unzip -Z1 "$zip" | grep -v '/$')
bad=0
for entry in "${entries[@]}"; do
    case $entry in
        extension.js | prefs.js | metadata.json | stylesheet.css) ;;
        schemas/org.gnome.shell.extensions.*.gschema.xml) ;;
        core/*.js | shell/*.js | prefs/*.js | cli/*.js) ;;
        locale/*/LC_MESSAGES/*.mo) ;;
        *) echo "check-zip: not a runtime file: $entry" >&2; bad=1 ;;
    esac
done
for required in extension.js prefs.js metadata.json stylesheet.css; do
    printf '%s\n' "${entries[@]}" | grep -qx "$required" || { echo "check-zip: missing $required" >&2; bad=1; }
done
printf '%s\n' "${entries[@]}" | grep -q '^schemas/.*\.gschema\.xml$' || { echo "check-zip: missing the schema" >&2; bad=1; }
((bad == 0)) && echo "check-zip: ${#entries[@]} runtime files, nothing else"
exit "$bad"
