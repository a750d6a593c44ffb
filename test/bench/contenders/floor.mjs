// The floor: the least real work a verifier can do. node:crypto verify on a
// KeyObject built once, base64url-decoding and JSON-parsing the payload, and
// the exp/iss/aud comparisons. Synchronous; no header parsing (the alg and key
// are known in advance), no kid lookup, no error classes, no options.
import {
  constants,
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify as cryptoVerify,
} from 'node:crypto';

export const info = {
  label: 'floor (node:crypto)',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'floor',
  sync: true,
  checks: 'signature, exp, iss, aud (header not parsed; alg and key fixed in advance)',
};

/** Builds the floor's verify function; shared with the HTTP floor middleware. */
export function floorVerifier({ alg, issuer, audience, key, hsSecret }) {
  let check;
  if (alg === 'HS256') {
    const secret = createSecretKey(Buffer.from(hsSecret));
    check = (input, sig) =>
      sig.length === 32 && timingSafeEqual(createHmac('sha256', secret).update(input).digest(), sig);
  } else {
    const keyObject = createPublicKey({ key: key.publicJwk, format: 'jwk' });
    const input =
      alg === 'PS256'
        ? { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : alg === 'ES256'
          ? { key: keyObject, dsaEncoding: 'ieee-p1363' }
          : keyObject;
    const hash = alg === 'EdDSA' ? null : 'sha256';
    check = (data, sig) => cryptoVerify(hash, data, input, sig);
  }
  return function floorVerify(token) {
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    if (first < 1 || last <= first) throw new Error('malformed');
    if (!check(Buffer.from(token.slice(0, last)), Buffer.from(token.slice(last + 1), 'base64url')))
      throw new Error('bad signature');
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString('utf8'));
    if (!(typeof payload.exp === 'number' && payload.exp > Date.now() / 1000)) throw new Error('expired');
    if (payload.iss !== issuer) throw new Error('issuer');
    const aud = payload.aud;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) throw new Error('audience');
    return payload;
  };
}

export async function setup(ctx) {
  return { verify: floorVerifier(ctx) };
}
