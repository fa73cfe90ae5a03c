// Shows limit alerts as GNOME notifications from one source of our own, created on first use
// and destroyed with the extension.

import * as MessageTray from 'resource:///org/gnome/shell/ui/messageTray.js';

export class Notifier {
    private _source: MessageTray.Source | null = null;
    private _sourceDestroyId = 0;

    constructor(private readonly _tray: MessageTray.MessageTray, private readonly _title: string,
        private readonly _iconName: string) {}

    notify(title: string, body: string, urgent: boolean): void {
        const source = this._ensureSource();
        const notification = new MessageTray.Notification({source, title, body,
            urgency: urgent ? MessageTray.Urgency.HIGH : MessageTray.Urgency.NORMAL});
        source.addNotification(notification);
    }

    private _ensureSource(): MessageTray.Source {
        if (this._source === null) {
            const source = new MessageTray.Source({title: this._title, iconName: this._iconName});
            // The user can dismiss the source; make a new one next time.
            this._sourceDestroyId = source.connect('destroy', () => {
                this._source = null;
                this._sourceDestroyId = 0;
            });
            this._tray.add(source);
            this._source = source;
        }
        return this._source;
    }

    destroy(): void {
        if (this._source !== null) {
            this._source.disconnect(this._sourceDestroyId);
            this._source.destroy(MessageTray.NotificationDestroyedReason.SOURCE_CLOSED);
        }
        this._source = null;
        this._sourceDestroyId = 0;
    }
}
