import {resolveEndpoint} from '../../src/core/http.js';

describe('resolveEndpoint()', () => {
    const url = 'https://api.anthropic.com/api/oauth/usage';

    it('talks to the real host without an override', () => {
        expect(resolveEndpoint(url, null)).toBe(url);
    });

    it('sends requests to a loopback test server when one is given', () => {
        expect(resolveEndpoint(url, 'http://127.0.0.1:4567')).toBe('http://127.0.0.1:4567/api.anthropic.com/api/oauth/usage');
        expect(resolveEndpoint(url, 'http://localhost:80')).toBe('http://localhost:80/api.anthropic.com/api/oauth/usage');
    });

    it('ignores an override that is not loopback, so tokens cannot be sent elsewhere', () => {
        for (const override of ['http://evil.example:80', 'https://127.0.0.1:1', 'http://127.0.0.1', 'http://10.0.0.1:80'])
            expect(resolveEndpoint(url, override)).toBe(url);
    });

    it('leaves a server on this machine alone (Antigravity\'s language server)', () => {
        for (const local of ['https://127.0.0.1:44883/exa', 'http://[::1]:44884/exa'])
            expect(resolveEndpoint(local, 'http://127.0.0.1:4567')).toBe(local);
    });
});
