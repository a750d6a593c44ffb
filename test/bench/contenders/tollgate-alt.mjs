// Another build of @tollgate/core, for A/B comparisons of a change in one interleaved run:
//   TOLLGATE_BENCH_ALT=/path/to/patched/packages/core/dist/index.mjs pnpm bench --only=inprocess \
//     --contenders=floor,tollgate,tollgate-alt,tollgate-cache,tollgate-alt-cache
// Listed only when TOLLGATE_BENCH_ALT is set.
import { pathToFileURL } from 'node:url';
import { tollgateOptions } from './tollgate.mjs';

export const info = {
  label: 'tollgate, alternative build (TOLLGATE_BENCH_ALT)',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'tollgate',
  checks: 'as tollgate',
};

export async function setupAlt(ctx, extra) {
  const { createVerifier } = await import(pathToFileURL(process.env.TOLLGATE_BENCH_ALT).href);
  const verifier = createVerifier(tollgateOptions(ctx, extra));
  await verifier.ready();
  return { verify: (token) => verifier.verify(token), close: () => verifier.close(), verifier };
}

export const setup = (ctx) => setupAlt(ctx, {});
