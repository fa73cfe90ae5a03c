#!/usr/bin/env bash
# Extracts translatable strings from the compiled sources into po/ai-usage-meter.pot.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p .
find build/src -name '*.js' | sort > build/POTFILES
xgettext --from-code=UTF-8 --language=JavaScript --keyword=_ --keyword=ngettext:1,2 \
    --package-name=ai-usage-meter --output=po/ai-usage-meter.pot --files-from=build/POTFILES
xgettext --join-existing --output=po/ai-usage-meter.pot schemas/*.gschema.xml
sed -i 's#build/src/#src/#' po/ai-usage-meter.pot
echo "po/ai-usage-meter.pot: $(grep -c '^msgid ' po/ai-usage-meter.pot) strings"
