import { createHash } from 'node:crypto';
import { DpopError } from '../errors.js';

/** The members RFC 7638 section 3.2 hashes for each key type, already in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The RFC 7638 section 3 input of a public JWK: its required members only, in
 * lexicographic order, without whitespace. Two JWKs of one key (differing in
 * `kid`, `alg`, `use`, …) give the same string. `undefined` when the key type
 * is not RSA, EC or OKP, or a required member is not a string.
 */
export function canonicalJwk(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members =
    typeof jwk.kty === 'string' && Object.hasOwn(REQUIRED_MEMBERS, jwk.kty) ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (members === undefined) return undefined;
  let json = '{';
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') return undefined;
    // JSON.stringify escapes exactly as RFC 7638 section 3.3 asks (RFC 8259 string rules).
    json += `${json.length > 1 ? ',' : ''}"${name}":${JSON.stringify(value)}`;
  }
  return `${json}}`;
}

/** SHA-256 of a canonical JWK string, base64url: the thumbprint itself. */
export function thumbprintOfCanonical(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * RFC 7638 JWK SHA-256 thumbprint, base64url without padding: the value a
 * DPoP-bound token carries in `cnf.jkt` (RFC 9449 section 6.1). Supports RSA
 * (`e`, `kty`, `n`), EC (`crv`, `kty`, `x`, `y`) and OKP (`crv`, `kty`, `x`).
 * Throws `ERR_DPOP_PROOF_INVALID` (reason `jwk`) when a required member is
 * missing or the key type is unsupported.
 *
 * @example
 * const jkt = jwkThumbprint(publicKey.export({ format: 'jwk' })); // 43 base64url characters
 * if (claims.cnf?.jkt !== jkt) throw …;
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const canonical = canonicalJwk(jwk);
  if (canonical === undefined) {
    throw new DpopError(
      'ERR_DPOP_PROOF_INVALID',
      'The JWK has no RFC 7638 thumbprint: it must be an RSA, EC or OKP public key with all required members as strings.',
      { reason: 'jwk' },
    );
  }
  return thumbprintOfCanonical(canonical);
}
