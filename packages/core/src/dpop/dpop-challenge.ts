import { authChallenge, type ChallengeParams } from '../challenge.js';

/** Parameters of a `DPoP` challenge (RFC 9449 sections 7.1 and 9). */
export interface DpopChallengeParams extends ChallengeParams {
  /** Proof algorithms this server accepts, sent as the space-separated `algs` parameter. */
  readonly algs: readonly string[];
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
  return authChallenge('DPoP', params);
}
