// fast-jwt with a static key and its verified-token cache on (`cache: true`, 1 000 entries).
import { createVerifier } from 'fast-jwt';
import { fastJwtOptions } from './fast-jwt.mjs';

export const info = {
  label: 'fast-jwt, static key, cache on',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'peer',
  sync: true,
  checks: 'as fast-jwt; a hit re-checks time claims',
};

export async function setup(ctx) {
  return { verify: createVerifier(fastJwtOptions(ctx, { cache: true })) };
}
