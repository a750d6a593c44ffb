import { isAscii, isCanonicalBase64url } from './base64url.js';
import { TokenError } from './errors.js';

/** The JOSE header of a verified token, as sent. Unknown members are kept. */
export interface ProtectedHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
  readonly [member: string]: unknown;
}

/** Claims of a verified token. Registered claims are typed; others are `unknown`. */
export interface JwtClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
  readonly scope?: string;
  readonly scp?: readonly string[];
  readonly [claim: string]: unknown;
}

/** A compact JWS split and decoded, not yet verified. */
export interface DecodedJws {
  readonly header: ProtectedHeader;
  readonly payload: JwtClaims;
  /** `base64url(header) "." base64url(payload)`: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Strict base64url: alphabet only, no padding, and canonical (the unused low
 * bits of the last character are zero), so one token has exactly one encoding.
 * `ascii` says the whole token is ASCII (see isCanonicalBase64url); otherwise the
 * re-encoding decides, which refuses it.
 */
function decodePart(part: string, what: string, ascii: boolean): Buffer {
  const bytes = Buffer.from(part, 'base64url');
  if (ascii ? !isCanonicalBase64url(part, bytes) : bytes.toString('base64url') !== part) {
    // The regex only picks the error message, off the hot path.
    const invalid = !B64URL.test(part) || part.length % 4 === 1;
    throw new TokenError(
      'ERR_TOKEN_MALFORMED',
      invalid
        ? `Token ${what} is not valid base64url; send the token exactly as issued.`
        : `Token ${what} is not canonical base64url; send the token exactly as issued.`,
    );
  }
  return bytes;
}

function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    // TextDecoder with fatal:true refuses invalid UTF-8 instead of patching it with U+FFFD.
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new TokenError('ERR_TOKEN_MALFORMED', `Token ${what} is not valid UTF-8 JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError('ERR_TOKEN_MALFORMED', `Token ${what} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits and decodes a compact JWS. Refuses anything that is not exactly
 * three non-empty base64url parts with JSON-object header and payload, a
 * string `alg`, a string `kid` if present, no `crit` and no `b64`.
 */
export function decodeCompactJws(token: unknown, maxBytes: number, headers?: HeaderMemo): DecodedJws {
  if (typeof token !== 'string' || token.length === 0) {
    throw new TokenError('ERR_TOKEN_MALFORMED', 'Token must be a non-empty string.');
  }
  if (token.length > maxBytes) {
    throw new TokenError(
      'ERR_TOKEN_TOO_LARGE',
      `Token is ${token.length} bytes, over the ${maxBytes}-byte limit (maxTokenBytes).`,
    );
  }
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) !== -1) {
    throw new TokenError(
      'ERR_TOKEN_MALFORMED',
      'Token must be a compact JWS with exactly three dot-separated parts (JWE and unsecured JWTs are not accepted).',
    );
  }
  const payloadPart = token.slice(first + 1, second);
  const signaturePart = token.slice(second + 1);
  if (payloadPart.length === 0) throw new TokenError('ERR_TOKEN_MALFORMED', 'Token payload is empty.');
  if (signaturePart.length === 0)
    throw new TokenError('ERR_TOKEN_MALFORMED', 'Token has no signature; unsigned tokens are never accepted.');

  const ascii = isAscii(token);
  const header = headers === undefined ? decodeHeader(token.slice(0, first), ascii) : headers.get(token, first, ascii);
  const payload = parseJsonObject(decodePart(payloadPart, 'payload', ascii), 'payload');
  const signature = decodePart(signaturePart, 'signature', ascii);
  return {
    header,
    payload,
    signingInput: token.slice(0, second),
    signature,
  };
}

/** Bound of a header memo: issuers use a few; random headers only cost a clear now and then. */
const MAX_REMEMBERED_HEADERS = 64;

/**
 * Headers already decoded and checked, by their base64url text: tokens of one issuer share a
 * handful of header strings, so each is decoded once. The last one is compared in place, without
 * slicing or hashing the header out of the token, since consecutive tokens mostly share it.
 */
export class HeaderMemo {
  private lastPart = '';
  private lastHeader: ProtectedHeader | undefined;
  private readonly decoded = new Map<string, ProtectedHeader>();

  /** The header of `token`, whose header part ends at `end` (its first '.'). */
  get(token: string, end: number, ascii: boolean): ProtectedHeader {
    if (end === this.lastPart.length && this.lastHeader !== undefined && token.startsWith(this.lastPart))
      return this.lastHeader;
    const part = token.slice(0, end);
    let header = this.decoded.get(part);
    if (header === undefined) {
      header = decodeHeader(part, ascii);
      if (this.decoded.size >= MAX_REMEMBERED_HEADERS) this.decoded.clear();
      this.decoded.set(part, header);
    }
    this.lastPart = part;
    this.lastHeader = header;
    return header;
  }

  /** How many distinct headers are remembered. */
  get size(): number {
    return this.decoded.size;
  }
}

/** Decodes and checks a header part. The result is frozen: one object serves every token with that header. */
function decodeHeader(headerPart: string, ascii: boolean): ProtectedHeader {
  const header = parseJsonObject(decodePart(headerPart, 'header', ascii), 'header');
  if (typeof header.alg !== 'string' || header.alg.length === 0) {
    throw new TokenError('ERR_TOKEN_MALFORMED', 'Token header has no "alg" string.');
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new TokenError('ERR_TOKEN_MALFORMED', 'Token header "kid" must be a string.');
  }
  if (header.typ !== undefined && typeof header.typ !== 'string') {
    throw new TokenError('ERR_TOKEN_MALFORMED', 'Token header "typ" must be a string.');
  }
  // RFC 7515 4.1.11: a recipient must reject extensions it does not understand; we understand none.
  // RFC 7797 `b64` changes what the signature covers, so it is refused outright.
  if (header.crit !== undefined || header.b64 !== undefined) {
    throw new TokenError(
      'ERR_TOKEN_CRIT_UNSUPPORTED',
      'Token header uses "crit" or "b64" extensions, which are not supported.',
    );
  }
  return Object.freeze(header) as ProtectedHeader;
}
