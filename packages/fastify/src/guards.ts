import {
  requireAuthLevel as authLevelCheck,
  requireClaims as claimsCheck,
  requireScopes as scopesCheck,
  type AuthCheck,
  type AuthLevel,
  type JwtClaims,
  type VerifiedToken,
} from '@tollgate/core';
import type { preHandlerHookHandler } from 'fastify';
import { handleError } from './errors.js';

/**
 * Turns a framework-neutral check on `request.auth` into a Fastify `preHandler` hook. A refusal is
 * answered the way the plugin is configured (realm, `passErrors`, `onError`); without the plugin,
 * or on a public route, `request.auth` is unset and the answer is a 401.
 *
 * @example
 * const notSuspended: AuthCheck = (auth) => {
 *   if (auth?.claims.suspended === true) throw new ClaimError('ERR_CLAIM_FORBIDDEN', 'Account suspended.', { claim: 'suspended', reason: 'forbidden' });
 * };
 * app.post('/orders', { preHandler: toPreHandler(notSuspended) }, createOrder);
 */
export function toPreHandler(check: AuthCheck): preHandlerHookHandler {
  return function tollgateGuard(request, reply, done) {
    let result: void | Promise<void>;
    try {
      result = check(request.auth);
    } catch (error) {
      handleError(error, request, reply, done);
      return;
    }
    // Synchronous checks (scopes) continue without a microtask hop.
    if (result === undefined) done();
    else
      result.then(
        () => done(),
        (error: unknown) => handleError(error, request, reply, done),
      );
  };
}

/**
 * Requires every listed scope, read from the space-separated `scope` claim and the `scp` array.
 * Refuses with 403 `insufficient_scope` and `scope="<needed>"` in the challenge.
 *
 * @example
 * app.get('/orders', { preHandler: requireScopes('orders:read') }, listOrders);
 * app.delete('/orders/:id', { preHandler: requireScopes('orders:write', 'orders:admin') }, deleteOrder);
 */
export function requireScopes(...scopes: string[]): preHandlerHookHandler {
  return toPreHandler(scopesCheck(...scopes));
}

/**
 * Requires a predicate over the claims (may be async). `false` refuses with 403
 * `insufficient_scope` and `description` (default: "The token does not grant access to this
 * resource."); throwing a tollgate error refuses with that error; any other thrown error goes to
 * Fastify's error handler.
 *
 * @example
 * app.get('/admin', { preHandler: requireClaims<{ role?: string }>((claims) => claims.role === 'admin') }, admin);
 */
export function requireClaims<C extends JwtClaims = JwtClaims>(
  predicate: (claims: C, auth: VerifiedToken<C>) => boolean | Promise<boolean>,
  description?: string,
): preHandlerHookHandler {
  return toPreHandler(claimsCheck<C>(predicate, description));
}

/**
 * Requires a strong or recent enough login (RFC 9470 step-up): the token's `acr` among the
 * accepted values, `auth_time` within `maxAgeSec`, every listed `amr`. Refuses with 401
 * `insufficient_user_authentication`, with `acr_values` / `max_age` in the challenge so the client
 * can ask the authorization server for a stronger login.
 *
 * @example
 * app.post('/payments', { preHandler: requireAuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 }) }, pay);
 */
export function requireAuthLevel(level: AuthLevel): preHandlerHookHandler {
  return toPreHandler(authLevelCheck(level));
}
