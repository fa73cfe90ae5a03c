import {format} from '../../src/core/i18n.js';

describe('format()', () => {
    it('fills %s and %d in order and keeps %%', () => {
        expect(format('%s is %d%%', 'five_hour', 61)).toBe('five_hour is 61%');
        expect(format('%s and %s', 'one')).toBe('one and %s');
    });
});
