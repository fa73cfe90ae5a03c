// Opens a page (a provider's usage page) in the default browser, asynchronously, with the
// Shell's launch context so that the browser gets the focus.

import Gio from 'gi://Gio';

export function openUrl(url: string, onError: (error: unknown) => void): void {
    Gio.AppInfo.launch_default_for_uri_async(url, global.create_app_launch_context(0, -1), null, (_source, result) => {
        try {
            Gio.AppInfo.launch_default_for_uri_finish(result);
        } catch (error) {
            onError(error);
        }
    });
}
