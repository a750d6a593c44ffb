// jose jwtVerify with a key imported once (importJWK -> CryptoKey; Uint8Array for HS256).
import { importJWK, jwtVerify } from 'jose';

export const info = {
  label: 'jose jwtVerify, local key',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'peer',
  checks: 'signature, exp (required via requiredClaims), nbf/iat, iss, aud, alg allowlist',
};

export async function setup({ alg, issuer, audience, key, hsSecret }) {
  const keyLike = alg === 'HS256' ? new TextEncoder().encode(hsSecret) : await importJWK(key.publicJwk, alg);
  const options = { issuer, audience, algorithms: [alg], requiredClaims: ['exp'] };
  return { verify: async (token) => (await jwtVerify(token, keyLike, options)).payload };
}
