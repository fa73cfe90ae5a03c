import Gio from 'gi://Gio';

import {Lifetime} from '../../src/core/lifetime.js';

describe('Lifetime', () => {
    it('undoes everything newest first, and only once', () => {
        const order: string[] = [];
        const lifetime = new Lifetime();
        lifetime.add({destroy: () => order.push('widget')});
        lifetime.defer(() => order.push('source'));
        lifetime.add({destroy: () => order.push('service')});
        lifetime.destroy();
        lifetime.destroy();
        expect(order).toEqual(['service', 'source', 'widget']);
    });

    it('keeps going when one step fails', () => {
        const order: string[] = [];
        const reported: unknown[] = [];
        const lifetime = new Lifetime(error => reported.push(error));
        lifetime.defer(() => order.push('first'));
        lifetime.defer(() => {
            throw new Error('boom');
        });
        lifetime.destroy();
        expect(order).toEqual(['first']);
        expect(reported.map(e => String(e))).toEqual(['Error: boom']);
    });

    it('disconnects the signal handlers it connected', () => {
        const settings = new Gio.Settings({schema_id: 'org.gnome.shell.extensions.ai-usage-meter'});
        const seen: string[] = [];
        const lifetime = new Lifetime();
        lifetime.connect(settings, 'changed::refresh-interval', () => seen.push('changed'));
        settings.set_uint('refresh-interval', 600);
        lifetime.destroy();
        settings.set_uint('refresh-interval', 900);
        expect(seen).toEqual(['changed']);
        settings.reset('refresh-interval');
    });
});
