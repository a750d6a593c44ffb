/** Quotes a value for an RFC 7235 auth-param: escapes `\` and `"`, drops control and non-ASCII characters. */
export function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/[\u0000-\u001f\u007f-\uffff]/g, '').replace(/[\\"]/g, '\\$&')}"`;
}

/** The auth-params of a `WWW-Authenticate` challenge, in the order they are written. */
export interface ChallengeParams {
  readonly realm?: string | undefined;
  /** DPoP only: proof algorithms accepted (RFC 9449 7.1). */
  readonly algs?: readonly string[] | undefined;
  /** OAuth error code; none for a request without credentials. */
  readonly error?: string | null | undefined;
  /** Human-readable reason; sent only with `error`. */
  readonly description?: string | undefined;
  /** Scope needed, for `insufficient_scope` (RFC 6750 3). */
  readonly scope?: string | undefined;
  /** `acr` values to ask for, for `insufficient_user_authentication` (RFC 9470 3). */
  readonly acrValues?: readonly string[] | undefined;
  /** Most seconds since login, for `insufficient_user_authentication` (RFC 9470 3). */
  readonly maxAgeSec?: number | undefined;
  /** URL of the resource's RFC 9728 metadata (RFC 9728 5.1). */
  readonly resourceMetadata?: string | undefined;
}

/**
 * Builds one `WWW-Authenticate` challenge, e.g. `Bearer realm="api", error="invalid_token", …`.
 * Every value is quoted and escaped, so no request-derived text can break the header.
 *
 * @example
 * authChallenge('DPoP', { algs: ['ES256'], error: 'invalid_dpop_proof', description: 'The proof has expired.' })
 */
export function authChallenge(scheme: 'Bearer' | 'DPoP', params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quote(params.realm)}`);
  if (params.algs !== undefined && params.algs.length > 0) parts.push(`algs=${quote(params.algs.join(' '))}`);
  if (params.error) {
    parts.push(`error=${quote(params.error)}`);
    if (params.description) parts.push(`error_description=${quote(params.description)}`);
    if (params.scope) parts.push(`scope=${quote(params.scope)}`);
    if (params.acrValues !== undefined && params.acrValues.length > 0)
      parts.push(`acr_values=${quote(params.acrValues.join(' '))}`);
    if (params.maxAgeSec !== undefined) parts.push(`max_age=${String(params.maxAgeSec)}`);
  } else if (params.scope) {
    parts.push(`scope=${quote(params.scope)}`);
  }
  if (params.resourceMetadata !== undefined) parts.push(`resource_metadata=${quote(params.resourceMetadata)}`);
  return parts.length > 0 ? `${scheme} ${parts.join(', ')}` : scheme;
}

/**
 * Builds an RFC 6750 `WWW-Authenticate: Bearer …` value.
 *
 * @example
 * bearerChallenge({ realm: 'api', error: 'invalid_token', description: 'Token has expired.' })
 */
export function bearerChallenge(params: Omit<ChallengeParams, 'algs'>): string {
  return authChallenge('Bearer', params);
}
