import {
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify as cryptoVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import {
  ALGORITHM_SPECS,
  ASYMMETRIC_ALGORITHMS,
  verifyKeyInput,
  type Algorithm,
  type AsymmetricAlgorithm,
} from './algorithms.js';

/** Where a key came from: the remote JWKS, or a configured HS256 migration secret. */
export type KeySourceKind = 'jwks' | 'secret';

/**
 * A key ready for the hot path: imported once, with the `crypto.verify`
 * input prepared per algorithm so verifying parses no key material.
 */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly source: KeySourceKind;
  /** Algorithms this key may verify, from its kty/crv/alg. */
  readonly algorithms: ReadonlySet<Algorithm>;
  /** Verifies `signature` over `signingInput` with `alg`; false on any mismatch. */
  verify(alg: Algorithm, signingInput: string, signature: Buffer): boolean;
}

/** Why a JWKS entry was left out. Reported in events, never thrown: one bad entry must not poison the set. */
export type KeyRejection =
  | 'not-an-object'
  | 'use-not-sig'
  | 'key-ops-without-verify'
  | 'symmetric'
  | 'private-material'
  | 'unsupported-kty'
  | 'unsupported-curve'
  | 'unsupported-alg'
  | 'rsa-too-small'
  | 'rsa-too-large'
  | 'weak-key'
  | 'invalid-key'
  /** More entries under one `kid` fit the same algorithm than a token may try (see `MAX_KEYS_PER_KID_AND_ALG`). */
  | 'too-many-for-kid';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MIN_RSA_BITS = 2048;
/**
 * Larger moduli cost a verifier dearly and add nothing (NIST rates 3072 bits at 128-bit security):
 * a hostile JWKS full of RSA-16384 keys would make every forged token cost tens of milliseconds.
 */
export const MAX_RSA_BITS = 8192;

/**
 * RFC 8017 3.1 requires 3 <= e < n; NIST SP 800-89 an odd e below 2^256. With e = 1
 * every message is its own signature, so anyone could sign.
 */
function isSafeRsaExponent(e: bigint | undefined): boolean {
  return e !== undefined && e >= 3n && e % 2n === 1n && e < 1n << 256n;
}

/**
 * Encodings of the Ed25519 points of small order (libsodium's blocklist): a public key
 * of small order verifies signatures nobody had to make. Compared without the sign bit.
 */
const ED25519_SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Buffer.from(hex, 'hex'));

function hasSmallOrder(point: Buffer): boolean {
  if (point.length !== 32) return false;
  return ED25519_SMALL_ORDER.some(
    (bad) => bad.subarray(0, 31).equals(point.subarray(0, 31)) && (bad[31]! & 0x7f) === (point[31]! & 0x7f),
  );
}

/** Algorithms a public JWK fits by its kty/crv, narrowed by its own `alg` when present. */
function fittingAlgorithms(jwk: Record<string, unknown>): AsymmetricAlgorithm[] | KeyRejection {
  const fit = ASYMMETRIC_ALGORITHMS.filter((alg) => {
    const spec = ALGORITHM_SPECS[alg];
    return spec.kty === jwk.kty && (!spec.curves || spec.curves.includes(jwk.crv as string));
  });
  if (fit.length === 0) return jwk.kty === 'EC' || jwk.kty === 'OKP' ? 'unsupported-curve' : 'unsupported-kty';
  if (jwk.alg === undefined) return fit;
  const own = fit.filter((alg) => alg === jwk.alg);
  return own.length > 0 ? own : 'unsupported-alg';
}

/** Checks a JWKS entry and imports it once. Returns a rejection reason instead of throwing. */
export function importJwk(jwk: unknown): VerificationKey | KeyRejection {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'not-an-object';
  const entry = jwk as Record<string, unknown>;
  if (entry.use !== undefined && entry.use !== 'sig') return 'use-not-sig';
  if (entry.key_ops !== undefined && !(Array.isArray(entry.key_ops) && entry.key_ops.includes('verify'))) {
    return 'key-ops-without-verify';
  }
  if (entry.kty === 'oct') return 'symmetric';
  if (PRIVATE_MEMBERS.some((member) => member in entry)) return 'private-material';
  if (entry.alg !== undefined && typeof entry.alg !== 'string') return 'unsupported-alg';
  const algorithms = fittingAlgorithms(entry);
  if (typeof algorithms === 'string') return algorithms;

  let keyObject: KeyObject;
  try {
    // Only the public members go to the importer; `ext`/`key_ops` quirks of a JWKS must not fail the import.
    // node:crypto imports JWKs itself, synchronously: no WebCrypto dispatch, and the CommonJS build
    // stays loadable where ESM-only dependencies are not (Jest).
    const { kty, crv, n, e, x, y } = entry as Record<string, string | undefined>;
    const publicJwk = Object.fromEntries(
      Object.entries({ kty, crv, n, e, x, y }).filter(([, v]) => v !== undefined),
    ) as JsonWebKey;
    keyObject = createPublicKey({ key: publicJwk, format: 'jwk' });
  } catch {
    return 'invalid-key';
  }
  if (keyObject.type !== 'public') return 'invalid-key';
  if (entry.kty === 'RSA') {
    const { modulusLength, publicExponent } = keyObject.asymmetricKeyDetails ?? {};
    if (modulusLength === undefined || modulusLength < MIN_RSA_BITS) return 'rsa-too-small';
    if (modulusLength > MAX_RSA_BITS) return 'rsa-too-large';
    if (!isSafeRsaExponent(publicExponent)) return 'weak-key';
  }
  if (entry.crv === 'Ed25519' && hasSmallOrder(Buffer.from(String(entry.x), 'base64url'))) return 'weak-key';
  return asymmetricKey(typeof entry.kid === 'string' ? entry.kid : undefined, keyObject, algorithms);
}

function asymmetricKey(
  kid: string | undefined,
  keyObject: KeyObject,
  algorithms: readonly AsymmetricAlgorithm[],
): VerificationKey {
  const inputs = new Map(algorithms.map((alg) => [alg as Algorithm, verifyKeyInput(alg, keyObject)]));
  // RFC 8017 8.1.2 / 8.2.2: an RSA signature is exactly as long as the modulus. OpenSSL also takes
  // one with its leading zero byte dropped, which would give some tokens a second valid encoding.
  const modulusLength = keyObject.asymmetricKeyDetails?.modulusLength;
  const rsaSignatureBytes = modulusLength === undefined ? undefined : Math.ceil(modulusLength / 8);
  return {
    kid,
    source: 'jwks',
    algorithms: new Set(algorithms),
    verify(alg, signingInput, signature) {
      const input = inputs.get(alg);
      const spec = ALGORITHM_SPECS[alg];
      if (input === undefined) return false;
      if (signature.length !== (spec.signatureBytes ?? rsaSignatureBytes)) return false;
      try {
        return cryptoVerify(spec.hash, Buffer.from(signingInput), input, signature);
      } catch {
        // OpenSSL throws on some malformed signatures (e.g. wrong RSA length); that is a failed verification.
        return false;
      }
    },
  };
}

/** An HS256 migration secret as a key. Checked only for HS256 tokens, never for asymmetric ones. */
export function secretKey(secret: Uint8Array, kid: string | undefined): VerificationKey {
  const key = createSecretKey(secret);
  return {
    kid,
    source: 'secret',
    algorithms: new Set<Algorithm>(['HS256']),
    verify(alg, signingInput, signature) {
      if (alg !== 'HS256' || signature.length !== 32) return false;
      const expected = createHmac('sha256', key).update(signingInput).digest();
      return timingSafeEqual(expected, signature);
    },
  };
}
