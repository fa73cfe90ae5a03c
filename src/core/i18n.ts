// Translations for core strings. The extension binds this domain to its locale folder
// (Extension.initTranslations); the CLI binds it itself.
import Gettext from 'gettext';

export const GETTEXT_DOMAIN = 'ai-usage-meter';

const domain = Gettext.domain(GETTEXT_DOMAIN);

export const _ = (msgid: string): string => domain.gettext(msgid);
export const ngettext = (singular: string, plural: string, n: number): string =>
    domain.ngettext(singular, plural, n);
