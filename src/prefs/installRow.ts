// A row for something a provider can put into its CLI's settings on request, such as Claude
// Code's statusline: the state in words, and one button that installs or removes it. Every
// file access is asynchronous; the row says "Checking…" until the state is known.

import Adw from 'gi://Adw';
import type Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk';

import {systemEnvironment} from '../core/environment.js';
import {isCancelled} from '../core/errors.js';
import {_, format} from '../core/i18n.js';
import type {InstallSection, InstallState} from '../core/prefsSection.js';
import {toast} from './rows.js';

/** What went wrong, for the user: our own messages as they are, a file error with its reason. */
function problem(error: unknown): string {
    return error instanceof Error || error instanceof GLib.Error ? error.message : String(error);
}

export const InstallRow = GObject.registerClass({GTypeName: 'AiUsageMeterInstallRow'},
class InstallRow extends Adw.ActionRow {
    private readonly _button: Gtk.Button;
    private _state: InstallState | null = null;

    /** `folder`: a configuration folder the user added, or null for the CLI's default one. */
    constructor(private readonly _section: InstallSection, private readonly _folder: string | null,
        private readonly _cancellable: Gio.Cancellable) {
        super({title: _section.title, subtitle: _('Checking…'), subtitle_lines: 4});
        this._button = new Gtk.Button({label: _('Install'), valign: Gtk.Align.CENTER, sensitive: false});
        this._button.connect('clicked', () => void this._toggle());
        this.add_suffix(this._button);
        void this._run(_section.read);
    }

    private _show(state: InstallState): void {
        this._state = state;
        this.subtitle = GLib.markup_escape_text(state.text, -1);
        this._button.label = state.installed ? _('Remove') : _('Install');
        this._button.css_classes = state.installed ? ['destructive-action'] : ['suggested-action'];
    }

    private _toggle(): Promise<void> {
        return this._run(this._state?.installed === true ? this._section.remove : this._section.install);
    }

    /** Runs one step (read, install or remove) with the button off, then shows the state or the error. */
    private async _run(step: InstallSection['read']): Promise<void> {
        this._button.sensitive = false;
        try {
            this._show(await step(systemEnvironment(), this._folder, this._cancellable));
        } catch (error) {
            if (isCancelled(error))
                return;
            const message = format(this._section.failed, problem(error));
            this.subtitle = GLib.markup_escape_text(message, -1);
            toast(this, message);
        }
        this._button.sensitive = true;
    }
});
