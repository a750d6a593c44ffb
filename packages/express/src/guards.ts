import {
  requireAuthLevel as authLevelCheck,
  requireClaims as claimsCheck,
  requireScopes as scopesCheck,
  type AuthCheck,
  type AuthLevel,
  type JwtClaims,
  type VerifiedToken,
} from '@tollgate/core';
import type { RequestHandler } from 'express';
import { handleError } from './errors.js';

/**
 * Turns a framework-neutral check on `req.auth` into Express middleware. A refusal is answered
 * the way the `verify()` before it is configured (realm, `passErrors`, `onError`); with no
 * `verify()` before it, `req.auth` is unset and the answer is a 401.
 *
 * @example
 * const notSuspended: AuthCheck = (auth) => {
 *   if (auth?.claims.suspended === true) throw new ClaimError('ERR_CLAIM_FORBIDDEN', 'Account suspended.', { claim: 'suspended', reason: 'forbidden' });
 * };
 * app.post('/orders', toMiddleware(notSuspended), createOrder);
 */
export function toMiddleware(check: AuthCheck): RequestHandler {
  return function tollgateGuard(req, res, next) {
    let result: void | Promise<void>;
    try {
      result = check(req.auth);
    } catch (error) {
      handleError(error, req, res, next);
      return;
    }
    // Synchronous checks (scopes) continue without a microtask hop.
    if (result === undefined) next();
    else
      result.then(
        () => next(),
        (error: unknown) => handleError(error, req, res, next),
      );
  };
}

/**
 * Requires every listed scope, read from the space-separated `scope` claim and the `scp` array.
 * Refuses with 403 `insufficient_scope` and `scope="<needed>"` in the challenge.
 *
 * @example
 * app.get('/orders', requireScopes('orders:read'), listOrders);
 * app.delete('/orders/:id', requireScopes('orders:write', 'orders:admin'), deleteOrder);
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  return toMiddleware(scopesCheck(...scopes));
}

/**
 * Requires a predicate over the claims (may be async). `false` refuses with 403
 * `insufficient_scope` and `description` (default: "The token does not grant access to this
 * resource."); throwing a tollgate error refuses with that error; any other thrown error goes to
 * `next(err)`.
 *
 * @example
 * app.get('/admin', requireClaims<{ role?: string }>((claims) => claims.role === 'admin'), admin);
 */
export function requireClaims<C extends JwtClaims = JwtClaims>(
  predicate: (claims: C, auth: VerifiedToken<C>) => boolean | Promise<boolean>,
  description?: string,
): RequestHandler {
  return toMiddleware(claimsCheck<C>(predicate, description));
}

/**
 * Requires a strong or recent enough login (RFC 9470 step-up): the token's `acr` among the
 * accepted values, `auth_time` within `maxAgeSec`, every listed `amr`. Refuses with 401
 * `insufficient_user_authentication`, with `acr_values` / `max_age` in the challenge so the client
 * can ask the authorization server for a stronger login.
 *
 * @example
 * app.post('/payments', requireAuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 }), pay);
 */
export function requireAuthLevel(level: AuthLevel): RequestHandler {
  return toMiddleware(authLevelCheck(level));
}
