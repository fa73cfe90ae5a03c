// Billing providers against a loopback server: a fresh server, home and keyring entries for each
// spec, the clock on a fixed day, and the provider's budget, balance or organisation in settings.

import type {UsageSnapshot} from '../../src/core/contract.js';
import type {ProviderId} from '../../src/core/contract.js';
import type {FetchContext, ProviderDeps} from '../../src/core/provider.js';
import {COPILOT_ORG, COPILOT_ORG_ENTERPRISE} from '../../src/core/providers/copilotOrg.js';
import {SecretStore} from '../../src/core/secrets.js';
import {Keys} from '../../src/core/settings.js';
import {FixtureServer} from './fixtureServer.js';
import {fetchContext, loopbackHttp, makeTempDir, providerDeps, testEnvironment, testSettings, type TestEnvironment} from './helpers.js';

/** 23 November 2026, 12:00 UTC: the day the fixtures' reports end. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

export interface BillingSettings {
    budget?: number;
    balance?: {amount: number; setAt: number};
    org?: {name: string; enterprise: boolean};
}

export class BillingFixture {
    server = new FixtureServer();
    env: TestEnvironment = testEnvironment(makeTempDir());
    readonly secrets = new SecretStore();
    private readonly _keyed = new Set<ProviderId>();

    /** A fixture renewed before each spec of the describe block it is called in. */
    static eachSpec(): BillingFixture {
        const fixture = new BillingFixture();
        fixture.server.destroy();
        beforeEach(() => {
            fixture.server = new FixtureServer();
            fixture.env = testEnvironment(makeTempDir());
            fixture.env.clock = NOW;
        });
        afterEach(async () => {
            fixture.server.destroy();
            for (const id of fixture._keyed)
                await fixture.secrets.clear(id, 'admin-key');
        });
        return fixture;
    }

    /** Puts an admin key for `id` in the test keyring (removed after the spec). */
    async storeKey(id: ProviderId, key: string): Promise<void> {
        this._keyed.add(id);
        await this.secrets.store(id, 'admin-key', 'test', key);
    }

    /** A provider's deps: its budget, balance or organisation in clean settings, the test keyring. */
    deps(id: ProviderId, s: BillingSettings = {}): ProviderDeps {
        const settings = testSettings();
        if (s.budget !== undefined)
            settings.setEntry(Keys.budgets, id, s.budget);
        if (s.balance !== undefined)
            settings.setEntry(Keys.balances, id, [s.balance.amount, s.balance.setAt]);
        if (s.org !== undefined) {
            settings.set(COPILOT_ORG, s.org.name);
            settings.set(COPILOT_ORG_ENTERPRISE, s.org.enterprise);
        }
        return providerDeps(settings, this.secrets);
    }

    /** The one snapshot a billing provider returns. */
    async fetch(provider: {fetch: (ctx: FetchContext) => Promise<UsageSnapshot[]>}): Promise<UsageSnapshot> {
        const [snapshot] = await provider.fetch(fetchContext(this.env, loopbackHttp(this.server.baseUrl)));
        if (!snapshot)
            throw new Error('no snapshot');
        return snapshot;
    }
}

export function must<T>(value: T | null | undefined): T {
    if (value === null || value === undefined)
        throw new Error('missing');
    return value;
}
