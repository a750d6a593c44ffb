import type { Verifier } from '@tollgate/core';
import { authenticate, requestParts, resolveAdapterOptions, toVerifier, warmInBackground, type VerifierSource } from '@tollgate/core/adapter';
import type { RequestHandler } from 'express';
import { EXPRESS_ADAPTER, handleError, setResponder } from './errors.js';
import type { ErrorHandler, VerifyOptions } from './types.js';

/** The middleware `verify()` returns, with the verifier it uses (warm it, read stats, close it). */
export type VerifyMiddleware = RequestHandler & { readonly verifier: Verifier };

/**
 * Verifies the request's bearer token and sets `req.auth`; refuses with an RFC 6750 response.
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
 * app.use('/public', verify(verifier, { credentialsOptional: true }));
 */
export function verify(source?: VerifierSource, options: VerifyOptions = {}): VerifyMiddleware {
  const resolved = resolveAdapterOptions<ErrorHandler>(options, EXPRESS_ADAPTER);
  const verifier = toVerifier(source);
  warmInBackground(verifier, resolved);

  const tollgate: RequestHandler = function tollgate(req, res, next) {
    setResponder(req, resolved);
    const parts = requestParts(req, req.originalUrl);
    // Settled with callbacks, not returned: Express 4 ignores a returned promise and a rejection would go unhandled.
    authenticate(verifier, parts, resolved).then(
      (result) => {
        if (result !== undefined) req.auth = result;
        next();
      },
      (error: unknown) => handleError(error, req, res, next),
    );
  };
  return Object.defineProperty(tollgate, 'verifier', { value: verifier, enumerable: true }) as VerifyMiddleware;
}
