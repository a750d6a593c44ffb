import { quote } from '../bearer.js';

/** Parameters of a `DPoP` challenge (RFC 9449 sections 7.1 and 9). */
export interface DpopChallengeParams {
  readonly realm?: string | undefined;
  /** Proof algorithms this server accepts, sent as the space-separated `algs` parameter. */
  readonly algs: readonly string[];
  /** OAuth error code (`invalid_dpop_proof`, `use_dpop_nonce`, `invalid_token`, …), or none for a request without credentials. */
  readonly error?: string | null | undefined;
  /** Human-readable reason; sent only together with `error`. */
  readonly description?: string | undefined;
  /** Scope needed, for `insufficient_scope`. */
  readonly scope?: string | undefined;
}

/**
 * Builds a `WWW-Authenticate: DPoP …` value, e.g.
 * `DPoP algs="ES256 PS256", error="invalid_dpop_proof", error_description="…"`.
 * Every value is quoted and escaped like the Bearer challenge (quotes and
 * backslashes escaped, control and non-ASCII characters dropped), so no
 * request-derived text can break the header.
 *
 * @example
 * res.setHeader('WWW-Authenticate', dpopChallenge({ algs: policy.algorithms, error: err.bearerError, description: err.message }));
 */
export function dpopChallenge(params: DpopChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quote(params.realm)}`);
  if (params.algs.length > 0) parts.push(`algs=${quote(params.algs.join(' '))}`);
  if (params.error) {
    parts.push(`error=${quote(params.error)}`);
    if (params.description) parts.push(`error_description=${quote(params.description)}`);
  }
  if (params.scope) parts.push(`scope=${quote(params.scope)}`);
  return parts.length > 0 ? `DPoP ${parts.join(', ')}` : 'DPoP';
}
