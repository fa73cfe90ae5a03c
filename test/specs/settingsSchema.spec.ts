import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

describe('the GSettings schema', () => {
    const settings = new Gio.Settings({schema_id: 'org.gnome.shell.extensions.ai-usage-meter'});

    it('lives under the path the review rules require', () => {
        expect(settings.path).toBe('/org/gnome/shell/extensions/ai-usage-meter/');
    });

    it('defaults to a 5-minute refresh, 70/90 % thresholds and Claude on', () => {
        expect(settings.get_uint('refresh-interval')).toBe(300);
        expect(settings.get_uint('warning-threshold')).toBe(70);
        expect(settings.get_uint('critical-threshold')).toBe(90);
        expect(settings.get_boolean('claude-enabled')).toBeTrue();
    });

    it('refuses a refresh interval under a minute (the usage endpoint rate-limits)', () => {
        const key = settings.settings_schema.get_key('refresh-interval');
        expect(key.range_check(new GLib.Variant('u', 30))).toBeFalse();
        expect(key.range_check(new GLib.Variant('u', 60))).toBeTrue();
    });
});
