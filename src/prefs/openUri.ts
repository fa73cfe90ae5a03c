// Opens a web page in the user's browser from the preferences window.

import Gio from 'gi://Gio';
import Gtk from 'gi://Gtk';

Gio._promisify(Gtk.UriLauncher.prototype, 'launch', 'launch_finish');

export function openUri(widget: Gtk.Widget, uri: string, cancellable: Gio.Cancellable | null): Promise<boolean> {
    const root = widget.get_root();
    return new Gtk.UriLauncher({uri}).launch(root instanceof Gtk.Window ? root : null, cancellable);
}
