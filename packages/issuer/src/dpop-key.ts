import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomUUID,
  type JsonWebKey,
} from 'node:crypto';
import { accessTokenHash, jwkThumbprint } from '@tollgate/core';
import { DPOP_ALGORITHMS, isDpopAlgorithm, type DpopAlgorithm } from './algorithms.js';
import { systemClock, type Clock } from './clock.js';
import { encodeJwt } from './jwt.js';
import { withOverrides } from './overrides.js';

/** The public half of a DPoP key as it appears in a proof's `jwk` header: public members only. */
export type DpopPublicJwk =
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string }
  | { kty: 'OKP'; crv: 'Ed25519'; x: string };

/** Options of `createDpopKey()`. Every field is optional. */
export interface CreateDpopKeyOptions {
  /**
   * Algorithm the proofs are signed with: `ES256` (P-256), `RS256` or `PS256` (RSA-2048), or
   * `EdDSA` (Ed25519). Default: `ES256`, or the `alg` member of `privateKey` when it is a JWK that
   * has one. Change it to test a verifier's algorithm allowlist.
   */
  alg?: DpopAlgorithm;
  /**
   * Use this key instead of generating one: a private JWK (e.g. `privateJwk` of an earlier key,
   * read back from a file) or a private `KeyObject`. Default: a new key pair from `node:crypto`.
   */
  privateKey?: JsonWebKey | KeyObject;
  /** Source of the proofs' `iat`. Default: the system clock. Pass the issuer's test clock to move both together. */
  clock?: Clock;
}

/** What a proof is for (RFC 9449 §4.2). `method` and `url` are required. */
export interface DpopProofOptions {
  /** HTTP method of the request, put in `htm` as given (`GET`, `POST`, …). */
  method: string;
  /** URL of the request; `htu` is this URL without query and fragment. */
  url: string | URL;
  /** The access token the request carries; its SHA-256 goes in `ath`. Default: none (token requests). */
  accessToken?: string;
  /** A server-provided nonce (`DPoP-Nonce`), put in `nonce`. Default: none. */
  nonce?: string;
  /** `jti` of the proof. Default: a random UUID, so every proof is unique. */
  jti?: string;
  /** `iat` in seconds since the epoch. Default: the key's clock, now. */
  iat?: number;
  /** Header members merged over `{ typ: 'dpop+jwt', alg, jwk }`; `undefined` removes one. For negative tests. */
  header?: Record<string, unknown>;
  /** Claims merged over `{ jti, htm, htu, iat, ath?, nonce? }`; `undefined` removes one. For negative tests. */
  claims?: Record<string, unknown>;
}

/** A client's DPoP key pair, and proofs made with it. */
export interface DpopKey {
  readonly alg: DpopAlgorithm;
  /** The public key as put in each proof's `jwk` header. */
  readonly publicJwk: DpopPublicJwk;
  /** RFC 7638 SHA-256 thumbprint of `publicJwk`: the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string;
  /** `{ jkt }`, ready for `issuer.sign({ cnf: key.cnf })`. */
  readonly cnf: { readonly jkt: string };
  readonly privateKey: KeyObject;
  /**
   * The private key as a JWK, with `alg`, to keep in a file and load again with
   * `createDpopKey({ privateKey })`. Secret: it is what makes a bound token usable.
   */
  readonly privateJwk: JsonWebKey;
  /** Makes a DPoP proof (a compact JWS, `typ: dpop+jwt`) for one request. Synchronous. */
  proof(options: DpopProofOptions): string;
}

/**
 * Creates a DPoP key for tests, examples and the CLI: a key pair made with `node:crypto`
 * (never WebCrypto, see `generate` below), its public JWK and thumbprint, and a proof maker.
 *
 * @example
 * ```ts
 * const key = createDpopKey();                              // ES256
 * const token = await issuer.sign({ cnf: key.cnf });        // bound to the key
 * const url = 'http://127.0.0.1:3000/orders';
 * await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: key.proof({ method: 'GET', url, accessToken: token }) } });
 * ```
 */
export function createDpopKey(options: CreateDpopKeyOptions = {}): DpopKey {
  const { privateKey, alg } = keyAndAlgorithm(options);
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function')
    throw new TypeError('clock must have a now() method returning ms since the epoch');
  const publicJwk = publicJwkOf(privateKey, alg);
  const jkt = jwkThumbprint(publicJwk);
  const privateJwk: JsonWebKey = { ...privateKey.export({ format: 'jwk' }), alg };
  const material = { alg, key: privateKey } as const;
  return {
    alg,
    publicJwk,
    jkt,
    cnf: Object.freeze({ jkt }),
    privateKey,
    privateJwk,
    proof(proof) {
      if (typeof proof !== 'object' || proof === null) throw new TypeError('proof() needs { method, url }');
      if (typeof proof.method !== 'string' || proof.method === '')
        throw new TypeError('proof() needs a method, e.g. "GET"');
      const claims: Record<string, unknown> = {
        jti: proof.jti ?? randomUUID(),
        htm: proof.method,
        htu: htuOf(proof.url),
        iat: proof.iat ?? Math.floor(clock.now() / 1000),
      };
      if (proof.accessToken !== undefined) claims.ath = accessTokenHash(proof.accessToken);
      if (proof.nonce !== undefined) claims.nonce = proof.nonce;
      const header = withOverrides({ typ: 'dpop+jwt', alg, jwk: publicJwk }, proof.header);
      return encodeJwt(header, withOverrides(claims, proof.claims), material);
    },
  };
}

function htuOf(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`proof() needs an absolute URL; got ${JSON.stringify(String(url)).slice(0, 200)}`);
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

function keyAndAlgorithm(options: CreateDpopKeyOptions): { privateKey: KeyObject; alg: DpopAlgorithm } {
  if (typeof options !== 'object' || options === null) throw new TypeError('createDpopKey() options must be an object');
  const given = options.privateKey;
  const jwkAlg = given !== undefined && !(given instanceof KeyObject) ? given.alg : undefined;
  const alg = options.alg ?? jwkAlg ?? 'ES256';
  if (!isDpopAlgorithm(alg))
    throw new TypeError(`alg must be one of ${DPOP_ALGORITHMS.join(', ')}; got ${JSON.stringify(alg)}`);
  if (given === undefined) return { privateKey: generate(alg), alg };
  let privateKey: KeyObject;
  if (given instanceof KeyObject) {
    privateKey = given;
  } else {
    try {
      privateKey = createPrivateKey({ key: given, format: 'jwk' });
    } catch (err) {
      throw new TypeError(`privateKey is not a usable private JWK: ${(err as Error).message}`);
    }
  }
  if (privateKey.type !== 'private') throw new TypeError('privateKey must be a private key');
  return { privateKey, alg };
}

// node:crypto KeyObjects, never WebCrypto: on Node 20 a WebCrypto key generation + export hung at
// start-up about once in fifteen runs, and a hung key stalls whatever test or CLI asked for it.
function generate(alg: DpopAlgorithm): KeyObject {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey;
    case 'EdDSA':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

function publicJwkOf(privateKey: KeyObject, alg: DpopAlgorithm): DpopPublicJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const type = privateKey.asymmetricKeyType;
  if (
    alg === 'ES256' &&
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string'
  ) {
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if (
    (alg === 'RS256' || alg === 'PS256') &&
    type === 'rsa' &&
    typeof jwk.n === 'string' &&
    typeof jwk.e === 'string'
  ) {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new TypeError(`an RSA key for ${alg} needs at least 2048 bits; this one has ${bits}`);
    return { kty: 'RSA', n: jwk.n, e: jwk.e };
  }
  if (alg === 'EdDSA' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  }
  throw new TypeError(`a ${String(type)}${jwk.crv ? `/${jwk.crv}` : ''} key cannot sign ${alg} proofs`);
}
