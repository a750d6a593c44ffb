// jose jwtVerify with createRemoteJWKSet (defaults: cooldown 30 s, cacheMaxAge 10 min).
import { createRemoteJWKSet, jwtVerify } from 'jose';

export const info = {
  label: 'jose jwtVerify + createRemoteJWKSet',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  kind: 'peer',
  remote: true,
  checks: 'signature, exp (required via requiredClaims), nbf/iat, iss, aud, alg allowlist',
};

export async function setup({ alg, issuer, audience, jwksUri }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  const options = { issuer, audience, algorithms: [alg], requiredClaims: ['exp'] };
  return { verify: async (token) => (await jwtVerify(token, jwks, options)).payload };
}
