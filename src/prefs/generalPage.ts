// General preferences: how often to refresh and when a limit counts as nearly used up.

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import GLib from 'gi://GLib';
import Gtk from 'gi://Gtk';

import {_, format} from '../core/i18n.js';
import {PRICE_TABLE_DATE} from '../core/priceTable.js';
import {Keys, type SettingKey, type Settings} from '../core/settings.js';

function percentRow(settings: Settings, key: SettingKey<number>, title: string, subtitle: string): Adw.SpinRow {
    const row = new Adw.SpinRow({
        title,
        subtitle,
        adjustment: new Gtk.Adjustment({lower: 1, upper: 100, step_increment: 1, page_increment: 10}),
    });
    settings.bind(key, row, 'value');
    return row;
}

export const GeneralPage = GObject.registerClass({GTypeName: 'AiUsageMeterGeneralPage'},
class GeneralPage extends Adw.PreferencesPage {
    constructor(settings: Settings) {
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
        interval.value = Math.round(settings.get(Keys.refreshInterval) / 60);
        interval.connect('notify::value', () => settings.set(Keys.refreshInterval, Math.round(interval.value) * 60));
        refresh.add(interval);
        const unconfigured = new Adw.SwitchRow({
            title: _('Show providers that are not set up'),
            subtitle: _('A short “Set up…” row in the menu instead of nothing'),
        });
        settings.bind(Keys.showUnconfigured, unconfigured, 'active');
        refresh.add(unconfigured);
        this.add(refresh);

        const thresholds = new Adw.PreferencesGroup({
            title: _('Thresholds'),
            description: _('The panel and the bars change colour when usage reaches these levels.'),
        });
        thresholds.add(percentRow(settings, Keys.warningThreshold, _('Warning at (%)'),
            _('Shown in the warning colour from this percentage')));
        thresholds.add(percentRow(settings, Keys.criticalThreshold, _('Critical at (%)'),
            _('Shown in the critical colour from this percentage')));
        const notifications = new Adw.SwitchRow({
            title: _('Notify before a limit bites'),
            subtitle: _('Once when a limit reaches the warning level, again at the critical level'),
        });
        settings.bind(Keys.notifications, notifications, 'active');
        thresholds.add(notifications);
        this.add(thresholds);

        const local = new Adw.PreferencesGroup({
            title: _('Local logs'),
            description: format(_('Claude Code and Codex keep logs of every request on this computer. From them the menu ' +
                'estimates what your work would cost at API prices (%s). No network, no sign-in; only what was appended ' +
                'since the last scan is read. To price other models or change a price, put them in %s.'),
            PRICE_TABLE_DATE, GLib.build_filenamev([GLib.get_user_config_dir(), 'ai-usage-meter', 'prices.json'])),
        });
        const localEnabled = new Adw.SwitchRow({
            title: _('Estimate costs from local logs'),
            subtitle: _('Today, this month, sessions, models, projects and the current 5-hour block'),
        });
        settings.bind(Keys.localUsageEnabled, localEnabled, 'active');
        local.add(localEnabled);
        const localInterval = new Adw.SpinRow({
            title: _('Scan every'),
            subtitle: _('Seconds between scans of the logs'),
            adjustment: new Gtk.Adjustment({lower: 15, upper: 3600, step_increment: 15, page_increment: 60}),
        });
        settings.bind(Keys.localRefreshInterval, localInterval, 'value');
        settings.bind(Keys.localUsageEnabled, localInterval, 'sensitive', Gio.SettingsBindFlags.GET);
        local.add(localInterval);
        this.add(local);
    }
});
