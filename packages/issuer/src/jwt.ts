import { constants, createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';

/** What signs a JWS: a private key for asymmetric algorithms, a secret for HS256, nothing for `none`. */
export type SigningMaterial =
  | { alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA'; key: KeyObject }
  | { alg: 'HS256'; secret: Uint8Array }
  | { alg: 'none' };

// node:crypto instead of jose's SignJWT: jose signs through WebCrypto, the API whose key handling
// misbehaved on Node 20 (see keys.ts), and signing here lets the header say anything a
// conformance test needs.

/**
 * Encodes and signs a compact JWS with `node:crypto`, synchronously.
 * The header is taken as given (tests may claim another `alg` than the one that signs).
 */
export function encodeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  material: SigningMaterial,
): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (material.alg) {
    case 'RS256':
      signature = cryptoSign('sha256', data, material.key);
      break;
    case 'PS256':
      // RFC 7518 §3.5: the salt is as long as the hash output.
      signature = cryptoSign('sha256', data, {
        key: material.key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
      break;
    case 'ES256':
      // JWS wants the raw r||s form (RFC 7518 §3.4), not Node's default DER.
      signature = cryptoSign('sha256', data, { key: material.key, dsaEncoding: 'ieee-p1363' });
      break;
    case 'EdDSA':
      signature = cryptoSign(null, data, material.key);
      break;
    case 'HS256':
      signature = createHmac('sha256', material.secret).update(data).digest();
      break;
    case 'none':
      signature = Buffer.alloc(0);
      break;
  }
  return `${input}.${signature.toString('base64url')}`;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
