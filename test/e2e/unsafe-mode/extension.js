// TEST ONLY, never shipped. GNOME Shell 48 has no --unsafe-mode switch, and Eval and
// Screenshot over D-Bus are refused unless global.context.unsafe_mode is set. It also
// installs the resource probe (shellProbe.js, compiled from test/e2e/shellProbe.ts and copied
// here by session.sh) as globalThis.aumE2EProbe. It stays enabled on the lock screen
// (session-modes), so the driver can still Eval there and unlock.
import * as MessageTray from 'resource:///org/gnome/shell/ui/messageTray.js';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

import {ShellProbe} from './shellProbe.js';

export default class E2EUnsafeMode extends Extension {
    enable() {
        global.context.unsafe_mode = true;
        globalThis.aumE2EProbe ??= new ShellProbe();
        // The shell posts a "System was put in unsafe mode" banner; keep it out of screenshots.
        for (const notification of [...MessageTray.getSystemSource().notifications])
            notification.destroy();
    }

    disable() {
        globalThis.aumE2EProbe?.destroy();
        delete globalThis.aumE2EProbe;
        global.context.unsafe_mode = false;
    }
}
