import type { JwtClaims } from './compact-jws.js';
import { ClaimError, ConfigError, TokenError } from './errors.js';
import type { VerifiedToken } from './verifier.js';

/**
 * A framework-neutral authorization check on a verified token. Throws a
 * `TollgateError` to refuse. `A` lets adapters narrow the auth type they pass.
 * Adapters wrap checks with their own one-line helper.
 */
export type AuthCheck<A extends VerifiedToken = VerifiedToken> = (auth: A | undefined) => void | Promise<void>;

/** Scopes granted by a token: the space-separated `scope` claim (RFC 8693/9068) and an `scp` array or string. */
export function grantedScopes(claims: JwtClaims): Set<string> {
  const granted = new Set<string>();
  const add = (value: unknown) => {
    const list: unknown[] = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const s of list) if (typeof s === 'string' && s) granted.add(s);
  };
  add(claims.scope);
  add(claims.scp);
  return granted;
}

function requireAuth(auth: VerifiedToken | undefined): VerifiedToken {
  if (auth === undefined) throw new TokenError('ERR_TOKEN_MISSING', 'Authentication is required.');
  return auth;
}

/**
 * Requires every listed scope. Refuses with 403 `insufficient_scope`, naming the scopes needed.
 *
 * @example
 * app.get('/orders', requireScopes('orders:read'), handler) // via the adapter's re-export
 */
export function requireScopes(...scopes: string[]): AuthCheck {
  const needed = scopes.flatMap((s) => s.split(' ')).filter(Boolean);
  // An empty list would silently mean "any token": refuse it where the route is declared.
  if (needed.length === 0) throw new ConfigError('requireScopes() needs at least one scope.', ['scopes']);
  return (auth) => {
    const granted = grantedScopes(requireAuth(auth).claims);
    const missing = needed.filter((s) => !granted.has(s));
    if (missing.length > 0) {
      throw new ClaimError('ERR_CLAIM_SCOPE_INSUFFICIENT', `The token lacks the scope(s): ${missing.join(' ')}.`, {
        claim: 'scope',
        reason: 'insufficient',
        expected: needed,
      });
    }
  };
}

/**
 * Requires a custom predicate over the claims (e.g. a role). Returning `false`
 * refuses with 403 `insufficient_scope`; throwing a `TollgateError` uses that error.
 *
 * @example
 * requireClaims((claims) => claims.role === 'admin')
 */
export function requireClaims<C extends JwtClaims = JwtClaims>(
  predicate: (claims: C, auth: VerifiedToken<C>) => boolean | Promise<boolean>,
  description = 'The token does not grant access to this resource.',
): AuthCheck {
  return async (auth) => {
    const verified = requireAuth(auth) as VerifiedToken<C>;
    if ((await predicate(verified.claims, verified)) !== true) {
      throw new ClaimError('ERR_CLAIM_FORBIDDEN', description, { claim: '*', reason: 'forbidden' });
    }
  };
}
