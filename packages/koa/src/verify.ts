import { authenticate, ConfigError, DEFAULT_REALM, requestParts, toVerifier, type AuthenticateOptions, type VerifiedToken, type Verifier, type VerifierSource } from '@tollgate/core';
import type { Context, Middleware, Next } from 'koa';
import { handleError, setResponder, type Responder } from './errors.js';
import type { TollgateState, VerifyOptions } from './types.js';

/** The middleware `verify()` returns, with the verifier it uses (warm it, read stats, close it). */
export type VerifyMiddleware = Middleware<TollgateState> & { readonly verifier: Verifier };

/**
 * Verifies the request's bearer token and sets `ctx.state.auth`; refuses with an RFC 6750 response.
 *
 * `source` is the core's verifier options, an existing verifier (several middlewares then share
 * one key cache), or nothing: then `TOLLGATE_*` environment variables configure it. The verifier
 * is built here, once, so a bad configuration throws a `ConfigError` at start-up naming every
 * missing or invalid option, never per request.
 *
 * @example
 * app.use(verify()); // TOLLGATE_ISSUER, TOLLGATE_AUDIENCE, ...
 * app.use(verify({ issuer: 'https://auth.example.com', audience: 'orders-api', algorithms: ['RS256'] }));
 * router.use(verify(verifier, { credentialsOptional: true }));
 */
export function verify(source?: VerifierSource, options: VerifyOptions = {}): VerifyMiddleware {
  const responder = resolveResponder(options);
  const verifier = toVerifier(source);
  const auth: AuthenticateOptions = { credentialsOptional: options.credentialsOptional === true, locations: options.locations, realm: responder.realm };

  async function tollgate(ctx: Context, next: Next): Promise<void> {
    setResponder(ctx, responder);
    let result: VerifiedToken | undefined;
    try {
      result = await authenticate(verifier, requestParts(ctx.req, ctx.originalUrl), auth);
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

function resolveResponder(options: VerifyOptions): Responder {
  if (typeof options !== 'object' || options === null) throw new ConfigError('verify() options must be an object.', ['options']);
  const { onError, passErrors = false, realm = DEFAULT_REALM } = options;
  if (onError !== undefined && typeof onError !== 'function') throw new ConfigError('onError must be a function (err, ctx).', ['onError']);
  if (onError !== undefined && passErrors) throw new ConfigError('onError and passErrors are both set; onError already decides what happens to errors.', ['onError', 'passErrors']);
  if (typeof realm !== 'string') throw new ConfigError('realm must be a string.', ['realm']);
  return Object.freeze({ realm, passErrors: passErrors === true, onError });
}
