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
