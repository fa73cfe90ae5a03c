// Preferences window. Runs in its own process: Adw/Gtk only, never Shell libraries.
import type Adw from 'gi://Adw';

import {ExtensionPreferences} from 'resource:///org/gnome/Shell/Extensions/js/extensions/prefs.js';

import {GeneralPage} from './prefs/generalPage.js';
import {ProvidersPage} from './prefs/providersPage.js';

export default class AiUsageMeterPreferences extends ExtensionPreferences {
    override async fillPreferencesWindow(window: Adw.PreferencesWindow): Promise<void> {
        const settings = this.getSettings();
        window.add(new GeneralPage(settings));
        window.add(new ProvidersPage(settings));
        window.set_default_size(640, 640);
        return Promise.resolve();
    }
}
