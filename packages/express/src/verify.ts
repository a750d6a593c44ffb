import type { Verifier } from '@tollgate/core';
import {
  createGate,
  nodeRequestFacts,
  warmInBackground,
  type RequestAuth,
  type ResourceMetadataEndpoint,
  type VerifierSource,
} from '@tollgate/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EXPRESS_ADAPTER, handleError, setGate } from './errors.js';
import type { VerifyOptions } from './types.js';

/**
 * The middleware `verify()` returns, with the verifier it uses (warm it, read stats, close it) and
 * the RFC 9728 metadata it names in its challenges (serve it with `resourceMetadata(auth)`).
 */
export type VerifyMiddleware = RequestHandler & {
  readonly verifier: Verifier;
  /** The metadata of the verifier's `resource` (path, URL, document), or `undefined` without one. */
  readonly metadata: ResourceMetadataEndpoint | undefined;
};

/**
 * Verifies the request's token and sets `req.auth`; refuses with an RFC 6750 (or RFC 9449 DPoP)
 * response.
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
 * app.use(verify(verifier, { dpop: { mode: 'required', origin: 'https://api.example.com' } }));
 * const auth = verify({ resource: 'https://api.example.com/mcp', issuer: 'https://auth.example.com', algorithms: ['RS256'] });
 */
export function verify(source?: VerifierSource, options: VerifyOptions = {}): VerifyMiddleware {
  const gate = createGate(source, options, EXPRESS_ADAPTER);
  warmInBackground(gate.verifier, gate.options);

  const accept = (req: Request, res: Response, next: NextFunction, auth: RequestAuth | undefined): void => {
    if (auth !== undefined) req.auth = auth;
    const headers = gate.successHeaders(auth);
    if (headers !== undefined) res.set(headers);
    next();
  };
  const tollgate: RequestHandler = function tollgate(req, res, next) {
    setGate(res, gate);
    let outcome: RequestAuth | undefined | Promise<RequestAuth | undefined>;
    try {
      outcome = gate.authenticate(nodeRequestFacts(req, req.originalUrl));
    } catch (error) {
      handleError(error, req, res, next, gate);
      return;
    }
    // Settled with callbacks, never returned: Express 4 ignores a returned promise and a rejection would go unhandled.
    if (outcome instanceof Promise) {
      outcome.then(
        (auth) => accept(req, res, next, auth),
        (error: unknown) => handleError(error, req, res, next, gate),
      );
      return;
    }
    accept(req, res, next, outcome);
  };
  return Object.defineProperties(tollgate, {
    verifier: { value: gate.verifier, enumerable: true },
    metadata: { value: gate.metadata, enumerable: true },
  }) as VerifyMiddleware;
}
