// The assistants' configuration folders, as the providers and the log scanner both read them.

import {claudeFolders, codexHomes, configFolders} from '../../src/core/cliFolders.js';
import {testEnvironment} from '../support/helpers.js';

describe('configFolders()', () => {
    const home = '/home/me';
    const folders = (value: string | null, defaults = ['/home/me/.claude']): string[] =>
        configFolders(testEnvironment(home, value === null ? {} : {CLAUDE_CONFIG_DIR: value}), 'CLAUDE_CONFIG_DIR', defaults);

    it('is the defaults when the variable is unset, empty or lists nothing', () => {
        expect(folders(null)).toEqual(['/home/me/.claude']);
        expect(folders('')).toEqual(['/home/me/.claude']);
        expect(folders(' , ,')).toEqual(['/home/me/.claude']);
        expect(folders(null, ['/a', '/b'])).toEqual(['/a', '/b']);
    });

    it('is one folder, or a comma-separated list in its order, trimmed', () => {
        expect(folders('/work/claude')).toEqual(['/work/claude']);
        expect(folders('/a, /b ,,/c')).toEqual(['/a', '/b', '/c']);
    });

    it('expands ~ and ~/ to the home folder, and nothing else', () => {
        expect(folders('~, ~/work/.claude')).toEqual(['/home/me', '/home/me/work/.claude']);
        expect(folders('~other/.claude,/x~/y')).toEqual(['~other/.claude', '/x~/y']);
    });

    it('hands out a copy of the defaults', () => {
        const defaults = ['/a'];
        folders(null, defaults).push('/b');
        expect(defaults).toEqual(['/a']);
    });
});

describe('claudeFolders() and codexHomes()', () => {
    it('are ~/.config/claude and ~/.claude, and ~/.codex, by default', () => {
        const env = testEnvironment('/home/me');
        expect(claudeFolders(env)).toEqual([`${env.configDir}/claude`, '/home/me/.claude']);
        expect(codexHomes(env)).toEqual(['/home/me/.codex']);
    });

    it('are CLAUDE_CONFIG_DIR and CODEX_HOME when set, alone', () => {
        const env = testEnvironment('/home/me', {CLAUDE_CONFIG_DIR: '/a,~/b', CODEX_HOME: '/c'});
        expect(claudeFolders(env)).toEqual(['/a', '/home/me/b']);
        expect(codexHomes(env)).toEqual(['/c']);
    });
});
