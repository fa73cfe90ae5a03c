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
