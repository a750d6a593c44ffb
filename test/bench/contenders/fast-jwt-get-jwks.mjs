// fast-jwt with get-jwks as its key function (the fastify-jwt recipe). get-jwks
// converts the cached JWK to PEM (jwk-to-pem) on every call; it has no OKP (EdDSA) support.
import { createVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';

export const info = {
  label: 'fast-jwt + get-jwks',
  algs: ['RS256', 'PS256', 'ES256'],
  kind: 'peer',
  remote: true,
  checks:
    'signature, exp (required via requiredClaims), nbf, iss, aud, alg allowlist. get-jwks is given the JWKS host as `domain` (the recipe passes payload.iss)',
};

export async function setup({ alg, issuer, audience, jwksUri }) {
  const url = new URL(jwksUri);
  const getJwks = buildGetJwks({ jwksPath: url.pathname });
  const domain = url.origin;
  const verify = createVerifier({
    key: async ({ header }) => getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain }),
    algorithms: [alg],
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: ['exp'],
  });
  return { verify };
}
