import type {ProviderId} from '../../src/core/contract.js';
import {UsageError, parseArgs, usage} from '../../src/cli/args.js';
import {providerCommands} from '../../src/core/registry.js';

const ALL: ProviderId[] = ['claude', 'codex', 'gemini', 'copilot', 'openai', 'anthropic', 'copilot-org'];

describe('parseArgs()', () => {
    it('shows the enabled providers as a table by default', () => {
        expect(parseArgs([], ALL)).toEqual({name: 'show', providers: null, json: false, window: null});
    });

    it('takes providers repeated or comma-separated, and --json', () => {
        expect(parseArgs(['show', '--provider', 'claude', '--provider=codex,gemini', '--json'], ALL))
            .toEqual({name: 'show', providers: ['claude', 'codex', 'gemini'], json: true, window: null});
        expect(parseArgs(['show', '--provider', 'all'], ALL)).toEqual({name: 'show', providers: ALL, json: false, window: null});
    });

    it('reads the status-bar format', () => {
        expect(parseArgs(['status'], ALL)).toEqual({name: 'status', providers: null, format: 'waybar'});
        expect(parseArgs(['status', '--format', 'i3blocks', '--provider', 'copilot'], ALL))
            .toEqual({name: 'status', providers: ['copilot'], format: 'i3blocks'});
    });

    it('reads the window: limits of that length, spend of that period', () => {
        expect(parseArgs(['show', '--window', '7d', '--provider', 'openai'], ALL)).toEqual({name: 'show', providers: ['openai'], json: false,
            window: '7d'});
        expect(parseArgs(['show', '--window=5h'], ALL)).toEqual(jasmine.objectContaining({window: '5h'}));
    });

    it('reads the scan modes', () => {
        expect(parseArgs(['scan'], ALL)).toEqual({name: 'scan', json: false, mode: 'once'});
        expect(parseArgs(['scan', '--json'], ALL)).toEqual({name: 'scan', json: true, mode: 'once'});
        expect(parseArgs(['scan', '--serve'], ALL)).toEqual({name: 'scan', json: false, mode: 'serve'});
        expect(parseArgs(['scan', '--share'], ALL)).toEqual({name: 'scan', json: false, mode: 'share'});
    });

    it('knows doctor, help and version', () => {
        expect(parseArgs(['doctor'], ALL)).toEqual({name: 'doctor'});
        expect(parseArgs(['show', '--help'], ALL)).toEqual({name: 'help'});
        expect(parseArgs(['-h'], ALL)).toEqual({name: 'help'});
        expect(parseArgs(['--version'], ALL)).toEqual({name: 'version'});
    });

    it('refuses what it does not understand, saying what', () => {
        const cases: [string[], string][] = [
            [['frobnicate'], 'unknown command "frobnicate"'],
            [['show', '--provider', 'cursor'], 'unknown provider "cursor"'],
            [['show', '--provider'], '--provider needs a value'],
            [['status', '--format', 'xml'], 'unknown format "xml"'],
            [['doctor', '--json'], 'unexpected "--json" for doctor'],
            [['show', '--format', 'waybar'], 'unexpected "--format" for show'],
            [['scan', '--provider', 'claude'], 'unexpected "--provider" for scan'],
            [['show', '--window', '2d'], 'unknown window "2d"'],
            [['status', '--window', '7d'], 'unexpected "--window" for status'],
        ];
        for (const [argv, message] of cases) {
            expect(() => parseArgs(argv, ALL)).toThrowMatching(e => e instanceof UsageError && e.message.includes(message));
        }
    });

    it('lists in the help the providers, their sign-ins and the commands they add, each described', () => {
        const text = usage(ALL, ['claude', 'copilot'], providerCommands());
        expect(text).toContain(`--provider P       the enabled ones (default), all, ${ALL.join(', ')};`);
        expect(text).toContain('(claude, copilot)');
        expect(text).toMatch(/\n {2}statusline\n {12}Claude Code's statusline command: /);
    });
});
