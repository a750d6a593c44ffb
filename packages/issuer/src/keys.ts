import { createPrivateKey, createPublicKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { AsymmetricAlgorithm } from './algorithms.js';

/** A public signing key as served in the JWKS: public members only, plus `kid`, `use` and `alg`. */
export type PublicJwk =
  | { kty: 'RSA'; use: 'sig'; kid: string; alg: 'RS256'; n: string; e: string }
  | { kty: 'EC'; use: 'sig'; kid: string; alg: 'ES256'; crv: 'P-256'; x: string; y: string }
  | { kty: 'OKP'; use: 'sig'; kid: string; alg: 'EdDSA'; crv: 'Ed25519'; x: string };

/** One signing key pair with its life-cycle timestamps. */
export interface KeyEntry {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly createdAtMs: number;
  /** When the key stopped signing; it stays published until `retiredAtMs + grace`. */
  retiredAtMs: number | undefined;
  readonly privateKey: KeyObject;
  readonly privateJwk: JsonWebKey;
  readonly publicJwk: PublicJwk;
}

const generate = promisify(generateKeyPair);

// node:crypto KeyObjects rather than WebCrypto: on Node 20 a WebCrypto generateKey + exportKey
// at start-up hung about once in fifteen runs, stalling the issuer before it listened; KeyObject
// export is synchronous.
async function generatePrivateKey(alg: AsymmetricAlgorithm): Promise<KeyObject> {
  switch (alg) {
    case 'RS256':
      return (await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })).privateKey;
    case 'ES256':
      return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'EdDSA':
      return (await generate('ed25519')).privateKey;
  }
}

/** Generates a new key pair for `alg`, named after `createdAtMs` and unique among `takenKids`. */
export async function generateKeyEntry(
  alg: AsymmetricAlgorithm,
  createdAtMs: number,
  takenKids: ReadonlySet<string>,
): Promise<KeyEntry> {
  const privateKey = await generatePrivateKey(alg);
  return keyEntryFrom(privateKey, { kid: kidFor(createdAtMs, takenKids), alg, createdAtMs, retiredAtMs: undefined });
}

/** Rebuilds a key entry from a stored private JWK. Throws when the JWK does not fit `alg`. */
export function importKeyEntry(
  privateJwk: JsonWebKey,
  meta: { kid: string; alg: AsymmetricAlgorithm; createdAtMs: number; retiredAtMs: number | undefined },
): KeyEntry {
  if (typeof privateJwk.d !== 'string') throw new Error('privateJwk has no private member "d"');
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
  return keyEntryFrom(privateKey, meta);
}

function keyEntryFrom(
  privateKey: KeyObject,
  meta: { kid: string; alg: AsymmetricAlgorithm; createdAtMs: number; retiredAtMs: number | undefined },
): KeyEntry {
  return {
    ...meta,
    privateKey,
    privateJwk: privateKey.export({ format: 'jwk' }),
    publicJwk: publicJwkOf(privateKey, meta.kid, meta.alg),
  };
}

/**
 * Key ids are the UTC creation date (`2025-11-24`), as Uitsmijter names them; a second key on the
 * same day gets `-2`, then `-3`, so a kid is never reused for different key material.
 */
export function kidFor(createdAtMs: number, takenKids: ReadonlySet<string>): string {
  const day = new Date(createdAtMs).toISOString().slice(0, 10);
  if (!takenKids.has(day)) return day;
  for (let n = 2; ; n++) {
    const kid = `${day}-${n}`;
    if (!takenKids.has(kid)) return kid;
  }
}

// Built member by member from the public key, so private material cannot leak into the JWKS
// whatever the stored JWK contains.
function publicJwkOf(privateKey: KeyObject, kid: string, alg: AsymmetricAlgorithm): PublicJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const need = (member: string | undefined, name: string): string => {
    if (typeof member !== 'string') throw new Error(`public key has no "${name}" member`);
    return member;
  };
  if (alg === 'RS256' && jwk.kty === 'RSA') {
    return { kty: 'RSA', use: 'sig', kid, alg, n: need(jwk.n, 'n'), e: need(jwk.e, 'e') };
  }
  if (alg === 'ES256' && jwk.kty === 'EC' && jwk.crv === 'P-256') {
    return { kty: 'EC', use: 'sig', kid, alg, crv: 'P-256', x: need(jwk.x, 'x'), y: need(jwk.y, 'y') };
  }
  if (alg === 'EdDSA' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return { kty: 'OKP', use: 'sig', kid, alg, crv: 'Ed25519', x: need(jwk.x, 'x') };
  }
  throw new Error(`a ${String(jwk.kty)}${jwk.crv ? `/${jwk.crv}` : ''} key cannot sign ${alg}`);
}
