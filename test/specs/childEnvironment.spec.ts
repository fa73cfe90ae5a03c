// The log scanner worker's environment: what it needs, and none of the Shell's secrets.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import {childEnvironment} from '../../src/core/childEnvironment.js';
import {readToEnd} from '../../src/core/files.js';

describe('childEnvironment()', () => {
    const shell = ['HOME=/home/u', 'PATH=/usr/bin', 'LANG=C.UTF-8', 'LC_TIME=de_DE.UTF-8', 'XDG_DATA_HOME=/home/u/.local/share',
        'XDG_RUNTIME_DIR=/run/user/1000', 'CLAUDE_CONFIG_DIR=/home/u/work/.claude', 'CODEX_HOME=/home/u/.codex',
        'ANTHROPIC_ADMIN_KEY=sk-ant-admin01-SECRET', 'OPENAI_ADMIN_KEY=sk-admin-SECRET', 'CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-SECRET',
        'GITHUB_TOKEN=ghp_SECRET', 'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus', 'XDG_SECRET_TOKEN=x', 'broken'];

    it('keeps home, path, locale, XDG folders and the CLIs\' folders, and drops every key and token', () => {
        expect(childEnvironment(shell)).toEqual(['HOME=/home/u', 'PATH=/usr/bin', 'LANG=C.UTF-8', 'LC_TIME=de_DE.UTF-8',
            'XDG_DATA_HOME=/home/u/.local/share', 'XDG_RUNTIME_DIR=/run/user/1000', 'CLAUDE_CONFIG_DIR=/home/u/work/.claude',
            'CODEX_HOME=/home/u/.codex']);
    });

    it('is what a process started with it sees', async () => {
        const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_PIPE});
        launcher.set_environ(childEnvironment([...GLib.get_environ(), 'ANTHROPIC_ADMIN_KEY=sk-ant-admin01-SECRET']));
        const child = launcher.spawnv(['env']);
        const stdout = child.get_stdout_pipe();
        if (stdout === null)
            throw new Error('no pipe');
        const seen = new TextDecoder().decode(await readToEnd(stdout, null));
        expect(seen).not.toContain('SECRET');
        expect(seen).toContain(`HOME=${GLib.get_home_dir()}`);
    });
});
