/**
 * Test support (not exported): DPoP proof keys and proofs. Keys come from
 * node:crypto (not WebCrypto: key export hung at start-up on Node 20); proofs
 * are signed by jose, an implementation this package did not write.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export type ProofAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519';

export interface ProofKeyPair {
  readonly alg: ProofAlg;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK as node:crypto exports it (no kid/alg/use). */
  readonly publicJwk: Record<string, string>;
  /** The private JWK, for tests that leak private members into the header. */
  readonly privateJwk: Record<string, string>;
}

const CURVES = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' } as const;

export function makeProofKey(alg: ProofAlg, rsaBits = 2048): ProofKeyPair {
  const pair =
    alg === 'RS256' || alg === 'PS256'
      ? generateKeyPairSync('rsa', { modulusLength: rsaBits })
      : alg === 'EdDSA' || alg === 'Ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: CURVES[alg] });
  return {
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, string>,
    privateJwk: pair.privateKey.export({ format: 'jwk' }) as Record<string, string>,
  };
}

/** Fixed test time: proofs made with `NOW_SEC` as iat verify at `NOW_MS`. */
export const NOW_MS = 1_750_000_000_000;
export const NOW_SEC = NOW_MS / 1000;
export const HTU = 'https://api.example.com/orders/7';

/** Default claims of a valid proof; an `undefined` override removes the claim. */
export function proofClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { jti: randomUUID(), htm: 'GET', htu: HTU, iat: NOW_SEC, ...overrides };
}

/** Signs a proof with jose. Header defaults: the key's alg, `typ: dpop+jwt`, the public `jwk`. */
export async function makeProof(
  key: ProofKeyPair,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const protectedHeader = { alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...header };
  const defined = Object.fromEntries(Object.entries(protectedHeader).filter(([, v]) => v !== undefined)) as {
    alg: string;
  };
  return new SignJWT(proofClaims(claims)).setProtectedHeader(defined).sign(key.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS assembled by hand, for what jose refuses to sign (alg none, HS256 with a jwk header, …). */
export function rawProof(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature: Buffer | ((input: string) => Buffer),
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const bytes = typeof signature === 'function' ? signature(input) : signature;
  return `${input}.${bytes.toString('base64url')}`;
}

/** Signature functions for `rawProof`. */
export const signWith = {
  hs256: (secret: Buffer) => (input: string) => createHmac('sha256', secret).update(input).digest(),
  es256: (key: KeyObject) => (input: string) =>
    cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }),
  rs256: (key: KeyObject) => (input: string) => cryptoSign('sha256', Buffer.from(input), key),
};
