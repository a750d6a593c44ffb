/**
 * Test support (not exported): signing keys and tokens for unit tests, made locally with no
 * server. Serve the public halves with `startJwksServer()` from `./jwks-server.mjs`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export interface TestKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
}

/** Generates a key with node:crypto (not WebCrypto: key export hung at start-up on Node 20). */
export function makeKey(
  alg: 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA',
  kid: string,
  extra: Record<string, unknown> = {},
  rsaBits = 2048,
): TestKey {
  const pair =
    alg === 'RS256' || alg === 'PS256'
      ? generateKeyPairSync('rsa', { modulusLength: rsaBits })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig', ...extra };
  return { kid, alg, privateKey: pair.privateKey, publicJwk };
}

/** Signs `claims` with `key`; `header` adds to (or overrides) `alg` and `kid`. */
export async function sign(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}
