import { describe, expect, it } from 'vitest';
import { checkClaims as check } from './claims.js';
import type { JwtClaims, ProtectedHeader } from './compact-jws.js';
import type { ResolvedClaimPolicy } from './resolve-options.js';

const NOW = 1_800_000_000;
const policy = (over: Partial<ResolvedClaimPolicy> = {}): ResolvedClaimPolicy => ({
  issuer: 'https://auth.example.com',
  audience: ['orders'],
  clockToleranceSec: 5,
  maxTokenAgeSec: null,
  requireExp: true,
  typ: null,
  requiredClaims: [],
  checkClaims: undefined,
  ...over,
});
// Test payloads deliberately carry undefined and wrongly typed claims.
const checkClaims = (h: ProtectedHeader, payload: object, p: ResolvedClaimPolicy, now: number) =>
  check(h, payload as JwtClaims, p, now);
const base = { iss: 'https://auth.example.com', aud: 'orders', exp: NOW + 60, iat: NOW - 10 };
const header = { alg: 'RS256' };

describe('checkClaims', () => {
  it('accepts a valid token', () => {
    expect(() => checkClaims(header, base, policy(), NOW)).not.toThrow();
    expect(() => checkClaims(header, { ...base, aud: ['x', 'orders'] }, policy(), NOW)).not.toThrow();
    expect(() => checkClaims(header, { ...base, aud: 'b' }, policy({ audience: ['a', 'b'] }), NOW)).not.toThrow();
    expect(() => checkClaims(header, { ...base, aud: undefined }, policy({ audience: null }), NOW)).not.toThrow();
  });

  it.each([
    ['expired', { exp: NOW - 5 }, {}, 'ERR_CLAIM_EXPIRED', 'exp', 'expired'],
    [
      'expired at the exact tolerance edge',
      { exp: NOW - 5 },
      { clockToleranceSec: 5 },
      'ERR_CLAIM_EXPIRED',
      'exp',
      'expired',
    ],
    ['missing exp', { exp: undefined }, {}, 'ERR_CLAIM_MISSING', 'exp', 'missing'],
    ['a string exp', { exp: String(NOW + 60) }, {}, 'ERR_CLAIM_INVALID', 'exp', 'invalid-type'],
    ['a NaN-like exp', { exp: null }, {}, 'ERR_CLAIM_INVALID', 'exp', 'invalid-type'],
    ['nbf in the future', { nbf: NOW + 6 }, {}, 'ERR_CLAIM_NOT_YET_VALID', 'nbf', 'not-yet-valid'],
    ['iat in the future', { iat: NOW + 6 }, {}, 'ERR_CLAIM_NOT_YET_VALID', 'iat', 'not-yet-valid'],
    ['too old', { iat: NOW - 4000 }, { maxTokenAgeSec: 3600 }, 'ERR_CLAIM_TOO_OLD', 'iat', 'too-old'],
    ['no iat with a max age', { iat: undefined }, { maxTokenAgeSec: 3600 }, 'ERR_CLAIM_MISSING', 'iat', 'missing'],
    ['another issuer', { iss: 'https://evil.example.com' }, {}, 'ERR_CLAIM_MISMATCH', 'iss', 'mismatch'],
    [
      'an issuer with a trailing slash',
      { iss: 'https://auth.example.com/' },
      {},
      'ERR_CLAIM_MISMATCH',
      'iss',
      'mismatch',
    ],
    ['an issuer in another case', { iss: 'https://AUTH.example.com' }, {}, 'ERR_CLAIM_MISMATCH', 'iss', 'mismatch'],
    ['an issuer as an array', { iss: ['https://auth.example.com'] }, {}, 'ERR_CLAIM_MISMATCH', 'iss', 'mismatch'],
    ['no issuer', { iss: undefined }, {}, 'ERR_CLAIM_MISMATCH', 'iss', 'missing'],
    ['another audience', { aud: 'payments' }, {}, 'ERR_CLAIM_MISMATCH', 'aud', 'mismatch'],
    ['an audience in another case', { aud: 'Orders' }, {}, 'ERR_CLAIM_MISMATCH', 'aud', 'mismatch'],
    ['no audience', { aud: undefined }, {}, 'ERR_CLAIM_MISSING', 'aud', 'missing'],
    ['an empty audience list', { aud: [] }, {}, 'ERR_CLAIM_MISMATCH', 'aud', 'mismatch'],
    ['a numeric audience', { aud: 7 }, {}, 'ERR_CLAIM_INVALID', 'aud', 'invalid-type'],
    ['a required claim missing', {}, { requiredClaims: ['jti'] }, 'ERR_CLAIM_MISSING', 'jti', 'missing'],
    [
      'a required claim named constructor, present only on the prototype',
      {},
      { requiredClaims: ['constructor'] },
      'ERR_CLAIM_MISSING',
      'constructor',
      'missing',
    ],
    [
      'a required claim named toString',
      {},
      { requiredClaims: ['toString'] },
      'ERR_CLAIM_MISSING',
      'toString',
      'missing',
    ],
    [
      'a required claim named __proto__',
      {},
      { requiredClaims: ['__proto__'] },
      'ERR_CLAIM_MISSING',
      '__proto__',
      'missing',
    ],
  ])('refuses %s', (_name, over, policyOver, code, claim, reason) => {
    expect(() =>
      checkClaims(header, { ...base, ...over }, policy(policyOver as Partial<ResolvedClaimPolicy>), NOW),
    ).toThrow(expect.objectContaining({ code, claim, reason }));
  });

  it('allows clock skew within the tolerance', () => {
    expect(() =>
      checkClaims(header, { ...base, exp: NOW - 4, nbf: NOW + 4, iat: NOW + 4 }, policy(), NOW),
    ).not.toThrow();
  });

  it('does not require exp when told not to', () => {
    expect(() => checkClaims(header, { ...base, exp: undefined }, policy({ requireExp: false }), NOW)).not.toThrow();
  });

  it('checks typ case-insensitively with an optional application/ prefix (RFC 9068)', () => {
    const p = policy({ typ: 'at+jwt' });
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt'])
      expect(() => checkClaims({ alg: 'RS256', typ }, base, p, NOW)).not.toThrow();
    for (const typ of ['JWT', 'at+jwt2', undefined]) {
      expect(() => checkClaims({ alg: 'RS256', ...(typ ? { typ } : {}) }, base, p, NOW)).toThrow(
        expect.objectContaining({ code: 'ERR_CLAIM_MISMATCH', claim: 'typ' }),
      );
    }
  });

  it('accepts required claims that are own members, whatever their name', () => {
    const payload = JSON.parse(
      '{"iss":"https://auth.example.com","aud":"orders","exp":1800000060,"constructor":"c","__proto__":{"x":1}}',
    ) as object;
    expect(() =>
      checkClaims(header, payload, policy({ requiredClaims: ['constructor', '__proto__'] }), NOW),
    ).not.toThrow();
  });
});
