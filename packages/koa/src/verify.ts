import type { VerifiedToken, Verifier } from '@tollgate/core';
import { authenticate, requestParts, resolveAdapterOptions, toVerifier, warmInBackground, type VerifierSource } from '@tollgate/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { handleError, KOA_ADAPTER, setResponder } from './errors.js';
import type { ErrorHandler, TollgateState, VerifyOptions } from './types.js';

/** The middleware `verify()` returns, with the verifier it uses (warm it, read stats, close it). */
export type VerifyMiddleware = Middleware<TollgateState> & { readonly verifier: Verifier };

/**
 * Verifies the request's bearer token and sets `ctx.state.auth`; refuses with an RFC 6750 response.
 *
 * `source` is the core's verifier options, an existing verifier (several middlewares then share
 * one key cache), or nothing: then `TOLLGATE_*` environment variables configure it. The verifier
 * is built here, once, so a bad configuration throws a `ConfigError` at start-up naming every
 * missing, invalid or unknown option, never per request. With `warmOnStart` it starts fetching
 * the keys right away, in the background.
 *
 * @example
 * app.use(verify(undefined, { warmOnStart: true })); // TOLLGATE_ISSUER, TOLLGATE_AUDIENCE, ...
 * app.use(verify({ issuer: 'https://auth.example.com', audience: 'orders-api', algorithms: ['RS256'] }));
 * router.use(verify(verifier, { credentialsOptional: true }));
 */
export function verify(source?: VerifierSource, options: VerifyOptions = {}): VerifyMiddleware {
  const resolved = resolveAdapterOptions<ErrorHandler>(options, KOA_ADAPTER);
  const verifier = toVerifier(source);
  warmInBackground(verifier, resolved);

  async function tollgate(ctx: Context, next: Next): Promise<void> {
    setResponder(ctx, resolved);
    let result: VerifiedToken | undefined;
    try {
      result = await authenticate(verifier, requestParts(ctx.req, ctx.originalUrl), resolved);
    } catch (error) {
      await handleError(error, ctx);
      return;
    }
    if (result !== undefined) (ctx.state as TollgateState).auth = result;
    // Outside the try: errors from downstream middleware are not ours to map.
    await next();
  }
  return Object.defineProperty(tollgate, 'verifier', { value: verifier, enumerable: true }) as VerifyMiddleware;
}
