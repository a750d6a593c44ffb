import {
  requireAuthLevel as authLevelCheck,
  requireClaims as claimsCheck,
  requireScopes as scopesCheck,
  type AuthCheck,
  type AuthLevel,
  type JwtClaims,
  type VerifiedToken,
} from '@tollgate/core';
import type { Context, Middleware, Next } from 'koa';
import { handleError } from './errors.js';
import type { TollgateState } from './types.js';

/**
 * Turns a framework-neutral check on `ctx.state.auth` into Koa middleware. A refusal is answered
 * the way the `verify()` before it is configured (realm, `passErrors`, `onError`); with no
 * `verify()` before it, `ctx.state.auth` is unset and the answer is a 401.
 *
 * @example
 * const notSuspended: AuthCheck = (auth) => {
 *   if (auth?.claims.suspended === true) throw new ClaimError('ERR_CLAIM_FORBIDDEN', 'Account suspended.', { claim: 'suspended', reason: 'forbidden' });
 * };
 * router.post('/orders', toMiddleware(notSuspended), createOrder);
 */
export function toMiddleware(check: AuthCheck): Middleware<TollgateState> {
  return async function tollgateGuard(ctx: Context, next: Next): Promise<void> {
    try {
      await check((ctx.state as TollgateState).auth);
    } catch (error) {
      await handleError(error, ctx);
      return;
    }
    await next();
  };
}

/**
 * Requires every listed scope, read from the space-separated `scope` claim and the `scp` array.
 * Refuses with 403 `insufficient_scope` and `scope="<needed>"` in the challenge.
 *
 * @example
 * router.get('/orders', requireScopes('orders:read'), listOrders);
 */
export function requireScopes(...scopes: string[]): Middleware<TollgateState> {
  return toMiddleware(scopesCheck(...scopes));
}

/**
 * Requires a predicate over the claims (may be async). `false` refuses with 403
 * `insufficient_scope` and `description` (default: "The token does not grant access to this
 * resource."); throwing a tollgate error refuses with that error; any other error is rethrown.
 *
 * @example
 * router.get('/admin', requireClaims<{ role?: string }>((claims) => claims.role === 'admin'), admin);
 */
export function requireClaims<C extends JwtClaims = JwtClaims>(
  predicate: (claims: C, auth: VerifiedToken<C>) => boolean | Promise<boolean>,
  description?: string,
): Middleware<TollgateState> {
  return toMiddleware(claimsCheck<C>(predicate, description));
}

/**
 * Requires a strong or recent enough login (RFC 9470 step-up): the token's `acr` among the
 * accepted values, `auth_time` within `maxAgeSec`, every listed `amr`. Refuses with 401
 * `insufficient_user_authentication`, with `acr_values` / `max_age` in the challenge.
 *
 * @example
 * router.post('/payments', requireAuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 }), pay);
 */
export function requireAuthLevel(level: AuthLevel): Middleware<TollgateState> {
  return toMiddleware(authLevelCheck(level));
}
