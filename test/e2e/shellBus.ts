// What both e2e programs (the test driver and the stall probe) need to drive the headless
// Shell: its D-Bus calls, Eval (unsafe mode), running commands, waiting.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

Gio._promisify(Gio.DBusConnection.prototype, 'call', 'call_finish');
Gio._promisify(Gio.Subprocess.prototype, 'wait_check_async', 'wait_check_finish');

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

export async function shellCall(path: string, iface: string, method: string, args: GLib.Variant | null): Promise<unknown> {
    const reply = await Gio.DBus.session.call('org.gnome.Shell', path, iface, method, args, null,
        Gio.DBusCallFlags.NONE, 20000, null);
    return reply.recursiveUnpack();
}

/** Evaluates JS in the shell (unsafe mode) and returns its JSON-decoded result. */
export async function shellEval(code: string): Promise<unknown> {
    const [ok, result] = await shellCall('/org/gnome/Shell', 'org.gnome.Shell', 'Eval',
        new GLib.Variant('(s)', [code])) as [boolean, string];
    if (!ok)
        throw new Error(`Eval failed: ${result}`);
    return result === '' || result === 'undefined' ? undefined : JSON.parse(result) as unknown;
}

/** shellEval, with undefined while the Shell cannot answer yet. */
export async function tryEval(code: string): Promise<unknown> {
    try {
        return await shellEval(code);
    } catch {
        return undefined;
    }
}

/** Runs a command to its end; throws when it fails. */
export async function run(argv: string[]): Promise<void> {
    const process = Gio.Subprocess.new(argv, Gio.SubprocessFlags.NONE);
    await process.wait_check_async(null);
}
