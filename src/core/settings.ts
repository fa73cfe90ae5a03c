// Every setting, read and written with its type, through one object. The keys and their
// defaults live in the schema (schemas/*.gschema.xml) only; this module knows their types.
// A provider declares the keys that are its own next to its code (see providers/copilot.ts).

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import type GObject from 'gi://GObject';

import {isObject} from './json.js';

/** A key of the schema and how its GVariant reads into T and back. */
export interface SettingKey<T> {
    readonly name: string;
    read(settings: Gio.Settings, name: string): T;
    write(settings: Gio.Settings, name: string, value: T): void;
}

const key = <T>(name: string, read: SettingKey<T>['read'], write: SettingKey<T>['write']): SettingKey<T> =>
    ({name, read, write});

export const booleanKey = (name: string): SettingKey<boolean> =>
    key(name, (s, n) => s.get_boolean(n), (s, n, v) => s.set_boolean(n, v));
export const uintKey = (name: string): SettingKey<number> =>
    key(name, (s, n) => s.get_uint(n), (s, n, v) => s.set_uint(n, v));
export const stringKey = (name: string): SettingKey<string> =>
    key(name, (s, n) => s.get_string(n), (s, n, v) => s.set_string(n, v));
export const stringListKey = (name: string): SettingKey<string[]> =>
    key(name, (s, n) => s.get_strv(n), (s, n, v) => s.set_strv(n, v));

/**
 * A dictionary key (`a{s…}`): its entries that `isValue` accepts. The schema guarantees the
 * type, so a refused entry would be a schema/code mismatch; it is dropped rather than trusted.
 */
function dictionaryKey<V>(name: string, type: string, isValue: (value: unknown) => value is V): SettingKey<Record<string, V>> {
    return key(name, (s, n) => {
        const unpacked: unknown = s.get_value(n).recursiveUnpack();
        const entries = isObject(unpacked) ? Object.entries(unpacked) : [];
        return Object.fromEntries(entries.filter((entry): entry is [string, V] => isValue(entry[1])));
    }, (s, n, v) => s.set_value(n, new GLib.Variant(type, v)));
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isAmountAndTime = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every(isNumber);

/** The keys every part reads. Provider-specific keys are declared by their provider. */
export const Keys = {
    refreshInterval: uintKey('refresh-interval'),
    warningThreshold: uintKey('warning-threshold'),
    criticalThreshold: uintKey('critical-threshold'),
    notifications: booleanKey('notifications'),
    showUnconfigured: booleanKey('show-unconfigured'),
    /** Per provider, extra CLI configuration folders (CLAUDE_CONFIG_DIR, CODEX_HOME), one account each. */
    accountDirs: dictionaryKey('account-dirs', 'a{sas}', isStringList),
    /** Per provider, the accounts signed in from the preferences (tokens in the keyring). */
    ownSignIns: dictionaryKey('own-signins', 'a{sas}', isStringList),
    /** Names given to accounts, keyed by provider:account-id. */
    accountNames: dictionaryKey('account-names', 'a{ss}', isString),
    spendRefreshInterval: uintKey('spend-refresh-interval'),
    /** Per billing provider, a monthly budget in its currency. */
    budgets: dictionaryKey('budgets', 'a{sd}', isNumber),
    /** Per billing provider, a prepaid balance and when it was entered (epoch ms). */
    balances: dictionaryKey('balances', 'a{s(dx)}', isAmountAndTime),
    burnRateDays: uintKey('burn-rate-days'),
    /** Per billing provider, a fingerprint of the key stored in the keyring: tells the Shell it changed. */
    billingKeyFingerprints: dictionaryKey('billing-key-fingerprints', 'a{ss}', isString),
    localUsageEnabled: booleanKey('local-usage-enabled'),
    localRefreshInterval: uintKey('local-refresh-interval'),
} as const;

/** Whether a provider is shown: `<id>-enabled`, one key per provider in the schema. */
export const enabledKey = (provider: string): SettingKey<boolean> => booleanKey(`${provider}-enabled`);

/** The typed face of the extension's Gio.Settings. */
export class Settings {
    constructor(readonly gio: Gio.Settings) {}

    get<T>(setting: SettingKey<T>): T {
        return setting.read(this.gio, setting.name);
    }

    set<T>(setting: SettingKey<T>, value: T): void {
        setting.write(this.gio, setting.name, value);
    }

    reset(setting: SettingKey<unknown>): void {
        this.gio.reset(setting.name);
    }

    /** One entry of a dictionary key; `null` removes it. */
    setEntry<V>(setting: SettingKey<Record<string, V>>, entry: string, value: V | null): void {
        const others = Object.entries(this.get(setting)).filter(([name]) => name !== entry);
        this.set(setting, Object.fromEntries(value === null ? others : [...others, [entry, value]]));
    }

    /** Binds a key to a widget property both ways (Gio.Settings.bind). */
    bind(setting: SettingKey<unknown>, object: GObject.Object, property: string,
        flags: Gio.SettingsBindFlags = Gio.SettingsBindFlags.DEFAULT): void {
        this.gio.bind(setting.name, object, property, flags);
    }

    /** Calls `callback` when any of `settings` changes; returns the function that stops it. */
    onChange(settings: readonly SettingKey<unknown>[], callback: () => void): () => void {
        const ids = [...new Set(settings.map(s => s.name))].map(name => this.gio.connect(`changed::${name}`, callback));
        return () => ids.forEach(id => this.gio.disconnect(id));
    }
}
