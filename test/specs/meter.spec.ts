// The meter (core/meter.ts): what each setting change triggers, when a limit notifies, and
// that destroy() stops every reaction. A scripted provider stands in for the real ones; each
// wait is on the provider being asked, never on time.

import {emptySnapshot, type UsageSnapshot} from '../../src/core/contract.js';
import type {Finding} from '../../src/core/diagnosis.js';
import {HttpClient} from '../../src/core/http.js';
import {Meter, type Notification} from '../../src/core/meter.js';
import type {FetchContext, Provider} from '../../src/core/provider.js';
import {Keys, enabledKey, type Settings} from '../../src/core/settings.js';
import {UsageService} from '../../src/core/usageService.js';
import {makeTempDir, testEnvironment, type TestEnvironment, testSettings, UNSHOWN_PREFS} from '../support/helpers.js';

/** A provider whose answer the spec sets; `asked()` resolves at its next fetch. */
class ScriptedProvider implements Provider {
    readonly links = {usage: 'https://example.invalid/usage', status: null};
    readonly endpoints = [];
    readonly prefs = UNSHOWN_PREFS;
    percent = 10;
    fetches = 0;
    private _waiting: (() => void)[] = [];

    constructor(readonly id: string, readonly name: string, readonly billing: boolean,
        readonly refetchOn: Provider['refetchOn']) {}

    watchedPaths(): string[] {
        return [];
    }

    diagnose(): Promise<Finding[]> {
        return Promise.resolve([]);
    }

    fetch(ctx: FetchContext): Promise<UsageSnapshot[]> {
        this.fetches++;
        for (const resolve of this._waiting.splice(0))
            resolve();
        return Promise.resolve([{...emptySnapshot(this.id, 'a', 'alice'), updatedAt: ctx.env.now(),
            windows: [{id: '5h', label: '5h', usedPercent: this.percent, resetsAt: ctx.env.now() + 3_600_000, windowSeconds: 18000}]}]);
    }

    asked(): Promise<void> {
        return new Promise(resolve => this._waiting.push(resolve));
    }
}

describe('Meter', () => {
    let settings: Settings;
    let env: TestEnvironment;
    let quota: ScriptedProvider;
    let billing: ScriptedProvider;
    let service: UsageService;
    let meter: Meter;
    let notified: Notification[];

    beforeEach(async () => {
        settings = testSettings();
        settings.set(Keys.localUsageEnabled, false); // no worker process in unit specs
        settings.set(enabledKey('openai'), true);
        env = testEnvironment(makeTempDir());
        quota = new ScriptedProvider('claude', 'Claude', false, [Keys.accountDirs]);
        billing = new ScriptedProvider('openai', 'OpenAI API', true, [Keys.budgets]);
        service = new UsageService({providers: [quota, billing], env, http: new HttpClient('spec'), cache: null,
            onError: error => fail(String(error))});
        notified = [];
        meter = new Meter({settings, providers: [quota, billing], service, env, extensionDir: '/nowhere',
            notify: n => notified.push(n), onError: error => fail(String(error))});
        const first = Promise.all([quota.asked(), billing.asked()]);
        meter.start();
        await first;
        await service.refresh(false); // lets the first refresh settle
    });

    afterEach(() => meter.destroy());

    it('shows the snapshots with the thresholds and options of the settings', () => {
        expect(meter.view.snapshots.map(s => s.provider)).toEqual(['claude', 'openai']);
        expect(meter.view.thresholds).toEqual({warning: 70, critical: 90});
        expect(meter.view.local).toBeNull();
        settings.set(Keys.warningThreshold, 50);
        expect(meter.view.thresholds.warning).toBe(50);
    });

    it('tells its listeners when a threshold changes', () => {
        let changes = 0;
        meter.subscribe(() => changes++);
        settings.set(Keys.criticalThreshold, 80);
        expect(changes).toBe(1);
    });

    it('drops a provider turned off and fetches it again when turned on', async () => {
        settings.set(enabledKey('claude'), false);
        expect(meter.view.snapshots.map(s => s.provider)).toEqual(['openai']);
        const asked = quota.asked();
        settings.set(enabledKey('claude'), true);
        await asked;
        expect(quota.fetches).toBe(3);
    });

    it('fetches a provider again when a setting it reads changes; a billing one past its interval', async () => {
        const billed = billing.fetches;
        let asked = quota.asked();
        settings.setEntry(Keys.accountDirs, 'claude', ['/work']);
        await asked;
        await service.refresh(false);
        expect(billing.fetches).toBe(billed); // its hour has not passed
        asked = billing.asked();
        settings.setEntry(Keys.budgets, 'openai', 15);
        await asked;
        expect(billing.fetches).toBe(billed + 1);
    });

    it('applies a name given to an account without fetching', () => {
        const fetches = quota.fetches;
        settings.setEntry(Keys.accountNames, 'claude:a', 'Work');
        expect(meter.view.snapshots.find(s => s.provider === 'claude')?.accountLabel).toBe('Work');
        expect(quota.fetches).toBe(fetches);
    });

    it('notifies once when a limit rises into the warning level, and not at all when notifications are off', async () => {
        quota.percent = 75;
        await service.refresh(true);
        await service.refresh(true);
        expect(notified.map(n => [n.title, n.urgent])).toEqual([['Claude 5h limit at 75%', false]]);
        settings.set(Keys.notifications, false);
        quota.percent = 95;
        await service.refresh(true);
        expect(notified.length).toBe(1);
    });

    it('stops reacting to the settings once destroyed', () => {
        const accountsChanged = spyOn(service, 'accountsChanged');
        const enabled = spyOn(service, 'setEnabledProviders');
        meter.destroy();
        settings.setEntry(Keys.accountDirs, 'claude', ['/elsewhere']);
        settings.set(enabledKey('claude'), false);
        expect(accountsChanged).not.toHaveBeenCalled();
        expect(enabled).not.toHaveBeenCalled();
    });
});
