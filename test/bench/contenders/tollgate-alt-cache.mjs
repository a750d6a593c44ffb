// The alternative build of @tollgate/core with its token cache on; see tollgate-alt.mjs.
import { setupAlt } from './tollgate-alt.mjs';

export const info = {
  label: 'tollgate, alternative build, token cache on',
  algs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  kind: 'tollgate',
  checks: 'as tollgate, token cache on',
};

export const setup = (ctx) => setupAlt(ctx, { tokenCache: true });
