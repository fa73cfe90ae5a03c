// Turns each provider's preferences section (data from its module) into widgets: a page per
// subscription provider, and one group per billing provider on the Spend page. A provider of an
// existing kind needs nothing here.

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';

import {HttpClient} from '../core/http.js';
import type {KeySection} from '../core/prefsSection.js';
import type {Provider} from '../core/provider.js';
import type {Settings} from '../core/settings.js';
import {DeviceSignInGroup} from './deviceSignIn.js';
import {ProviderGroup} from './providerGroup.js';
import {SpendPage} from './spendPage.js';

/** One page per provider: its switch, its accounts and their status. */
const ProviderPage = GObject.registerClass({GTypeName: 'AiUsageMeterProviderPage'},
class ProviderPage extends Adw.PreferencesPage {
    constructor(title: string, name: string, build: (cancellable: Gio.Cancellable) => Adw.PreferencesGroup) {
        super({title, name, icon_name: 'network-server-symbolic'});
        const cancellable = new Gio.Cancellable();
        this.add(build(cancellable));
        this.connect('unrealize', () => cancellable.cancel());
    }
});

/** The provider pages and the Spend page; the HTTP client they share is ended with the window. */
export function providerPages(settings: Settings, providers: readonly Provider[]): {pages: Adw.PreferencesPage[]; http: HttpClient} {
    const http = new HttpClient('ai-usage-meter (GNOME Shell extension preferences)');
    const pages: Adw.PreferencesPage[] = [];
    const keyed: {id: string; section: KeySection}[] = [];
    for (const provider of providers) {
        const section = provider.prefs;
        switch (section.kind) {
        case 'accounts':
            pages.push(new ProviderPage(section.title, provider.id,
                cancellable => new ProviderGroup(settings, provider.id, section, cancellable)));
            break;
        case 'device':
            pages.push(new ProviderPage(section.title, provider.id,
                cancellable => new DeviceSignInGroup(settings, provider.id, section, http, cancellable)));
            break;
        case 'key':
            keyed.push({id: provider.id, section});
            break;
        }
    }
    if (keyed.length > 0)
        pages.push(new SpendPage(settings, http, keyed));
    return {pages, http};
}
