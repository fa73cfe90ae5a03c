// The widgets of a device-code sign-in of our own (GitHub's, for Copilot): the accounts signed
// in, and the one-time code to enter in the browser. The provider keeps the token (keyring)
// and the logins (settings).

import Adw from 'gi://Adw';
import Gdk from 'gi://Gdk';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk';

import {pollForToken, requestDeviceCode} from '../core/deviceFlow.js';
import {systemEnvironment} from '../core/environment.js';
import {ProviderError, isCancelled, onCancelled} from '../core/errors.js';
import {HttpClient} from '../core/http.js';
import {_, format} from '../core/i18n.js';
import type {ProviderId} from '../core/contract.js';
import type {DeviceSection, DeviceSignIn} from '../core/prefsSection.js';
import {enabledKey, type Settings} from '../core/settings.js';
import {accountNameKey} from '../core/usageService.js';
import {openUri} from './openUri.js';
import {keyringAccountRow, startRow, toast} from './rows.js';

export const DeviceSignInGroup = GObject.registerClass({GTypeName: 'AiUsageMeterDeviceSignInGroup'},
class DeviceSignInGroup extends Adw.PreferencesGroup {
    private _rows: Adw.PreferencesRow[] = [];
    private readonly _method: DeviceSignIn;
    private _signIn: Gio.Cancellable | null = null;

    constructor(private readonly _settings: Settings, private readonly _id: ProviderId, section: DeviceSection,
        private readonly _http: HttpClient, private readonly _cancellable: Gio.Cancellable) {
        super({title: section.title, description: section.description});
        this._method = section.signIn;
        const enabled = new Adw.SwitchRow({title: section.switchTitle, subtitle: section.switchSubtitle});
        _settings.bind(enabledKey(_id), enabled, 'active');
        this.add(enabled);
        const stop = _settings.onChange([this._method.accountsKey], () => this._rebuild());
        this.connect('destroy', stop);
        onCancelled(_cancellable, () => this._signIn?.cancel());
        this._rebuild();
    }

    private _rebuild(): void {
        for (const row of this._rows.splice(0))
            this.remove(row);
        for (const login of this._settings.get(this._method.accountsKey))
            this._add(this._accountRow(login));
        this._add(startRow(this._method.startTitle, this._method.startSubtitle, () => void this._startSignIn()));
    }

    private _add(row: Adw.PreferencesRow): void {
        this._rows.push(row);
        this.add(row);
    }

    private _accountRow(login: string): Adw.ExpanderRow {
        return keyringAccountRow(this._settings, accountNameKey(this._id, this._method.accountId(login)), login,
            this._method.hasToken(login),
            _('Signed in; the token is in your keyring'), () => void this._signOut(login));
    }

    private async _signOut(login: string): Promise<void> {
        try {
            await this._method.remove(login);
        } catch (error) {
            if (!isCancelled(error))
                toast(this, format(_('Could not remove the token: %s'), String(error)));
        }
    }

    /** Shows the code, opens the verification page on request, and polls until GitHub answers. */
    private async _startSignIn(): Promise<void> {
        this._signIn?.cancel();
        const cancellable = new Gio.Cancellable();
        this._signIn = cancellable;
        const env = systemEnvironment();
        let codeRow: Adw.ActionRow | null = null;
        try {
            const code = await requestDeviceCode(this._http, this._method.flow, env.now(), cancellable);
            codeRow = new Adw.ActionRow({title: code.userCode, subtitle: format(
                _('Enter this code at %s. Waiting for GitHub…'), GLib.markup_escape_text(code.verificationUri, -1)),
            css_classes: ['property']});
            const open = new Gtk.Button({label: _('Copy and open'), valign: Gtk.Align.CENTER, css_classes: ['suggested-action']});
            open.connect('clicked', () => {
                Gdk.Display.get_default()?.get_clipboard().set(code.userCode);
                openUri(this, code.verificationUri, null)
                    .catch((error: unknown) => console.error('ai-usage-meter: cannot open the browser', error));
            });
            const cancel = new Gtk.Button({label: _('Cancel'), valign: Gtk.Align.CENTER});
            cancel.connect('clicked', () => cancellable.cancel());
            codeRow.add_suffix(open);
            codeRow.add_suffix(cancel);
            this._add(codeRow);

            const token = await pollForToken(this._http, this._method.flow, code, () => env.now(), cancellable);
            const login = await this._method.add(this._http, token, cancellable);
            toast(this, format(_('Signed in as %s.'), login));
        } catch (error) {
            if (error instanceof ProviderError)
                toast(this, `${error.message} ${error.hint}`);
            else if (!isCancelled(error))
                toast(this, format(_('The sign-in failed: %s'), String(error)));
        } finally {
            if (codeRow !== null && this._rows.includes(codeRow)) {
                this._rows = this._rows.filter(r => r !== codeRow);
                this.remove(codeRow);
            }
            if (this._signIn === cancellable)
                this._signIn = null;
        }
    }
});
