import { KeyObject, createSecretKey, verify as cryptoVerify, createHmac, timingSafeEqual } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import { ALGORITHM_SPECS, ASYMMETRIC_ALGORITHMS, verifyKeyInput, type Algorithm, type AsymmetricAlgorithm } from './algorithms.js';

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
  | 'invalid-key';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MIN_RSA_BITS = 2048;

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
export async function importJwk(jwk: unknown): Promise<VerificationKey | KeyRejection> {
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
    const { kty, crv, n, e, x, y } = entry as Record<string, string | undefined>;
    const publicJwk = Object.fromEntries(Object.entries({ kty, crv, n, e, x, y }).filter(([, v]) => v !== undefined)) as JWK;
    const imported = await importJWK(publicJwk, algorithms[0]);
    keyObject = imported instanceof Uint8Array ? createSecretKey(imported) : KeyObject.from(imported);
  } catch {
    return 'invalid-key';
  }
  if (keyObject.type !== 'public') return 'invalid-key';
  const bits = keyObject.asymmetricKeyDetails?.modulusLength;
  if (entry.kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS)) return 'rsa-too-small';
  return asymmetricKey(typeof entry.kid === 'string' ? entry.kid : undefined, keyObject, algorithms);
}

function asymmetricKey(kid: string | undefined, keyObject: KeyObject, algorithms: readonly AsymmetricAlgorithm[]): VerificationKey {
  const inputs = new Map(algorithms.map((alg) => [alg as Algorithm, verifyKeyInput(alg, keyObject)]));
  return {
    kid,
    source: 'jwks',
    algorithms: new Set(algorithms),
    verify(alg, signingInput, signature) {
      const input = inputs.get(alg);
      const spec = ALGORITHM_SPECS[alg];
      if (input === undefined) return false;
      if (spec.signatureBytes !== undefined && signature.length !== spec.signatureBytes) return false;
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
