import type { LRUCache } from 'lru-cache';
import { ALGORITHM_SPECS, type AsymmetricAlgorithm } from '../algorithms.js';
import { DpopError } from '../errors.js';
import { importJwk, type VerificationKey } from '../verification-key.js';
import { canonicalJwk, thumbprintOfCanonical } from './jwk-thumbprint.js';

/** A proof's public key, imported, with its RFC 7638 thumbprint (what `cnf.jkt` must equal). */
export interface ProofKey {
  readonly key: VerificationKey;
  readonly jkt: string;
}

/**
 * Largest RSA modulus a proof key may have. A proof's key is chosen by the
 * client, and RSA verification cost grows with the square of the modulus: a
 * 16384-bit key would cost about 64 times a 2048-bit one on every request.
 */
export const DPOP_MAX_RSA_BITS = 4096;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Exact coordinate sizes in bytes (RFC 7518 6.2.1.2 requires the full size; RFC 8037 2 for OKP). */
const COORDINATE_BYTES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66, Ed25519: 32 };

function invalidKey(message: string, reason: 'jwk' | 'alg' = 'jwk'): DpopError {
  return new DpopError('ERR_DPOP_PROOF_INVALID', message, { reason });
}

/** Canonical base64url of exactly `bytes` bytes (or at most `bytes` with `atMost`). */
function isMember(value: unknown, bytes: number, atMost = false): boolean {
  if (typeof value !== 'string' || value.length === 0) return false;
  const decoded = Buffer.from(value, 'base64url');
  return decoded.toString('base64url') === value && (atMost ? decoded.length <= bytes : decoded.length === bytes);
}

/** Encoding checks made before the (costly) import, on a cache miss only: the cache key covers every checked member. */
function checkEncoding(jwk: Record<string, unknown>): void {
  const ok =
    jwk.kty === 'RSA'
      ? isMember(jwk.n, DPOP_MAX_RSA_BITS / 8, true) && isMember(jwk.e, 32, true)
      : isMember(jwk.x, COORDINATE_BYTES[jwk.crv as string] ?? -1) &&
        (jwk.kty !== 'EC' || isMember(jwk.y, COORDINATE_BYTES[jwk.crv as string] ?? -1));
  if (!ok) {
    throw invalidKey(
      `The DPoP proof's jwk has a member that is not canonical base64url of the right size (RSA keys: at most ${DPOP_MAX_RSA_BITS} bits).`,
    );
  }
}

/**
 * Checks a proof's `jwk` header and returns it imported (RFC 9449 section 4.3
 * points 5-7). Refuses private key material, symmetric keys, a `use` other
 * than `sig`, `key_ops` without `verify`, a key that does not fit `alg`
 * (kty/crv, or its own `alg` member), non-canonical encodings, and whatever
 * `importJwk` refuses for JWKS keys (RSA under 2048 bits, weak exponents,
 * small-order Ed25519 points). Imports are cached by the canonical JWK, and the
 * checks that read members outside it run on every call, so a cached key never
 * skips them.
 */
export function proofKey(jwk: unknown, alg: AsymmetricAlgorithm, cache: LRUCache<string, ProofKey> | null): ProofKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw invalidKey('The DPoP proof header has no "jwk" object; embed the public key the proof is signed with.');
  }
  const entry = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(entry, member))) {
    throw invalidKey(
      "The DPoP proof's jwk contains private or symmetric key material; embed only the public key (and treat this key as leaked).",
    );
  }
  if (entry.use !== undefined && entry.use !== 'sig')
    throw invalidKey('The DPoP proof\'s jwk is not a signature key ("use" must be "sig" when present).');
  if (entry.key_ops !== undefined && !(Array.isArray(entry.key_ops) && entry.key_ops.includes('verify'))) {
    throw invalidKey('The DPoP proof\'s jwk does not allow "verify" in its "key_ops".');
  }
  const spec = ALGORITHM_SPECS[alg];
  if (
    spec.kty !== entry.kty ||
    (spec.curves !== undefined && !spec.curves.includes(entry.crv as string)) ||
    (entry.alg !== undefined && entry.alg !== alg)
  ) {
    throw invalidKey(
      `The DPoP proof's alg ${alg} does not fit its jwk (key type, curve or the key's own "alg").`,
      'alg',
    );
  }
  const canonical = canonicalJwk(entry);
  if (canonical === undefined)
    throw invalidKey("The DPoP proof's jwk lacks a required public member (RSA: n, e; EC: crv, x, y; OKP: crv, x).");

  const cached = cache?.get(canonical);
  if (cached !== undefined) return cached;
  checkEncoding(entry);
  // Only the members the cache key covers go to the importer, so the import depends on nothing else.
  const { kty, crv, n, e, x, y } = entry;
  const imported = importJwk(kty === 'RSA' ? { kty, n, e } : kty === 'EC' ? { kty, crv, x, y } : { kty, crv, x });
  if (typeof imported === 'string') throw invalidKey(`The DPoP proof's jwk cannot be used (${imported}).`);
  if (!imported.algorithms.has(alg)) throw invalidKey(`The DPoP proof's alg ${alg} does not fit its jwk.`, 'alg');
  const result: ProofKey = Object.freeze({ key: imported, jkt: thumbprintOfCanonical(canonical) });
  cache?.set(canonical, result);
  return result;
}
