// Standard input and output as GIO streams, for the commands that read or write them as such.

import Gio from 'gi://Gio';

/** Unix fd streams: GioUnix since GLib 2.80, Gio.Unix*Stream before. */
export async function unixStreams(): Promise<{InputStream: typeof Gio.UnixInputStream; OutputStream: typeof Gio.UnixOutputStream}> {
    try {
        const {default: GioUnix} = await import('gi://GioUnix') as
            {default: {InputStream: typeof Gio.UnixInputStream; OutputStream: typeof Gio.UnixOutputStream}};
        return GioUnix;
    } catch {
        return {InputStream: Gio.UnixInputStream, OutputStream: Gio.UnixOutputStream};
    }
}
