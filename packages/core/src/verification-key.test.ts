import { constants, createPrivateKey, randomBytes, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeKey } from './testing/keys.js';
import { importJwk, type VerificationKey } from './verification-key.js';

describe('importJwk', () => {
  const rsa = makeKey('RS256', 'rsa').publicJwk;

  it('imports a public signature key for the algorithms its kty/crv/alg allow', () => {
    const key = importJwk(rsa);
    expect(typeof key).toBe('object');
    expect([...(key as VerificationKey).algorithms]).toEqual(['RS256']);
    const { alg: _alg, ...noAlg } = rsa;
    expect([...(importJwk(noAlg) as VerificationKey).algorithms]).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
    ]);
  });

  it.each([
    ['RSA with e = 1 (every message is its own signature)', { ...rsa, e: 'AQ' }],
    ['RSA with an even exponent', { ...rsa, e: 'AQAA' }],
    ['Ed25519 identity point', { kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(32).toString('base64url') }],
    [
      'Ed25519 order-8 point',
      {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex').toString('base64url'),
      },
    ],
    [
      'Ed25519 order-8 point with the sign bit set',
      {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 'hex').toString('base64url'),
      },
    ],
  ])('refuses keys anyone can sign for: %s', (_name, jwk) => {
    expect(importJwk(jwk)).toBe('weak-key');
  });

  it('refuses malformed key material without throwing', () => {
    expect(importJwk({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })).toBe('invalid-key');
    expect(importJwk({ kty: 'RSA', n: 'not base64!', e: 'AQAB' })).toBeTypeOf('string');
    expect(importJwk('a string')).toBe('not-an-object');
  });

  it('refuses RSA keys over 8192 bits: each forged token would cost a verifier tens of milliseconds', () => {
    // A public key needs no primes to import: a random odd modulus of the right size will do.
    const modulus = (bits: number) => {
      const n = randomBytes(bits / 8);
      n[0]! |= 0x80;
      n[n.length - 1]! |= 1;
      return { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' };
    };
    expect(importJwk(modulus(16_384))).toBe('rsa-too-large');
    expect(importJwk(modulus(8192 + 8))).toBe('rsa-too-large');
    expect(typeof importJwk(modulus(8192))).toBe('object');
  });

  it.each([
    ['RS256', constants.RSA_PKCS1_PADDING],
    ['PS256', constants.RSA_PKCS1_PSS_PADDING],
  ] as const)(
    '%s: refuses a signature shorter than the modulus (leading zero byte dropped), which OpenSSL accepts',
    (alg, padding) => {
      const testKey = makeKey(alg, 'k');
      const key = importJwk(testKey.publicJwk) as VerificationKey;
      const privateKey = createPrivateKey(testKey.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      // Sign until a signature starts with 0x00 (about 1 in 256 for PS256; RS256 is deterministic, so vary the input).
      for (let i = 0; ; i++) {
        const input = `header.payload${i}`;
        const signature = cryptoSign('sha256', Buffer.from(input), {
          key: privateKey,
          padding,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        });
        if (signature[0] !== 0) continue;
        expect(key.verify(alg, input, signature)).toBe(true);
        expect(key.verify(alg, input, signature.subarray(1))).toBe(false);
        expect(key.verify(alg, input, Buffer.concat([Buffer.alloc(1), signature]))).toBe(false);
        break;
      }
    },
  );
});
