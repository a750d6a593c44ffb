import { describe, expect, it } from 'vitest';
import { makeKey } from './testing/jwks-server.js';
import { importJwk, type VerificationKey } from './verification-key.js';

describe('importJwk', () => {
  const rsa = makeKey('RS256', 'rsa').publicJwk;

  it('imports a public signature key for the algorithms its kty/crv/alg allow', () => {
    const key = importJwk(rsa);
    expect(typeof key).toBe('object');
    expect([...(key as VerificationKey).algorithms]).toEqual(['RS256']);
    const { alg: _alg, ...noAlg } = rsa;
    expect([...(importJwk(noAlg) as VerificationKey).algorithms]).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  });

  it.each([
    ['RSA with e = 1 (every message is its own signature)', { ...rsa, e: 'AQ' }],
    ['RSA with an even exponent', { ...rsa, e: 'AQAA' }],
    ['Ed25519 identity point', { kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(32).toString('base64url') }],
    ['Ed25519 order-8 point', { kty: 'OKP', crv: 'Ed25519', x: Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex').toString('base64url') }],
    ['Ed25519 order-8 point with the sign bit set', { kty: 'OKP', crv: 'Ed25519', x: Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 'hex').toString('base64url') }],
  ])('refuses keys anyone can sign for: %s', (_name, jwk) => {
    expect(importJwk(jwk)).toBe('weak-key');
  });

  it('refuses malformed key material without throwing', () => {
    expect(importJwk({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })).toBe('invalid-key');
    expect(importJwk({ kty: 'RSA', n: 'not base64!', e: 'AQAB' })).toBeTypeOf('string');
    expect(importJwk('a string')).toBe('not-an-object');
  });
});
