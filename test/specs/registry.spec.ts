// The provider list (core/registry.ts): ids unique and usable in key names, every provider's
// keys in the compiled schema, its addresses https, and the commands providers add.

import {createProviders, providerCommands} from '../../src/core/registry.js';
import {providerDeps, testSettings} from '../support/helpers.js';

describe('the registry', () => {
    const providers = createProviders(providerDeps());
    const schema = testSettings().gio.settings_schema;

    it('lists each provider once, with an id fit for a settings key and a name', () => {
        const ids = providers.map(p => p.id);
        expect(ids.length).toBeGreaterThan(0);
        expect(new Set(ids).size).toBe(ids.length);
        for (const provider of providers) {
            expect(provider.id).withContext(provider.id).toMatch(/^[a-z][a-z0-9-]*$/);
            expect(provider.name.trim()).withContext(provider.id).not.toBe('');
        }
    });

    it('has an <id>-enabled key in the schema for every provider', () => {
        for (const provider of providers)
            expect(schema.has_key(`${provider.id}-enabled`)).withContext(provider.id).toBeTrue();
    });

    it('has every key a provider refetches on in the schema', () => {
        for (const provider of providers) {
            for (const key of provider.refetchOn)
                expect(schema.has_key(key.name)).withContext(`${provider.id}: ${key.name}`).toBeTrue();
        }
    });

    it('gives every provider https links and endpoints', () => {
        for (const provider of providers) {
            for (const url of [provider.links.usage, ...provider.links.status === null ? [] : [provider.links.status]])
                expect(url).withContext(provider.id).toMatch(/^https:\/\/[^/\s]+/);
            for (const url of provider.endpoints)
                expect(url).withContext(provider.id).toMatch(/^https:\/\/[^/\s]+/);
        }
    });

    it('builds new providers each time, on the dependencies given', () => {
        const again = createProviders(providerDeps());
        expect(again.map(p => p.id)).toEqual(providers.map(p => p.id));
        again.forEach((provider, index) => expect(providers[index] === provider).withContext(provider.id).toBeFalse());
    });
});

describe('providerCommands()', () => {
    it('holds the commands providers add, each name once, each with its help', () => {
        const commands = providerCommands();
        const names = commands.map(c => c.name);
        expect(names).toContain('statusline');
        expect(new Set(names).size).toBe(names.length);
        for (const command of commands) {
            expect(command.name).toMatch(/^[a-z][a-z-]*$/);
            expect(command.help.trim()).withContext(command.name).not.toBe('');
        }
    });
});
