import { extractToken, type TokenLocations, type TokenRequestParts } from './bearer.js';
import { optionsFromEnv } from './env.js';
import { TokenError } from './errors.js';
import type { VerifierOptions } from './options.js';
import { createVerifier, type VerifiedToken, type Verifier } from './verifier.js';

/** What an adapter accepts: verifier options, an existing verifier (to share its caches), or nothing (environment). */
export type VerifierSource = VerifierOptions | Verifier | undefined;

/** Options every adapter shares. */
export interface AuthenticateOptions {
  /** Let requests without a token through (no auth attached); a bad token is still refused. Default `false`. */
  credentialsOptional?: boolean | undefined;
  /** Extra token locations. Default: the `Authorization` header only. */
  locations?: TokenLocations | undefined;
  /** `realm` in `WWW-Authenticate` challenges. Default `'api'`. */
  realm?: string | undefined;
}

export const DEFAULT_REALM = 'api';

function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && typeof (value as Verifier).verify === 'function' && typeof (value as Verifier).stats === 'function';
}

/**
 * Returns the verifier an adapter should use: the given one, one built from
 * options, or one built from `TOLLGATE_*` variables (failing fast at start-up).
 */
export function toVerifier(source: VerifierSource): Verifier {
  if (isVerifier(source)) return source;
  return createVerifier(source ?? optionsFromEnv());
}

/**
 * The whole request-side job of an adapter: find the token, verify it.
 * Resolves to `undefined` for an anonymous request when credentials are
 * optional; otherwise rejects with a `TollgateError`.
 */
export async function authenticate(verifier: Verifier, parts: TokenRequestParts, options: AuthenticateOptions = {}): Promise<VerifiedToken | undefined> {
  const token = extractToken(parts, options.locations);
  if (token === undefined) {
    if (options.credentialsOptional === true) return undefined;
    throw new TokenError('ERR_TOKEN_MISSING', 'Authentication is required: send "Authorization: Bearer <token>".');
  }
  return verifier.verify(token);
}
