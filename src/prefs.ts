// Preferences window. Runs in its own process: Adw/Gtk only, never Shell libraries.

import type Adw from 'gi://Adw';

import {ExtensionPreferences} from 'resource:///org/gnome/Shell/Extensions/js/extensions/prefs.js';

import {OwnTokenStore} from './core/ownSignIn.js';
import {createProviders} from './core/registry.js';
import {SecretStore} from './core/secrets.js';
import {Settings} from './core/settings.js';
import {GeneralPage} from './prefs/generalPage.js';
import {providerPages} from './prefs/sections.js';

export default class AiUsageMeterPreferences extends ExtensionPreferences {
    override async fillPreferencesWindow(window: Adw.PreferencesWindow): Promise<void> {
        const settings = new Settings(this.getSettings());
        const secrets = new SecretStore();
        window.add(new GeneralPage(settings));
        const {pages, http} = providerPages(settings, createProviders({secrets, ownTokens: new OwnTokenStore(secrets), settings}));
        for (const page of pages)
            window.add(page);
        window.connect('close-request', () => {
            http.destroy();
            return false;
        });
        window.set_default_size(720, 680);
        return Promise.resolve();
    }
}
