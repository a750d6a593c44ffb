/** Algorithms the issuer can sign with. `HS256` only for tenants that configure a shared secret. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA' | 'HS256';

/** Algorithms backed by a key pair whose public half is published in the JWKS. */
export type AsymmetricAlgorithm = Exclude<SigningAlgorithm, 'HS256'>;

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA', 'HS256'];
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

export function isAsymmetric(alg: SigningAlgorithm): alg is AsymmetricAlgorithm {
  return alg !== 'HS256';
}

/**
 * Algorithms `createDpopKey()` and the CLI sign DPoP proofs (RFC 9449) with. Asymmetric only: a
 * proof is signed by a key the client holds and nobody else. The token endpoint accepts (and
 * advertises in `dpop_signing_alg_values_supported`) what the core's proof policy accepts, which
 * includes all of these.
 */
export type DpopAlgorithm = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];

export function isDpopAlgorithm(value: unknown): value is DpopAlgorithm {
  return typeof value === 'string' && (DPOP_ALGORITHMS as readonly string[]).includes(value);
}

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_HS256_SECRET_BYTES = 32;
