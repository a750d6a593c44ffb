import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { canonicalJwk, jwkThumbprint } from './jwk-thumbprint.js';

// RFC 7638 section 3.1.
const RFC_7638_KEY = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

describe('jwkThumbprint', () => {
  it('matches the RFC 7638 section 3.1 example', () => {
    expect(jwkThumbprint(RFC_7638_KEY)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(canonicalJwk(RFC_7638_KEY)).toBe(`{"e":"AQAB","kty":"RSA","n":"${RFC_7638_KEY.n}"}`);
  });

  it.each([
    ['RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['EC P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['EC P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['EC P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['OKP Ed25519', () => generateKeyPairSync('ed25519')],
  ])('agrees with jose for %s keys, ignoring optional members', async (_name, generate) => {
    const jwk = generate().publicKey.export({ format: 'jwk' }) as JWK;
    const withExtras = { ...jwk, kid: 'k', use: 'sig', alg: 'x', key_ops: ['verify'] };
    expect(jwkThumbprint(withExtras)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });

  it('refuses a JWK without a thumbprint with a typed error', () => {
    for (const jwk of [
      { kty: 'oct', k: 'AA' },
      { kty: 'EC', crv: 'P-256', x: 'AA' },
      { kty: 'RSA', n: 1, e: 'AQAB' },
      {},
    ]) {
      expect(() => jwkThumbprint(jwk)).toThrow(
        expect.objectContaining({ code: 'ERR_DPOP_PROOF_INVALID', reason: 'jwk' }),
      );
    }
  });
});
