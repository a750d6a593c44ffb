import { createHash, X509Certificate } from 'node:crypto';

/**
 * RFC 8705 section 3.1 certificate thumbprint: base64url (no padding) of the
 * SHA-256 of the certificate's DER encoding, the value a certificate-bound
 * token carries in `cnf["x5t#S256"]`. Takes the DER bytes (e.g.
 * `socket.getPeerCertificate().raw`) or an `X509Certificate`
 * (`socket.getPeerX509Certificate()`).
 *
 * @example
 * const cert = req.socket.getPeerX509Certificate();
 * if (cert === undefined || claims.cnf?.['x5t#S256'] !== certificateThumbprint(cert)) throw …;
 */
export function certificateThumbprint(certificate: Uint8Array | X509Certificate): string {
  const der = certificate instanceof X509Certificate ? certificate.raw : certificate;
  return createHash('sha256').update(der).digest('base64url');
}
