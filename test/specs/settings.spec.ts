// The typed settings (core/settings.ts) over the real schema: defaults come from the schema,
// dictionary keys read and write whole entries, change callbacks can be stopped.

import GLib from 'gi://GLib';

import {Keys, enabledKey, stringListKey} from '../../src/core/settings.js';
import {testSettings} from '../support/helpers.js';

describe('the GSettings schema', () => {
    it('lives under the path the review rules require', () => {
        expect(testSettings().gio.path).toBe('/org/gnome/shell/extensions/ai-usage-meter/');
    });

    it('holds the defaults: a 5-minute refresh, 70/90 % thresholds, subscriptions on, billing off', () => {
        const settings = testSettings();
        expect(settings.get(Keys.refreshInterval)).toBe(300);
        expect(settings.get(Keys.warningThreshold)).toBe(70);
        expect(settings.get(Keys.criticalThreshold)).toBe(90);
        expect(settings.get(enabledKey('claude'))).toBeTrue();
        expect(settings.get(enabledKey('openai'))).toBeFalse();
        expect(settings.get(Keys.accountDirs)).toEqual({});
    });

    it('refuses a refresh interval under a minute (the usage endpoint rate-limits)', () => {
        const key = testSettings().gio.settings_schema.get_key('refresh-interval');
        expect(key.range_check(new GLib.Variant('u', 30))).toBeFalse();
        expect(key.range_check(new GLib.Variant('u', 60))).toBeTrue();
    });
});

describe('Settings', () => {
    it('reads and writes each type', () => {
        const settings = testSettings();
        settings.set(Keys.warningThreshold, 55);
        settings.set(Keys.notifications, false);
        settings.set(stringListKey('copilot-accounts'), ['octocat']);
        expect([settings.get(Keys.warningThreshold), settings.get(Keys.notifications)]).toEqual([55, false]);
        expect(settings.get(stringListKey('copilot-accounts'))).toEqual(['octocat']);
        settings.reset(Keys.warningThreshold);
        expect(settings.get(Keys.warningThreshold)).toBe(70);
    });

    it('sets and removes one entry of a dictionary key, leaving the others', () => {
        const settings = testSettings();
        settings.setEntry(Keys.accountDirs, 'claude', ['/a']);
        settings.setEntry(Keys.accountDirs, 'codex', ['/b', '/c']);
        settings.setEntry(Keys.balances, 'openai', [20, 1700000000000]);
        expect(settings.get(Keys.accountDirs)).toEqual({claude: ['/a'], codex: ['/b', '/c']});
        expect(settings.get(Keys.balances)).toEqual({openai: [20, 1700000000000]});
        settings.setEntry(Keys.accountDirs, 'claude', null);
        expect(settings.get(Keys.accountDirs)).toEqual({codex: ['/b', '/c']});
    });

    it('calls back on a change of the keys asked for, until stopped', () => {
        const settings = testSettings();
        let calls = 0;
        const stop = settings.onChange([Keys.budgets, Keys.burnRateDays], () => calls++);
        settings.setEntry(Keys.budgets, 'openai', 15);
        settings.set(Keys.burnRateDays, 3);
        settings.set(Keys.refreshInterval, 600);
        const counted = calls;
        stop();
        settings.set(Keys.burnRateDays, 4);
        expect(counted).toBe(2);
        expect(calls).toBe(2);
    });
});
