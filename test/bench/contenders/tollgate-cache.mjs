// tollgate with its verified-token cache on (`tokenCache: true`, 10 000 entries).
// Once full, the cache stores a token on its second coming only, and the distinct workload cycles
// 20 000 tokens: left to itself, the first 10 000 would stay cached and hit on every later cycle.
// So the cache is filled first with 10 000 other valid tokens that never come again: on the
// distinct workload it never hits, and this row shows what the cache costs on misses.
import { createVerifier } from '@tollgate/core';
import { claims, loadMaterial, signerFor } from '../lib/fixtures.mjs';
import { tollgateOptions } from './tollgate.mjs';

export const info = {
  label: 'tollgate, token cache on',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'tollgate',
  checks: 'as tollgate; a hit skips the signature but re-checks exp/nbf/iat and that the key is still in the JWKS',
};

const CACHE_ENTRIES = 10_000;

export async function setup(ctx) {
  const verifier = createVerifier(tollgateOptions(ctx, { tokenCache: true }));
  await verifier.ready();
  const sign = signerFor(ctx.alg, loadMaterial());
  const nowSec = Math.floor(Date.now() / 1000);
  for (let i = 0; i < CACHE_ENTRIES; i++) await verifier.verify(sign(claims(1_000_000 + i, nowSec)));
  return { verify: (token) => verifier.verify(token), close: () => verifier.close(), verifier };
}
