import { describe, expect, it } from 'vitest';
import type { VerifiedToken } from './verifier.js';
import { requireAuthLevel, StepUpError } from './step-up.js';

const NOW_MS = Date.UTC(2026, 11, 4, 12);
const clock = () => NOW_MS;
const auth = (claims: Record<string, unknown>): VerifiedToken => ({
  claims,
  header: { alg: 'RS256' },
  alg: 'RS256',
  kid: 'k',
  keySource: 'jwks',
  issuer: 'https://auth.example.com',
  cached: false,
});

describe('requireAuthLevel (RFC 9470)', () => {
  const mfa = requireAuthLevel({ acr: ['urn:example:mfa', 'urn:example:hwk'], maxAgeSec: 300, clock });

  it('passes a token with an accepted acr and a recent auth_time', () => {
    expect(mfa(auth({ acr: 'urn:example:hwk', auth_time: NOW_MS / 1000 - 300 }))).toBeUndefined();
  });

  it.each([
    ['no acr', { auth_time: NOW_MS / 1000 }, 'acr', 'missing'],
    ['a weaker acr', { acr: 'urn:example:pwd', auth_time: NOW_MS / 1000 }, 'acr', 'insufficient'],
    ['no auth_time', { acr: 'urn:example:mfa' }, 'auth_time', 'missing'],
    ['a string auth_time', { acr: 'urn:example:mfa', auth_time: String(NOW_MS / 1000) }, 'auth_time', 'invalid-type'],
    ['an old login', { acr: 'urn:example:mfa', auth_time: NOW_MS / 1000 - 301 }, 'auth_time', 'too-old'],
  ])('refuses %s with 401 insufficient_user_authentication and what to ask for', (_name, claims, claim, reason) => {
    let error: unknown;
    try {
      // The check is synchronous: it throws, it never returns a promise.
      void mfa(auth(claims));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(StepUpError);
    expect(error).toMatchObject({
      code: 'ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT',
      status: 401,
      bearerError: 'insufficient_user_authentication',
      claim,
      reason,
      acrValues: ['urn:example:mfa', 'urn:example:hwk'],
      maxAgeSec: 300,
    });
  });

  it('requires every listed amr method', () => {
    const check = requireAuthLevel({ amr: ['pwd', 'otp'] });
    expect(check(auth({ amr: ['otp', 'pwd', 'hwk'] }))).toBeUndefined();
    expect(() => check(auth({ amr: ['pwd'] }))).toThrow(
      expect.objectContaining({ claim: 'amr', reason: 'insufficient', acrValues: undefined }),
    );
    expect(() => check(auth({}))).toThrow(expect.objectContaining({ claim: 'amr', reason: 'missing' }));
  });

  it('refuses an anonymous request with 401 and no error code', () => {
    expect(() => mfa(undefined)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_MISSING' }));
  });

  it.each([
    ['nothing to require', {}],
    ['an empty acr list', { acr: [] }],
    ['a negative maxAgeSec', { maxAgeSec: -1 }],
    ['maxAgeSec in ms by mistake', { maxAgeSec: 1.5 }],
    ['an empty amr list', { amr: [] }],
  ])('refuses %s where the route is declared', (_name, level) => {
    expect(() => requireAuthLevel(level)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});
