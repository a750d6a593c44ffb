import type { JwtClaims } from './compact-jws.js';
import { ClaimError, ConfigError, TokenError, type ClaimFailureReason } from './errors.js';
import type { AuthCheck } from './guards.js';

/** What a route asks of the login behind a token (RFC 9470). */
export interface AuthLevel {
  /** Accepted `acr` values: the token's `acr` must equal one of them. Default: any `acr`, or none. */
  acr?: string | readonly string[] | undefined;
  /** Most seconds since the user authenticated (`auth_time`). Default: no limit. */
  maxAgeSec?: number | undefined;
  /** Authentication methods that must all appear in the token's `amr`, e.g. `['mfa']`. Default: none. */
  amr?: readonly string[] | undefined;
  /** Clock in epoch milliseconds for `maxAgeSec`; inject one in tests. Default `Date.now`. */
  clock?: (() => number) | undefined;
}

/**
 * The login behind the token is not strong or recent enough. Answered with 401
 * `insufficient_user_authentication` and the `acr_values` / `max_age` the client must ask the
 * authorization server for (RFC 9470 §3), so it can step up instead of giving up.
 */
export class StepUpError extends ClaimError {
  declare readonly code: 'ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT';
  /** `acr` values that would satisfy the route, for the challenge's `acr_values`. */
  readonly acrValues: readonly string[] | undefined;
  /** The route's `maxAgeSec`, for the challenge's `max_age`. */
  readonly maxAgeSec: number | undefined;
  constructor(
    message: string,
    facts: {
      claim: 'acr' | 'auth_time' | 'amr';
      reason: ClaimFailureReason;
      acrValues: readonly string[] | undefined;
      maxAgeSec: number | undefined;
    },
  ) {
    super('ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT', message, {
      claim: facts.claim,
      reason: facts.reason,
      ...(facts.acrValues ? { expected: facts.acrValues } : {}),
    });
    this.acrValues = facts.acrValues;
    this.maxAgeSec = facts.maxAgeSec;
  }
}

// Array.isArray would narrow a readonly list to any[]; this keeps the element type.
const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/**
 * Requires a strong or recent enough login (RFC 9470 step-up): the token's `acr` among the
 * accepted values, `auth_time` within `maxAgeSec`, and every listed `amr` method. A token that
 * falls short is refused with 401 `insufficient_user_authentication`, telling the client which
 * `acr_values` / `max_age` to request.
 *
 * @example
 * app.post('/payments', requireAuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 }), pay) // via the adapter's re-export
 */
export function requireAuthLevel(level: AuthLevel): AuthCheck {
  const acrValues =
    level.acr === undefined ? undefined : Object.freeze(typeof level.acr === 'string' ? [level.acr] : [...level.acr]);
  const { maxAgeSec, amr } = level;
  const clock = level.clock ?? Date.now;
  if (
    acrValues !== undefined &&
    (acrValues.length === 0 || acrValues.some((v) => typeof v !== 'string' || v.length === 0))
  ) {
    throw new ConfigError('requireAuthLevel() acr must be a non-empty string or a non-empty list of them.', ['acr']);
  }
  if (maxAgeSec !== undefined && !(Number.isInteger(maxAgeSec) && maxAgeSec >= 0)) {
    throw new ConfigError(
      `requireAuthLevel() maxAgeSec must be a non-negative integer of seconds, got ${String(maxAgeSec)}.`,
      ['maxAgeSec'],
    );
  }
  if (
    amr !== undefined &&
    (!isList(amr) || amr.length === 0 || amr.some((m) => typeof m !== 'string' || m.length === 0))
  ) {
    throw new ConfigError('requireAuthLevel() amr must be a non-empty list of method names.', ['amr']);
  }
  if (acrValues === undefined && maxAgeSec === undefined && amr === undefined) {
    throw new ConfigError('requireAuthLevel() needs acr, maxAgeSec or amr; without any it would accept every token.', [
      'acr',
      'maxAgeSec',
      'amr',
    ]);
  }
  const refuse = (claim: 'acr' | 'auth_time' | 'amr', reason: ClaimFailureReason, message: string) =>
    new StepUpError(message, { claim, reason, acrValues, maxAgeSec });
  return (auth) => {
    if (auth === undefined) throw new TokenError('ERR_TOKEN_MISSING', 'Authentication is required.');
    const claims: JwtClaims = auth.claims;
    if (acrValues !== undefined) {
      const acr = claims.acr;
      if (typeof acr !== 'string' || !acrValues.includes(acr)) {
        throw refuse(
          'acr',
          acr === undefined ? 'missing' : 'insufficient',
          `This resource needs a stronger login (acr ${acrValues.join(' or ')}); authenticate again with acr_values.`,
        );
      }
    }
    if (maxAgeSec !== undefined) {
      const authTime = claims.auth_time;
      if (typeof authTime !== 'number' || !Number.isFinite(authTime)) {
        throw refuse(
          'auth_time',
          authTime === undefined ? 'missing' : 'invalid-type',
          `This resource needs a login within the last ${maxAgeSec} s, and the token does not say when the user logged in (auth_time).`,
        );
      }
      if (clock() / 1000 - authTime > maxAgeSec) {
        throw refuse(
          'auth_time',
          'too-old',
          `This resource needs a login within the last ${maxAgeSec} s; authenticate again (max_age=${maxAgeSec}).`,
        );
      }
    }
    if (amr !== undefined) {
      const methods = claims.amr;
      const missing = Array.isArray(methods) ? amr.filter((m) => !methods.includes(m)) : [...amr];
      if (missing.length > 0)
        throw refuse(
          'amr',
          methods === undefined ? 'missing' : 'insufficient',
          `This resource needs the authentication method(s) ${missing.join(', ')}; authenticate again.`,
        );
    }
  };
}
