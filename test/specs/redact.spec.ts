import {redact, redactJson} from '../../src/core/redact.js';

describe('redact()', () => {
    it('removes Anthropic and OpenAI tokens, JWTs, GitHub and Google tokens', () => {
        const text = 'a sk-ant-oat01-abcdefghijklmnop b eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl ' +
            'c ghp_abcdefghijklmnopqrstuvwxyz d ya29.abcdefghijklmnopqrstuv e sk-proj-ABCDEFGHIJKL';
        const clean = redact(text);
        for (const secret of ['sk-ant-oat01', 'eyJhbGci', 'ghp_', 'ya29.', 'sk-proj'])
            expect(clean).not.toContain(secret);
        expect(clean).toContain('a [redacted] b');
    });

    it('keeps the word Bearer and hides what follows', () => {
        expect(redact('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer [redacted]');
    });

    it('leaves ordinary text alone', () => {
        expect(redact('five_hour utilization 61')).toBe('five_hour utilization 61');
    });
});

describe('redactJson()', () => {
    it('blanks token-like keys and redacts strings deeply', () => {
        expect(redactJson({access_token: 'x', nested: [{note: 'Bearer zzz'}], n: 3, apiKey: 'k'})).toEqual(
            {access_token: '[redacted]', nested: [{note: 'Bearer [redacted]'}], n: 3, apiKey: '[redacted]'});
    });
});

describe('redact() on the credentials the issue found leaking', () => {
    const secrets: Record<string, string> = {
        'GitHub refresh token': 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498',
        'Google refresh token': '1//0gLmNoPqRsTuVwXyZ-abcdefghijklmnop_1234',
        'Google client secret': 'GOCSPX-AbCdEfGhIjKlMnOpQrStUvWxYz12',
        'Google API key': 'AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tUvW',
        'dashboard session key (OpenAI)': 'sess-AbCdEfGhIjKlMnOpQrStUvWx',
    };
    for (const [what, secret] of Object.entries(secrets)) {
        it(`removes a ${what}`, () => {
            expect(redact(`before ${secret} after`)).toBe('before [redacted] after');
            expect(redact(JSON.stringify({note: secret}))).not.toContain(secret.slice(6));
        });
    }

    it('keeps the scheme word of Basic and token authorisations and hides the credential', () => {
        expect(redact('Authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe('Authorization: Basic [redacted]');
        expect(redact('Authorization: token 0123456789abcdef0123456789abcdef01234567'))
            .toBe('Authorization: token [redacted]');
        expect(redact('a token count of 12')).toBe('a token count of 12');
    });

    it('strips the whole query of a signed link, and signature or code values anywhere', () => {
        const signed = 'https://storage.example.net/reports/1.ndjson?sv=2025-01-05&se=2026-11-23T13%3A00%3A00Z&sp=r&sig=AbC%2Fd3fG';
        expect(redact(`link: ${signed} end`)).toBe('link: https://storage.example.net/reports/1.ndjson?[redacted] end');
        const amazon = 'https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef';
        expect(redact(amazon)).toBe('https://bucket.s3.amazonaws.com/k?[redacted]');
        expect(redact('GET /auth/callback?code=ac_123456&state=xyz')).toBe('GET /auth/callback?code=[redacted]&state=xyz');
        expect(redact('?sig=abc&x=1')).toBe('?sig=[redacted]&x=1');
        expect(redact('https://example.com/page?tab=usage&sort=asc')).toBe('https://example.com/page?tab=usage&sort=asc');
    });

    it('does not throw on a malformed percent escape in a query', () => {
        expect(redact('https://h.example/p?%E0%A4%A=1&sig=x')).toBe('https://h.example/p?[redacted]');
    });
});

describe('redactJson() and counts', () => {
    it('keeps token counts (numbers, digit strings) and blanks token strings', () => {
        const usage = {input_tokens: 1200, total_tokens: 3400, cache_read_input_tokens: 77, output_tokens: '56',
            tokens: {access_token: 'at-secret', expires_in: 3600}, session_key: 'opaque', num_sessions: 4};
        expect(redactJson(usage)).toEqual({input_tokens: 1200, total_tokens: 3400, cache_read_input_tokens: 77,
            output_tokens: '56', tokens: {access_token: '[redacted]', expires_in: 3600}, session_key: '[redacted]',
            num_sessions: 4});
    });

    it('strips signed download links from a report before it can be cached or printed', () => {
        const report = {download_links: ['https://copilot-reports.example/r1.ndjson?sp=r&sig=S1GNATURE'],
            report_day: '2026-11-22'};
        expect(JSON.stringify(redactJson(report))).not.toContain('S1GNATURE');
    });

    it('cuts a payload nested absurdly deep instead of overflowing the stack', () => {
        let deep: unknown = 'leaf';
        for (let i = 0; i < 10_000; i++)
            deep = [deep];
        expect(() => JSON.stringify(redactJson(deep))).not.toThrow();
    });
});
