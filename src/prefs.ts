// Preferences window. Runs in its own process: Adw/Gtk only, never Shell libraries.

import type Adw from 'gi://Adw';

import {ExtensionPreferences} from 'resource:///org/gnome/Shell/Extensions/js/extensions/prefs.js';

import {GeneralPage} from './prefs/generalPage.js';
import {providerPages} from './prefs/providerPages.js';
import {SpendPage} from './prefs/spendPage.js';

export default class AiUsageMeterPreferences extends ExtensionPreferences {
    override async fillPreferencesWindow(window: Adw.PreferencesWindow): Promise<void> {
        const settings = this.getSettings();
        window.add(new GeneralPage(settings));
        const pages = providerPages(settings);
        for (const page of pages.pages)
            window.add(page);
        window.add(new SpendPage(settings, pages.http));
        window.set_default_size(720, 680);
        return Promise.resolve();
    }
}
