import { X509Certificate } from 'node:crypto';
import { TokenError } from '../errors.js';
import { line, opt, type Problems } from '../problems.js';
import type { RequestFacts } from '../request-facts.js';
import { shown } from '../resolve-options.js';
import { refuseUnknownOptions } from '../unknown-options.js';
import { certificateThumbprint } from './certificate-thumbprint.js';

/** Certificate-bound tokens (RFC 8705 section 3). */
export interface MtlsOptions {
  /**
   * Header in which a TLS-terminating proxy passes the client certificate: PEM, URL-encoded PEM
   * (nginx `$ssl_client_escaped_cert`, AWS ALB) or base64 DER. Only the proxy may set it: it must
   * drop this header from client requests, or anyone could claim any certificate. Default: none —
   * the certificate comes from the TLS connection this process terminated.
   */
  certificateHeader?: string | undefined;
}

export interface ResolvedMtls {
  readonly certificateHeader: string | undefined;
  /** The `mtls` option was given: the resource says it takes certificate-bound tokens (RFC 9728 `tls_client_certificate_bound_access_tokens`). */
  readonly configured: boolean;
}

const MTLS_OPTIONS: ReadonlySet<string> = new Set(['certificateHeader'] satisfies (keyof MtlsOptions)[]);
const NO_MTLS: ResolvedMtls = Object.freeze({ certificateHeader: undefined, configured: false });

/** Checks the `mtls` option once, at start-up. */
export function resolveMtlsOptions(problems: Problems, value: unknown): ResolvedMtls {
  if (value === undefined) return NO_MTLS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(
      line`${opt('mtls')} must be an object such as { certificateHeader: 'x-client-cert' }, got ${shown(value)}.`,
    );
    return NO_MTLS;
  }
  refuseUnknownOptions(problems, value, MTLS_OPTIONS, { at: 'mtls.' });
  const { certificateHeader } = value as MtlsOptions;
  if (
    certificateHeader !== undefined &&
    (typeof certificateHeader !== 'string' || !/^[A-Za-z0-9-]+$/.test(certificateHeader))
  ) {
    problems.add(
      line`${opt('mtls.certificateHeader')} must be a header name such as 'x-client-cert', got ${shown(certificateHeader)}.`,
    );
    return NO_MTLS;
  }
  return Object.freeze({ certificateHeader: certificateHeader?.toLowerCase(), configured: true });
}

function mismatch(message: string): TokenError {
  return new TokenError('ERR_TOKEN_CERTIFICATE_MISMATCH', message);
}

/** The client certificate's DER: from the proxy header when configured, else from the TLS connection. */
function presentedCertificate(request: RequestFacts, mtls: ResolvedMtls): Uint8Array | undefined {
  if (mtls.certificateHeader === undefined) return request.clientCertificate?.();
  const value = request.header(mtls.certificateHeader);
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new TokenError(
      'ERR_TOKEN_REQUEST_INVALID',
      'The request carries the client-certificate header more than once.',
    );
  try {
    const text = value.includes('%') ? decodeURIComponent(value) : value;
    return new X509Certificate(text.includes('-----BEGIN') ? text : Buffer.from(text.trim(), 'base64')).raw;
  } catch {
    throw mismatch('The client certificate passed by the proxy cannot be read.');
  }
}

/**
 * A certificate-bound token (`cnf["x5t#S256"]`) is honoured only with the certificate it is bound
 * to (RFC 8705 section 3): returns the thumbprint, or throws `ERR_TOKEN_CERTIFICATE_MISMATCH`.
 */
export function checkCertificateBinding(expected: unknown, request: RequestFacts, mtls: ResolvedMtls): string {
  if (typeof expected !== 'string') throw mismatch('The token\'s cnf["x5t#S256"] is not a certificate thumbprint.');
  const der = presentedCertificate(request, mtls);
  if (der === undefined)
    throw mismatch('The token is bound to a client certificate; call over mutual TLS with that certificate.');
  if (certificateThumbprint(der) !== expected)
    throw mismatch('The token is bound to another client certificate than the one presented.');
  return expected;
}
