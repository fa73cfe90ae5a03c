// The Spend page: per billing provider its key (kept in the keyring, tested on demand), a monthly
// budget and a prepaid balance for the runway, or the organisation it reads; then the burn-rate
// period and the billing refresh interval.

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk';

import {BackoffGate} from '../core/backoff.js';
import {BILLING_KEY_ACCOUNT, billingKey} from '../core/billing.js';
import type {ProviderId, UsageSnapshot} from '../core/contract.js';
import {systemEnvironment} from '../core/environment.js';
import {formatMoney} from '../core/format.js';
import type {HttpClient} from '../core/http.js';
import {_, format} from '../core/i18n.js';
import type {KeySection} from '../core/prefsSection.js';
import type {FetchContext} from '../core/provider.js';
import {tokenFingerprint} from '../core/provider.js';
import {SecretStore} from '../core/secrets.js';
import {Keys, enabledKey, type Settings} from '../core/settings.js';
import {toast} from './rows.js';

/** Tells the running extension that a key changed (it fetches again), without storing the key. */
function keyChanged(settings: Settings, id: ProviderId, key: string | null): void {
    settings.setEntry(Keys.billingKeyFingerprints, id, key === null ? null : tokenFingerprint(key));
}

function fetchContext(http: HttpClient, cancellable: Gio.Cancellable): FetchContext {
    return {http, env: systemEnvironment(), gate: new BackoffGate(), cancellable, manual: true};
}

/** The outcome of a test: what the key can see, or exactly what went wrong and what to do. */
function showTestResult(widget: Gtk.Widget, name: string, result: UsageSnapshot | Error): void {
    let heading: string;
    let body: string;
    if (result instanceof Error) {
        heading = format(_('%s: the test failed'), name);
        body = result.message;
    } else if (result.error !== null) {
        heading = format(_('%s: the key does not work'), name);
        body = `${result.error.message}\n${result.error.hint}`;
    } else {
        heading = format(_('%s: the key works'), name);
        body = result.spend?.hasCost
            ? format(_('Spent this month: %s; today: %s.'), formatMoney(result.spend.monthToDate.cost, result.spend.currency),
                formatMoney(result.spend.today.cost, result.spend.currency))
            : result.spend?.figures.map(f => `${f.label}: ${f.value}`).join('\n') ?? '';
    }
    const dialog = new Adw.AlertDialog({heading, body});
    dialog.add_response('close', _('Close'));
    dialog.present(widget);
}

function spinRow(title: string, subtitle: string, lower: number, upper: number, step: number, digits = 0): Adw.SpinRow {
    return new Adw.SpinRow({title, subtitle, digits,
        adjustment: new Gtk.Adjustment({lower, upper, step_increment: step, page_increment: step * 10})});
}

/** A key row: enter and save to the keyring, see where the key in use comes from, remove, test. */
function keyRows(group: Adw.PreferencesGroup, settings: Settings, secrets: SecretStore, http: HttpClient,
    cancellable: Gio.Cancellable, id: ProviderId, provider: KeySection): void {
    const entry = new Adw.PasswordEntryRow({title: provider.keyTitle, show_apply_button: true});
    const status = new Adw.ActionRow({title: _('Key in use'), subtitle: _('Checking the keyring…')});
    const refreshStatus = (): void => {
        billingKey(systemEnvironment(), secrets, id, provider.keyVariables).then(key => {
            status.subtitle = key === null ? _('None') : format(_('From %s'), key.source);
        }).catch((error: unknown) => {
            status.subtitle = GLib.markup_escape_text(format(_('The keyring is not reachable: %s'), String(error)), -1);
        });
    };
    entry.connect('apply', () => {
        const key = entry.text.trim();
        if (key === '')
            return;
        secrets.store(id, BILLING_KEY_ACCOUNT, format(_('AI Usage Meter: %s key'), provider.title), key).then(() => {
            entry.text = '';
            settings.set(enabledKey(id), true);
            keyChanged(settings, id, key);
            refreshStatus();
            toast(group, _('The key is in your keyring.'));
        }).catch((error: unknown) => toast(group, format(_('Could not store the key: %s'), String(error))));
    });
    const remove = new Gtk.Button({icon_name: 'user-trash-symbolic', valign: Gtk.Align.CENTER,
        tooltip_text: _('Remove the key from the keyring'), css_classes: ['flat']});
    remove.connect('clicked', () => {
        secrets.clear(id, BILLING_KEY_ACCOUNT).then(() => {
            keyChanged(settings, id, null);
            refreshStatus();
        }).catch((error: unknown) => toast(group, String(error)));
    });
    const test = new Gtk.Button({label: _('Test'), valign: Gtk.Align.CENTER, tooltip_text: _('Ask the API with this key now')});
    test.connect('clicked', () => {
        const problem = provider.cannotTest();
        if (problem !== null) {
            toast(group, problem);
            return;
        }
        test.sensitive = false;
        const typed = entry.text.trim();
        const key: Promise<string | null> = typed !== '' ? Promise.resolve(typed)
            : billingKey(systemEnvironment(), secrets, id, provider.keyVariables).then(found => found?.key ?? null);
        key.then(found => {
            if (found === null)
                throw new Error(_('Enter a key first.'));
            return provider.test(fetchContext(http, cancellable), found);
        }).then(result => showTestResult(group, provider.title, result), (error: unknown) =>
            showTestResult(group, provider.title, error instanceof Error ? error : new Error(String(error))))
            .finally(() => {
                test.sensitive = true;
            });
    });
    status.add_suffix(test);
    status.add_suffix(remove);
    group.add(entry);
    group.add(status);
    refreshStatus();
}

/** Budget and balance of a billing provider, in its billing currency. */
function moneyRows(group: Adw.PreferencesGroup, settings: Settings, id: ProviderId): void {
    const budget = spinRow(_('Monthly budget'), _('Shown as a limit with a bar; 0 for none'), 0, 1_000_000, 10, 2);
    budget.value = settings.get(Keys.budgets)[id] ?? 0;
    budget.connect('notify::value', () => settings.setEntry(Keys.budgets, id, budget.value > 0 ? budget.value : null));
    group.add(budget);
    const balance = spinRow(_('Credit balance now'),
        _('The APIs do not tell it: enter what the console shows; spend since then is taken off. 0 for none'),
        0, 10_000_000, 10, 2);
    balance.value = settings.get(Keys.balances)[id]?.[0] ?? 0;
    balance.connect('notify::value', () => settings.setEntry(Keys.balances, id,
        balance.value > 0 ? [balance.value, Date.now()] : null));
    group.add(balance);
}

/** The organisation a key reads (Copilot metrics): its name and whether it is an enterprise. */
function organisationRows(group: Adw.PreferencesGroup, settings: Settings,
    organisation: NonNullable<KeySection['organisation']>): void {
    const name = new Adw.EntryRow({title: organisation.nameTitle, show_apply_button: true, text: settings.get(organisation.name)});
    name.connect('apply', () => settings.set(organisation.name, name.text.trim()));
    group.add(name);
    const enterprise = new Adw.SwitchRow({title: organisation.enterpriseTitle});
    settings.bind(organisation.enterprise, enterprise, 'active');
    group.add(enterprise);
}

export const SpendPage = GObject.registerClass({GTypeName: 'AiUsageMeterSpendPage'},
class SpendPage extends Adw.PreferencesPage {
    constructor(settings: Settings, http: HttpClient, providers: readonly {id: ProviderId; section: KeySection}[]) {
        super({title: _('Spend'), icon_name: 'accessories-calculator-symbolic', name: 'spend'});
        const cancellable = new Gio.Cancellable();
        this.connect('unrealize', () => cancellable.cancel());
        const secrets = new SecretStore();
        for (const {id, section} of providers) {
            const group = new Adw.PreferencesGroup({title: section.title, description: section.description});
            const enabled = new Adw.SwitchRow({title: section.switchTitle, subtitle: section.switchSubtitle});
            settings.bind(enabledKey(id), enabled, 'active');
            group.add(enabled);
            if (section.organisation !== undefined)
                organisationRows(group, settings, section.organisation);
            keyRows(group, settings, secrets, http, cancellable, id, section);
            if (section.money)
                moneyRows(group, settings, id);
            this.add(group);
        }

        const common = new Adw.PreferencesGroup({title: _('Refresh and runway'),
            description: _('Billing data changes slowly and is cached; Refresh in the menu fetches it at once.')});
        const burn = spinRow(_('Burn rate over'), _('Days of spend the runway of a balance is based on'), 1, 30, 1);
        settings.bind(Keys.burnRateDays, burn, 'value');
        common.add(burn);
        const interval = spinRow(_('Refresh billing every'), _('Minutes'), 15, 1440, 15);
        interval.value = Math.round(settings.get(Keys.spendRefreshInterval) / 60);
        interval.connect('notify::value', () => settings.set(Keys.spendRefreshInterval, Math.round(interval.value) * 60));
        common.add(interval);
        this.add(common);
    }
});
