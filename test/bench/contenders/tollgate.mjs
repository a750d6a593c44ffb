// tollgate, as a user configures it: issuer (for the iss check) + jwksUri, audience,
// an algorithm allowlist; HS256 through an explicit migration secret. Token cache off.
import { createVerifier } from '@tollgate/core';

export const info = {
  label: 'tollgate',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'tollgate',
  remote: true,
  checks: 'signature, exp (required), nbf/iat, iss, aud, alg allowlist + alg/key fit, strict base64url/JSON',
};

export function tollgateOptions(ctx, extra = {}) {
  const base = { issuer: ctx.issuer, audience: ctx.audience, algorithms: [ctx.alg], ...extra };
  return ctx.alg === 'HS256' ? { ...base, hs256: { secrets: [ctx.hsSecret] } } : { ...base, jwksUri: ctx.jwksUri };
}

export async function setup(ctx, { warm = true } = {}) {
  const verifier = createVerifier(tollgateOptions(ctx));
  if (warm) await verifier.ready();
  return { verify: (token) => verifier.verify(token), close: () => verifier.close(), verifier };
}
