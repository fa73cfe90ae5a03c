// Our own sign-in rows for a provider page: the accounts signed in here (tokens in the keyring),
// and "Sign in with …" — open the provider's page, approve, paste the code it shows back.

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import Gtk from 'gi://Gtk';

import type {ProviderId} from '../core/contract.js';
import {systemEnvironment} from '../core/environment.js';
import {ProviderError, isCancelled} from '../core/errors.js';
import {HttpClient} from '../core/http.js';
import {_, format} from '../core/i18n.js';
import {addOwnSignIn, removeOwnSignIn} from '../core/ownAccounts.js';
import {OwnTokenStore, authorizeUrl, createPkce, exchangeCode, parsePastedCode} from '../core/ownSignIn.js';
import type {Pkce} from '../core/ownSignIn.js';
import type {AccountsSection} from '../core/prefsSection.js';
import {ownAccountId} from '../core/provider.js';
import {waitForCallback} from '../core/oauthCallback.js';
import {SecretStore} from '../core/secrets.js';
import {Keys, type Settings} from '../core/settings.js';
import {accountNameKey} from '../core/usageService.js';
import {openUri} from './openUri.js';
import {keyringAccountRow, startRow, toast} from './rows.js';

/** A provider's own sign-in: its id and what its section says (client, title, callback). */
export type OwnSignInSpec = NonNullable<AccountsSection['ownSignIn']> & {provider: ProviderId};

export class OwnSignInRows {
    private readonly _tokens = new OwnTokenStore(new SecretStore());
    private readonly _http = new HttpClient('ai-usage-meter (GNOME Shell extension preferences)');
    private _attempt: Gio.Cancellable | null = null;

    constructor(private readonly _settings: Settings, private readonly _spec: OwnSignInSpec,
        private readonly _add: (row: Adw.PreferencesRow) => void, private readonly _remove: (row: Adw.PreferencesRow) => void,
        private readonly _cancellable: Gio.Cancellable) {}

    private _accounts(): string[] {
        return this._settings.get(Keys.ownSignIns)[this._spec.provider] ?? [];
    }

    /** Adds a row per account signed in here, then the "Sign in with …" row. */
    build(widget: Gtk.Widget): void {
        for (const account of this._accounts())
            this._add(this._accountRow(account, widget));
        this._add(startRow(this._spec.title, _('For an account the CLI does not hold; the token is kept in your keyring'),
            () => void this._start(widget)));
    }

    private _accountRow(account: string, widget: Gtk.Widget): Adw.ExpanderRow {
        return keyringAccountRow(this._settings, accountNameKey(this._spec.provider, ownAccountId(account)),
            _('Signed in here'), this._tokens.load(this._spec.provider, account).then(tokens => tokens !== null),
            _('The token is in your keyring and renews itself'), () => {
                removeOwnSignIn(this._tokens, this._settings, this._spec.provider, account)
                    .catch((error: unknown) => toast(widget, format(_('Could not remove the token: %s'), String(error))));
            });
    }

    /**
     * Opens the provider's consent page. The code comes back either to our loopback listener or
     * through the user, who pastes the code the provider's page shows.
     */
    private async _start(widget: Gtk.Widget): Promise<void> {
        this._attempt?.cancel();
        const attempt = new Gio.Cancellable();
        this._attempt = attempt;
        let pkce: Pkce;
        try {
            pkce = await createPkce(attempt);
        } catch (error) {
            if (!isCancelled(error))
                toast(widget, format(_('The sign-in could not start: %s'), String(error)));
            return;
        }
        const callback = this._spec.callback;
        const code = callback ? waitForCallback(callback.port, callback.path, pkce.state, attempt) : null;
        code?.catch(() => undefined); // handled below; keeps an early rejection from going unhandled
        openUri(widget, authorizeUrl(this._spec.client, pkce), attempt).catch((error: unknown) => {
            if (!isCancelled(error))
                toast(widget, format(_('Could not open the browser: %s'), String(error)));
        });

        const cancel = new Gtk.Button({icon_name: 'window-close-symbolic', valign: Gtk.Align.CENTER,
            tooltip_text: _('Cancel'), css_classes: ['flat']});
        let row: Adw.PreferencesRow;
        if (code === null) {
            const entry = new Adw.EntryRow({title: _('Paste the code shown after you approve'), show_apply_button: true});
            entry.add_suffix(cancel);
            entry.connect('apply', () => {
                try {
                    void this._finish(widget, row, parsePastedCode(entry.text, pkce), pkce, attempt);
                } catch (error) {
                    if (error instanceof ProviderError)
                        toast(widget, `${error.message} ${error.hint}`);
                }
            });
            row = entry;
        } else {
            const waiting = new Adw.ActionRow({title: _('Waiting for the browser…'),
                subtitle: _('Approve the sign-in in the page that opened')});
            waiting.add_suffix(cancel);
            row = waiting;
            code.then(received => this._finish(widget, row, received, pkce, attempt)).catch((error: unknown) => {
                this._remove(row);
                if (error instanceof ProviderError && !attempt.is_cancelled())
                    toast(widget, `${error.message} ${error.hint}`);
            });
        }
        cancel.connect('clicked', () => {
            attempt.cancel();
            this._remove(row);
        });
        this._add(row);
    }

    private async _finish(widget: Gtk.Widget, row: Adw.PreferencesRow, code: string, pkce: Pkce,
        attempt: Gio.Cancellable): Promise<void> {
        try {
            const tokens = await exchangeCode(this._http, this._spec.client, code, pkce, systemEnvironment().now(), attempt);
            await addOwnSignIn(this._tokens, this._settings, this._spec.provider, tokens, attempt);
            this._remove(row);
            toast(widget, _('Signed in. The account appears in the menu at the next refresh.'));
        } catch (error) {
            if (error instanceof ProviderError)
                toast(widget, `${error.message} ${error.hint}`);
            else if (!isCancelled(error))
                toast(widget, format(_('The sign-in failed: %s'), String(error)));
        }
    }

    destroy(): void {
        this._attempt?.cancel();
        this._http.destroy();
    }
}
