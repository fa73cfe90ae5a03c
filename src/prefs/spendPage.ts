// Spend preferences: the OpenAI and Anthropic Admin API keys (kept in the keyring, tested on
// demand), monthly budgets, a prepaid balance for the runway, and Copilot organisation metrics.

import Adw from 'gi://Adw';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk';

import {BackoffGate} from '../core/backoff.js';
import {BILLING_KEY_ACCOUNT, billingKey, type BillingKey} from '../core/billing.js';
import type {ProviderId, UsageSnapshot} from '../core/contract.js';
import {systemEnvironment} from '../core/environment.js';
import {formatMoney} from '../core/format.js';
import type {HttpClient} from '../core/http.js';
import {_, format} from '../core/i18n.js';
import type {FetchContext} from '../core/provider.js';
import {AnthropicAdminProvider, ANTHROPIC_KEY_VARIABLES} from '../core/providers/anthropicAdmin.js';
import {CopilotOrgProvider} from '../core/providers/copilotOrg.js';
import {OpenAIAdminProvider, OPENAI_KEY_VARIABLES} from '../core/providers/openaiAdmin.js';
import {settingsAccounts} from '../core/registry.js';
import {SecretStore} from '../core/secrets.js';
import {toast} from './providerGroup.js';

type Dict<T> = Record<string, T>;

/** `dict` with `key` set to `value`, or without `key` when `value` is null. */
function withEntry<T>(dict: Dict<T>, key: string, value: T | null): Dict<T> {
    const others = Object.entries(dict).filter(([k]) => k !== key);
    return Object.fromEntries(value === null ? others : [...others, [key, value]]);
}

function readDict<T>(settings: Gio.Settings, key: string): Dict<T> {
    return settings.get_value(key).deepUnpack() as Dict<T>;
}

/** Tells the running extension that a key changed: it fetches the billing APIs again. */
function keysChanged(settings: Gio.Settings): void {
    settings.set_uint('billing-keys-changed', settings.get_uint('billing-keys-changed') + 1);
}

function fetchContext(http: HttpClient, cancellable: Gio.Cancellable): FetchContext {
    return {http, env: systemEnvironment(), gate: new BackoffGate(), cancellable, manual: true, accountDirs: []};
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

interface KeyedProvider {
    id: ProviderId;
    title: string;
    description: string;
    variables: readonly string[];
    keyTitle: string;
    test: (ctx: FetchContext, key: BillingKey) => Promise<UsageSnapshot>;
}

/** A key row: enter and save to the keyring, see where the key in use comes from, remove, test. */
function keyRows(group: Adw.PreferencesGroup, settings: Gio.Settings, secrets: SecretStore, http: HttpClient,
    cancellable: Gio.Cancellable, provider: KeyedProvider, canTest: () => string | null): void {
    const entry = new Adw.PasswordEntryRow({title: provider.keyTitle, show_apply_button: true});
    const status = new Adw.ActionRow({title: _('Key in use'), subtitle: _('Checking the keyring…')});
    const refreshStatus = (): void => {
        billingKey(systemEnvironment(), secrets, provider.id, provider.variables).then(key => {
            status.subtitle = key === null ? _('None') : format(_('From %s'), key.source);
        }).catch((error: unknown) => {
            status.subtitle = GLib.markup_escape_text(format(_('The keyring is not reachable: %s'), String(error)), -1);
        });
    };
    entry.connect('apply', () => {
        const key = entry.text.trim();
        if (key === '')
            return;
        secrets.store(provider.id, BILLING_KEY_ACCOUNT, format(_('AI Usage Meter: %s key'), provider.title), key).then(() => {
            entry.text = '';
            settings.set_boolean(`${provider.id}-enabled`, true);
            keysChanged(settings);
            refreshStatus();
            toast(group, _('The key is in your keyring.'));
        }).catch((error: unknown) => toast(group, format(_('Could not store the key: %s'), String(error))));
    });
    const remove = new Gtk.Button({icon_name: 'user-trash-symbolic', valign: Gtk.Align.CENTER,
        tooltip_text: _('Remove the key from the keyring'), css_classes: ['flat']});
    remove.connect('clicked', () => {
        secrets.clear(provider.id, BILLING_KEY_ACCOUNT).then(() => {
            keysChanged(settings);
            refreshStatus();
        }).catch((error: unknown) => toast(group, String(error)));
    });
    const test = new Gtk.Button({label: _('Test'), valign: Gtk.Align.CENTER, tooltip_text: _('Ask the API with this key now')});
    test.connect('clicked', () => {
        const problem = canTest();
        if (problem !== null) {
            toast(group, problem);
            return;
        }
        test.sensitive = false;
        const typed = entry.text.trim();
        const key: Promise<BillingKey | null> = typed !== ''
            ? Promise.resolve({key: typed, source: _('the entry')})
            : billingKey(systemEnvironment(), secrets, provider.id, provider.variables);
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
function moneyRows(group: Adw.PreferencesGroup, settings: Gio.Settings, id: ProviderId): void {
    const budget = spinRow(_('Monthly budget'), _('Shown as a limit with a bar; 0 for none'), 0, 1_000_000, 10, 2);
    budget.value = readDict<number>(settings, 'budgets')[id] ?? 0;
    budget.connect('notify::value', () => {
        settings.set_value('budgets', new GLib.Variant('a{sd}',
            withEntry(readDict<number>(settings, 'budgets'), id, budget.value > 0 ? budget.value : null)));
    });
    group.add(budget);
    const balances = readDict<[number, number]>(settings, 'balances');
    const balance = spinRow(_('Credit balance now'),
        _('The APIs do not tell it: enter what the console shows; spend since then is taken off. 0 for none'),
        0, 10_000_000, 10, 2);
    balance.value = balances[id]?.[0] ?? 0;
    balance.connect('notify::value', () => {
        settings.set_value('balances', new GLib.Variant('a{s(dx)}', withEntry(readDict<[number, number]>(settings, 'balances'), id,
            balance.value > 0 ? [balance.value, Date.now()] as [number, number] : null)));
    });
    group.add(balance);
}

export const SpendPage = GObject.registerClass({GTypeName: 'AiUsageMeterSpendPage'},
class SpendPage extends Adw.PreferencesPage {
    constructor(settings: Gio.Settings, http: HttpClient) {
        super({title: _('Spend'), icon_name: 'accessories-calculator-symbolic', name: 'spend'});
        const cancellable = new Gio.Cancellable();
        this.connect('unrealize', () => cancellable.cancel());
        const secrets = new SecretStore();
        const accounts = settingsAccounts(settings);
        const openai = new OpenAIAdminProvider(secrets, accounts);
        const anthropic = new AnthropicAdminProvider(secrets, accounts);
        const keyed: KeyedProvider[] = [
            {id: 'openai', title: openai.name, variables: OPENAI_KEY_VARIABLES, keyTitle: _('Admin key (sk-admin-…)'),
                description: _('Organisation costs and completions usage from the OpenAI Admin API. Admin keys are made at ' +
                    'platform.openai.com → Settings → Organization → Admin keys. OPENAI_ADMIN_KEY is used when set (never stored).'),
                test: (ctx, key) => openai.fetchWithKey(ctx, key)},
            {id: 'anthropic', title: anthropic.name, variables: ANTHROPIC_KEY_VARIABLES, keyTitle: _('Admin key (sk-ant-admin…)'),
                description: _('Organisation costs, token usage and Claude Code analytics from the Anthropic Admin API. Admin ' +
                    'keys are made at console.anthropic.com → Settings → Admin keys. ANTHROPIC_ADMIN_KEY is used when set.'),
                test: (ctx, key) => anthropic.fetchWithKey(ctx, key)},
        ];
        for (const provider of keyed) {
            const group = new Adw.PreferencesGroup({title: provider.title, description: provider.description});
            const enabled = new Adw.SwitchRow({title: format(_('Show %s'), provider.title),
                subtitle: _('Today, 7 and 30 days, month to date, by model')});
            settings.bind(`${provider.id}-enabled`, enabled, 'active', Gio.SettingsBindFlags.DEFAULT);
            group.add(enabled);
            keyRows(group, settings, secrets, http, cancellable, provider, () => null);
            moneyRows(group, settings, provider.id);
            this.add(group);
        }
        this.add(this._copilotGroup(settings, secrets, http, cancellable, accounts));

        const common = new Adw.PreferencesGroup({title: _('Refresh and runway'),
            description: _('Billing data changes slowly and is cached; Refresh in the menu fetches it at once.')});
        const burn = spinRow(_('Burn rate over'), _('Days of spend the runway of a balance is based on'), 1, 30, 1);
        settings.bind('burn-rate-days', burn, 'value', Gio.SettingsBindFlags.DEFAULT);
        common.add(burn);
        const interval = spinRow(_('Refresh billing every'), _('Minutes'), 15, 1440, 15);
        interval.value = Math.round(settings.get_uint('spend-refresh-interval') / 60);
        interval.connect('notify::value', () => settings.set_uint('spend-refresh-interval', Math.round(interval.value) * 60));
        common.add(interval);
        this.add(common);
    }

    private _copilotGroup(settings: Gio.Settings, secrets: SecretStore, http: HttpClient, cancellable: Gio.Cancellable,
        accounts: ReturnType<typeof settingsAccounts>): Adw.PreferencesGroup {
        const copilot = new CopilotOrgProvider(secrets, accounts, () => accounts.copilotOrg());
        const group = new Adw.PreferencesGroup({title: _('Copilot organisation'),
            description: _('Copilot usage metrics of the last 28 days for an organisation or enterprise: active users, ' +
                'interactions, suggestions and acceptances. Needs a token of an owner or billing manager with the ' +
                'manage_billing:copilot or read:org scope, and the usage metrics policy enabled.')});
        const enabled = new Adw.SwitchRow({title: _('Show Copilot organisation metrics')});
        settings.bind('copilot-org-enabled', enabled, 'active', Gio.SettingsBindFlags.DEFAULT);
        group.add(enabled);
        const name = new Adw.EntryRow({title: _('Organisation (or enterprise)'), show_apply_button: true,
            text: settings.get_string('copilot-org')});
        name.connect('apply', () => settings.set_string('copilot-org', name.text.trim()));
        group.add(name);
        const enterprise = new Adw.SwitchRow({title: _('It is an enterprise')});
        settings.bind('copilot-org-enterprise', enterprise, 'active', Gio.SettingsBindFlags.DEFAULT);
        group.add(enterprise);
        keyRows(group, settings, secrets, http, cancellable, {id: 'copilot-org', title: copilot.name, variables: [],
            keyTitle: _('GitHub token'), description: '',
            test: (ctx, key) => copilot.fetchWithToken(ctx, key.key, accounts.copilotOrg())},
        () => accounts.copilotOrg().name === '' ? _('Enter the organisation first.') : null);
        return group;
    }
});
