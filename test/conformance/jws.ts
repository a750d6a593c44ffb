// Hand-built JWS for the conformance corpus. Nothing here sanitizes: headers and payloads are
// encoded exactly as given (objects through JSON.stringify, strings and buffers byte for byte),
// and signatures are made with node:crypto, so a test can produce any token an attacker could.
import { constants, createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';

/** base64url without padding of a string (UTF-8), bytes, or a value given to JSON.stringify. */
export function b64u(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
}

/** Signs `signingInput`; returns the raw signature bytes. */
export type Signer = (signingInput: Buffer) => Buffer;

const HASH: Record<string, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/**
 * A JWS signer for `alg` with `key`, exactly as RFC 7518 section 3 prescribes: ECDSA as
 * IEEE P1363 r||s, PSS with a salt as long as the digest. `options` produce deliberately
 * wrong signatures (DER-encoded ECDSA, another PSS salt length).
 */
export function signer(
  alg: string,
  key: KeyObject | Buffer | string,
  options: { dsaEncoding?: 'der' | 'ieee-p1363'; saltLength?: number } = {},
): Signer {
  const bits = alg.slice(2);
  const hash = HASH[bits];
  return (input) => {
    if (alg.startsWith('HS'))
      return createHmac(hash ?? 'sha256', key)
        .update(input)
        .digest();
    if (alg === 'EdDSA' || alg === 'Ed25519') return cryptoSign(null, input, key);
    if (alg.startsWith('ES'))
      return cryptoSign(hash ?? 'sha256', input, {
        key: key as KeyObject,
        dsaEncoding: options.dsaEncoding ?? 'ieee-p1363',
      });
    if (alg.startsWith('PS')) {
      return cryptoSign(hash ?? 'sha256', input, {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: options.saltLength ?? constants.RSA_PSS_SALTLEN_DIGEST,
      });
    }
    return cryptoSign(hash ?? 'sha256', input, { key: key as KeyObject, padding: constants.RSA_PKCS1_PADDING });
  };
}

/** A fixed signature, whatever the input (forged, empty, all-zero). */
export const fixedSignature =
  (bytes: Buffer): Signer =>
  () =>
    bytes;

/** A part given as text is used as its UTF-8 bytes; an object goes through JSON.stringify. */
export type Part = Record<string, unknown> | unknown[] | string | Buffer;

function encodePart(part: Part): string {
  return b64u(part);
}

/** `base64url(header).base64url(payload).base64url(signature)`. */
export function compact(header: Part, payload: Part, sign: Signer): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`;
  return `${input}.${sign(Buffer.from(input)).toString('base64url')}`;
}

/** The three parts of a compact token. */
export function parts(token: string): [string, string, string] {
  const [h = '', p = '', s = ''] = token.split('.');
  return [h, p, s];
}

/** Replaces one part (0 header, 1 payload, 2 signature) keeping the others as they were. */
export function withPart(token: string, index: 0 | 1 | 2, value: string): string {
  const list = parts(token);
  list[index] = value;
  return list.join('.');
}

/** Flips the lowest bit of the byte at `index` (negative counts from the end). */
export function flipByte(bytes: Buffer, index: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = (copy[at] ?? 0) ^ 1;
  return copy;
}
