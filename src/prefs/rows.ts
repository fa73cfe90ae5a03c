// Rows and messages the preferences' groups share: an account's name in the menu, a row that
// starts something, an account whose token is in the keyring, a toast.

import Adw from 'gi://Adw';
import GLib from 'gi://GLib';
import Gtk from 'gi://Gtk';

import {_, format} from '../core/i18n.js';
import {Keys, type Settings} from '../core/settings.js';

/** An entry for the name an account gets in the menu, saved in `account-names`. */
export function accountNameRow(settings: Settings, nameKey: string): Adw.EntryRow {
    const entry = new Adw.EntryRow({title: _('Name in the menu (instead of the e-mail)'), show_apply_button: true,
        text: settings.get(Keys.accountNames)[nameKey] ?? ''});
    entry.connect('apply', () => {
        const name = entry.text.trim();
        settings.setEntry(Keys.accountNames, nameKey, name === '' ? null : name);
    });
    return entry;
}

/** A row that starts something: "Add a folder…", "Sign in…". */
export function startRow(title: string, subtitle: string, onActivate: () => void): Adw.ActionRow {
    const row = new Adw.ActionRow({title, subtitle, activatable: true});
    row.add_suffix(new Gtk.Image({icon_name: 'list-add-symbolic'}));
    row.connect('activated', onActivate);
    return row;
}

/** An account whose token we keep in the keyring: whether it is there, a name for the menu, "Sign out". */
export function keyringAccountRow(settings: Settings, nameKey: string, title: string, tokenPresent: Promise<boolean>,
    presentText: string, onSignOut: () => void): Adw.ExpanderRow {
    const row = new Adw.ExpanderRow({title: GLib.markup_escape_text(title, -1), subtitle: _('Checking the keyring…')});
    tokenPresent.then(present => {
        row.subtitle = present ? presentText : _('No token in the keyring: sign in again');
    }).catch((error: unknown) => {
        row.subtitle = GLib.markup_escape_text(format(_('The keyring is not reachable: %s'), String(error)), -1);
    });
    row.add_row(accountNameRow(settings, nameKey));
    const signOut = new Adw.ActionRow({title: _('Sign out'), subtitle: _('Removes the token from the keyring')});
    const button = new Gtk.Button({icon_name: 'system-log-out-symbolic', valign: Gtk.Align.CENTER,
        tooltip_text: _('Sign out'), css_classes: ['flat', 'destructive-action']});
    button.connect('clicked', onSignOut);
    signOut.add_suffix(button);
    row.add_row(signOut);
    return row;
}

/** Shows a short message at the bottom of the preferences window. */
export function toast(widget: Gtk.Widget, message: string): void {
    const root = widget.get_root();
    if (root instanceof Adw.PreferencesWindow)
        root.add_toast(new Adw.Toast({title: message, timeout: 6}));
}
