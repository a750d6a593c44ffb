import { createHash, X509Certificate } from 'node:crypto';

// RFC 7638 §3.2: only the required members, in lexicographic order, with no whitespace.
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The RFC 7638 JWK SHA-256 thumbprint, base64url-encoded: the `jkt` a DPoP-bound token carries
 * in `cnf` (RFC 9449 §6.1). Throws a `TypeError` for a key type other than EC, RSA or OKP, or a
 * missing member.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const members = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) throw new TypeError(`cannot compute a thumbprint for kty ${JSON.stringify(jwk.kty)}; expected EC, RSA or OKP`);
  const canonical: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string') throw new TypeError(`a ${String(jwk.kty)} JWK needs a string "${member}" member`);
    canonical[member] = value;
  }
  // JSON.stringify keeps insertion order, which is the lexicographic order above.
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/**
 * The RFC 8705 §3.1 certificate thumbprint: base64url(SHA-256(DER of the certificate)), the
 * `cnf["x5t#S256"]` of a certificate-bound token. Takes a PEM string, DER bytes or an
 * `X509Certificate` (e.g. `tlsSocket.getPeerX509Certificate()`).
 *
 * @example
 * ```ts
 * const token = await issuer.sign({ cnf: { 'x5t#S256': certificateThumbprint(clientCertPem) } });
 * ```
 */
export function certificateThumbprint(certificate: string | Uint8Array | X509Certificate): string {
  const cert = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  return createHash('sha256').update(cert.raw).digest('base64url');
}
