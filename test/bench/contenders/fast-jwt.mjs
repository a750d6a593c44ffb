// fast-jwt createVerifier with a static key (PEM, or the secret for HS256); synchronous.
import { createVerifier } from 'fast-jwt';

export const info = {
  label: 'fast-jwt, static key',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'peer',
  sync: true,
  checks:
    'signature, exp (required via requiredClaims), nbf, iss, aud, alg allowlist; no remote key set (key given in code)',
};

export function fastJwtOptions({ alg, issuer, audience, key, hsSecret }, extra = {}) {
  return {
    key: alg === 'HS256' ? hsSecret : key.publicPem,
    algorithms: [alg],
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: ['exp'],
    ...extra,
  };
}

export async function setup(ctx) {
  return { verify: createVerifier(fastJwtOptions(ctx)) };
}
