// TEST ONLY, never shipped. GNOME Shell 48 has no --unsafe-mode switch, and Eval and
// Screenshot over D-Bus are refused unless global.context.unsafe_mode is set.
import * as MessageTray from 'resource:///org/gnome/shell/ui/messageTray.js';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

export default class E2EUnsafeMode extends Extension {
    enable() {
        global.context.unsafe_mode = true;
        // The shell posts a "System was put in unsafe mode" banner; keep it out of screenshots.
        for (const notification of [...MessageTray.getSystemSource().notifications])
            notification.destroy();
    }

    disable() {
        global.context.unsafe_mode = false;
    }
}
