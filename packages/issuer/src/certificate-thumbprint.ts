import { X509Certificate } from 'node:crypto';
import { certificateThumbprint as thumbprintOfCertificate } from '@tollgate/core';

/**
 * The RFC 8705 §3.1 certificate thumbprint: base64url(SHA-256(DER of the certificate)), the
 * `cnf["x5t#S256"]` of a certificate-bound token. Takes a PEM string, DER bytes or an
 * `X509Certificate`. The hash is the core's `certificateThumbprint`, which a resource server uses
 * on the peer certificate; this adds PEM, what a test usually holds, and parses DER first, so
 * bytes that are no certificate throw instead of giving a thumbprint nothing will ever match.
 *
 * @example
 * ```ts
 * const token = await issuer.sign({ cnf: { 'x5t#S256': certificateThumbprint(clientCertPem) } });
 * ```
 */
export function certificateThumbprint(certificate: string | Uint8Array | X509Certificate): string {
  return thumbprintOfCertificate(
    certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate),
  );
}
