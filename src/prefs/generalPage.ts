// General preferences: how often to refresh and when a limit counts as nearly used up.
import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk';

import {_} from '../core/i18n.js';

function percentRow(settings: Gio.Settings, key: string, title: string, subtitle: string): Adw.SpinRow {
    const row = new Adw.SpinRow({
        title,
        subtitle,
        adjustment: new Gtk.Adjustment({lower: 1, upper: 100, step_increment: 1, page_increment: 10}),
    });
    settings.bind(key, row, 'value', Gio.SettingsBindFlags.DEFAULT);
    return row;
}

export const GeneralPage = GObject.registerClass({GTypeName: 'AiUsageMeterGeneralPage'},
class GeneralPage extends Adw.PreferencesPage {
    constructor(settings: Gio.Settings) {
        super({title: _('General'), icon_name: 'preferences-system-symbolic', name: 'general'});

        const refresh = new Adw.PreferencesGroup({
            title: _('Refresh and menu'),
            description: _('Quotas are also refreshed when you choose Refresh in the menu and as soon as a CLI signs in again.'),
        });
        const interval = new Adw.SpinRow({
            title: _('Refresh every'),
            subtitle: _('Minutes between automatic refreshes'),
            adjustment: new Gtk.Adjustment({lower: 1, upper: 60, step_increment: 1, page_increment: 5}),
        });
        // The key holds seconds; people think in minutes.
        interval.value = Math.round(settings.get_uint('refresh-interval') / 60);
        interval.connect('notify::value', () => settings.set_uint('refresh-interval', Math.round(interval.value) * 60));
        refresh.add(interval);
        const unconfigured = new Adw.SwitchRow({
            title: _('Show providers that are not set up'),
            subtitle: _('A short “Set up…” row in the menu instead of nothing'),
        });
        settings.bind('show-unconfigured', unconfigured, 'active', Gio.SettingsBindFlags.DEFAULT);
        refresh.add(unconfigured);
        this.add(refresh);

        const thresholds = new Adw.PreferencesGroup({
            title: _('Thresholds'),
            description: _('The panel and the bars change colour when usage reaches these levels.'),
        });
        thresholds.add(percentRow(settings, 'warning-threshold', _('Warning at (%)'),
            _('Shown in the warning colour from this percentage')));
        thresholds.add(percentRow(settings, 'critical-threshold', _('Critical at (%)'),
            _('Shown in the critical colour from this percentage')));
        const notifications = new Adw.SwitchRow({
            title: _('Notify before a limit bites'),
            subtitle: _('Once when a limit reaches the warning level, again at the critical level'),
        });
        settings.bind('notifications', notifications, 'active', Gio.SettingsBindFlags.DEFAULT);
        thresholds.add(notifications);
        this.add(thresholds);
    }
});
