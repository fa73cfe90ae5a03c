import {format, labelFor} from '../../src/core/i18n.js';

describe('format()', () => {
    it('fills %s and %d in order and keeps %%', () => {
        expect(format('%s is %d%%', 'five_hour', 61)).toBe('five_hour is 61%');
        expect(format('%s and %s', 'one')).toBe('one and %s');
    });
});

describe('labelFor()', () => {
    it('gives the label of a name from the data, and none for a name that is not in the table (Object\'s own included)', () => {
        const labels = {chat: () => 'Chat'};
        expect(labelFor(labels, 'chat')).toBe('Chat');
        for (const name of ['completions', 'constructor', '__proto__', 'toString', '__defineGetter__', 'hasOwnProperty'])
            expect(labelFor(labels, name)).withContext(name).toBeNull();
    });
});
