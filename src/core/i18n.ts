// Translations for core strings. The extension binds this domain to its locale folder
// (Extension.initTranslations); the CLI binds it itself.

import Gettext from 'gettext';

export const GETTEXT_DOMAIN = 'ai-usage-meter';

const domain = Gettext.domain(GETTEXT_DOMAIN);

export const _ = (msgid: string): string => domain.gettext(msgid);
export const ngettext = (singular: string, plural: string, n: number): string =>
    domain.ngettext(singular, plural, n);

/**
 * Fills `%s`/`%d` placeholders in order, like the Shell's String.prototype.format, which
 * plain gjs (CLI, tests, prefs) does not have.
 */
export function format(template: string, ...args: (string | number)[]): string {
    let index = 0;
    return template.replace(/%[sd%]/g, token => {
        if (token === '%%')
            return '%';
        const value = args[index++];
        return value === undefined ? token : String(value);
    });
}

/**
 * The translated label `labels` has for `key`, a name read from a provider's data; null when it
 * has none. Only the table's own entries count: a key such as "constructor" or "__proto__" in the
 * data is no label (looked up plainly, it found Object's own functions).
 */
export function labelFor(labels: Readonly<Record<string, () => string>>, key: string): string | null {
    return Object.hasOwn(labels, key) ? labels[key]?.() ?? null : null;
}
