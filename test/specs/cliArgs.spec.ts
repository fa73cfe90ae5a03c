import type {ProviderId} from '../../src/core/contract.js';
import {UsageError, parseArgs} from '../../src/cli/args.js';

const ALL: ProviderId[] = ['claude', 'codex', 'gemini', 'copilot', 'openai', 'anthropic', 'copilot-org'];

describe('parseArgs()', () => {
    it('shows every provider as a table by default', () => {
        expect(parseArgs([])).toEqual({name: 'show', providers: ALL, json: false, window: null});
    });

    it('takes providers repeated or comma-separated, and --json', () => {
        expect(parseArgs(['show', '--provider', 'claude', '--provider=codex,gemini', '--json']))
            .toEqual({name: 'show', providers: ['claude', 'codex', 'gemini'], json: true, window: null});
        expect(parseArgs(['show', '--provider', 'all'])).toEqual({name: 'show', providers: ALL, json: false, window: null});
    });

    it('reads the status-bar format', () => {
        expect(parseArgs(['status'])).toEqual({name: 'status', providers: ALL, format: 'waybar'});
        expect(parseArgs(['status', '--format', 'i3blocks', '--provider', 'copilot']))
            .toEqual({name: 'status', providers: ['copilot'], format: 'i3blocks'});
    });

    it('reads the spend window', () => {
        expect(parseArgs(['show', '--window', '7d', '--provider', 'openai'])).toEqual({name: 'show', providers: ['openai'], json: false,
            window: '7d'});
    });

    it('reads the scan modes', () => {
        expect(parseArgs(['scan'])).toEqual({name: 'scan', json: false, mode: 'once'});
        expect(parseArgs(['scan', '--json'])).toEqual({name: 'scan', json: true, mode: 'once'});
        expect(parseArgs(['scan', '--serve'])).toEqual({name: 'scan', json: false, mode: 'serve'});
        expect(parseArgs(['scan', '--share'])).toEqual({name: 'scan', json: false, mode: 'share'});
    });

    it('knows doctor, help and version', () => {
        expect(parseArgs(['doctor'])).toEqual({name: 'doctor'});
        expect(parseArgs(['show', '--help'])).toEqual({name: 'help'});
        expect(parseArgs(['-h'])).toEqual({name: 'help'});
        expect(parseArgs(['--version'])).toEqual({name: 'version'});
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
            expect(() => parseArgs(argv)).toThrowMatching(e => e instanceof UsageError && e.message.includes(message));
        }
    });
});
