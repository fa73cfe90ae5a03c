// One provider in the preferences: on/off, each account it found (the CLI's default sign-in and
// any folder the user added) with its status and a name for the menu, and "Add folder…".

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk';

import type {ProviderId} from '../core/contract.js';
import type {AccountsSection, SignIn} from '../core/prefsSection.js';
import {systemEnvironment} from '../core/environment.js';
import {ProviderError, isCancelled} from '../core/errors.js';
import {formatClock} from '../core/format.js';
import {_, format} from '../core/i18n.js';
import {displayPath} from '../core/provider.js';
import {Keys, enabledKey, type Settings} from '../core/settings.js';
import {accountNameKey} from '../core/usageService.js';
import {InstallRow} from './installRow.js';
import {OwnSignInRows} from './ownSignInRows.js';
import {accountNameRow, startRow, toast} from './rows.js';

Gio._promisify(Gtk.FileDialog.prototype, 'select_folder', 'select_folder_finish');

function describe(signIn: SignIn, expiredHint: string): {title: string; subtitle: string} {
    const env = systemEnvironment();
    const parts = [format(_('From %s'), displayPath(signIn.source, env))];
    if (signIn.plan !== null)
        parts.push(signIn.plan);
    if (signIn.expiresAt !== null) {
        parts.push(signIn.expiresAt > env.now()
            ? format(_('token valid until %s'), formatClock(signIn.expiresAt, env.now()))
            : expiredHint);
    }
    return {title: signIn.email ?? _('Signed in'), subtitle: parts.join(' · ')};
}

export const ProviderGroup = GObject.registerClass({GTypeName: 'AiUsageMeterProviderGroup'},
class ProviderGroup extends Adw.PreferencesGroup {
    private _rows: Adw.PreferencesRow[] = [];
    private readonly _identities = new Map<string, string>();
    private readonly _own: OwnSignInRows | null;

    constructor(private readonly _settings: Settings, private readonly _id: ProviderId,
        private readonly _section: AccountsSection, private readonly _cancellable: Gio.Cancellable) {
        super({title: _section.title, description: _section.description});
        const enabled = new Adw.SwitchRow({title: _section.switchTitle, subtitle: _section.switchSubtitle});
        _settings.bind(enabledKey(_id), enabled, 'active');
        this.add(enabled);
        if (_section.install !== undefined)
            this.add(new InstallRow(_section.install, null, _cancellable));
        const stop = _settings.onChange([Keys.accountDirs, Keys.ownSignIns], () => this._rebuild());
        this._own = _section.ownSignIn ? new OwnSignInRows(_settings, {..._section.ownSignIn, provider: _id},
            row => this._addRow(row), row => this._removeRow(row), _cancellable) : null;
        this.connect('destroy', () => {
            stop();
            this._own?.destroy();
        });
        this._rebuild();
    }

    private _folders(): string[] {
        return this._settings.get(Keys.accountDirs)[this._id] ?? [];
    }

    private _setFolders(folders: string[]): void {
        this._settings.setEntry(Keys.accountDirs, this._id, folders);
    }

    private _rebuild(): void {
        for (const row of this._rows.splice(0))
            this.remove(row);
        this._identities.clear();
        this._addAccount('default', this._section.readDefault(systemEnvironment(), this._cancellable), null);
        this._own?.build(this);
        const folder = this._section.folder;
        if (folder === undefined)
            return;
        const readFolder = folder.read;
        for (const dir of this._folders())
            this._addAccount(dir, readFolder(dir, this._cancellable), dir);
        this._addRow(startRow(folder.title,
            _('Another configuration folder of the CLI, signed in to another account'),
            () => void this._chooseFolder(readFolder)));
    }

    private _addRow(row: Adw.PreferencesRow): void {
        this._rows.push(row);
        this.add(row);
    }

    private _removeRow(row: Adw.PreferencesRow): void {
        if (!this._rows.includes(row))
            return;
        this._rows = this._rows.filter(r => r !== row);
        this.remove(row);
    }

    /** An expandable row: the sign-in found, a name for the menu, and "Remove" for added folders. */
    private _addAccount(key: string, signIn: Promise<SignIn>, folder: string | null): void {
        const row = new Adw.ExpanderRow({title: _('Checking sign-in…'), subtitle_lines: 3});
        this._addRow(row);
        if (folder !== null) {
            const remove = new Adw.ActionRow({title: _('Remove this folder'), subtitle: folder});
            const button = new Gtk.Button({icon_name: 'user-trash-symbolic', valign: Gtk.Align.CENTER,
                tooltip_text: _('Remove'), css_classes: ['flat', 'destructive-action']});
            button.connect('clicked', () => this._setFolders(this._folders().filter(f => f !== folder)));
            remove.add_suffix(button);
            row.add_row(remove);
            if (this._section.install !== undefined)
                row.add_row(new InstallRow(this._section.install, folder, this._cancellable));
        }
        signIn.then(found => {
            this._identities.set(key, found.identity);
            const {title, subtitle} = describe(found, this._section.expiredHint);
            row.title = GLib.markup_escape_text(title, -1);
            row.subtitle = GLib.markup_escape_text(subtitle, -1);
            row.add_row(accountNameRow(this._settings, accountNameKey(this._id, found.source)));
        }).catch((error: unknown) => {
            if (error instanceof ProviderError) {
                row.title = GLib.markup_escape_text(error.message, -1);
                row.subtitle = GLib.markup_escape_text(error.hint, -1);
            } else if (!isCancelled(error)) {
                console.error(`ai-usage-meter: cannot read the ${this._section.title} sign-in`, error);
            }
        });
    }

    private async _chooseFolder(readFolder: (dir: string, cancellable: Gio.Cancellable) => Promise<SignIn>): Promise<void> {
        const root = this.get_root();
        const window = root instanceof Gtk.Window ? root : null;
        let folder: string | null;
        try {
            folder = (await new Gtk.FileDialog({title: this._section.folder?.title ?? _('Add an account folder')})
                .select_folder(window, this._cancellable)).get_path();
        } catch (error) {
            if (!(error instanceof GLib.Error && error.matches(Gtk.DialogError, Gtk.DialogError.DISMISSED)) &&
                !isCancelled(error))
                console.error('ai-usage-meter: folder dialog failed', error);
            return;
        }
        if (folder === null)
            return;
        const problem = await this._whyNot(folder, readFolder);
        if (problem !== null) {
            toast(this, problem);
            return;
        }
        this._setFolders([...this._folders(), folder]);
    }

    /** Refuses a folder already listed or one that signs in to an account already shown. */
    private async _whyNot(folder: string, readFolder: (dir: string, cancellable: Gio.Cancellable) => Promise<SignIn>):
        Promise<string | null> {
        if (this._folders().includes(folder))
            return _('This folder is already in the list.');
        try {
            const found = await readFolder(folder, this._cancellable);
            if ([...this._identities.values()].includes(found.identity))
                return _('This folder signs in to an account that is already shown.');
        } catch (error) {
            if (!(error instanceof ProviderError))
                throw error;
            // A folder without a sign-in yet is fine: its row says how to sign in.
        }
        return null;
    }
});
