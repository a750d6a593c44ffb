/**
 * How each error code maps to HTTP. One table, read by every adapter through
 * `TollgateError#status` / `bearerError`, so no adapter carries its own switch.
 */
export const ERROR_HTTP = {
  ERR_TOKEN_MISSING: { status: 401, bearerError: null },
  ERR_TOKEN_REQUEST_INVALID: { status: 400, bearerError: 'invalid_request' },
  ERR_TOKEN_MALFORMED: { status: 401, bearerError: 'invalid_token' },
  ERR_TOKEN_TOO_LARGE: { status: 401, bearerError: 'invalid_token' },
  ERR_TOKEN_SIGNATURE_INVALID: { status: 401, bearerError: 'invalid_token' },
  ERR_TOKEN_CRIT_UNSUPPORTED: { status: 401, bearerError: 'invalid_token' },
  ERR_TOKEN_CERTIFICATE_MISMATCH: { status: 401, bearerError: 'invalid_token' },
  ERR_TOKEN_REVOKED: { status: 401, bearerError: 'invalid_token' },
  ERR_ALG_NOT_ALLOWED: { status: 401, bearerError: 'invalid_token' },
  ERR_ALG_KEY_MISMATCH: { status: 401, bearerError: 'invalid_token' },
  ERR_KEY_NOT_FOUND: { status: 401, bearerError: 'invalid_token' },
  ERR_KEY_AMBIGUOUS: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_EXPIRED: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_NOT_YET_VALID: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_TOO_OLD: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_MISSING: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_MISMATCH: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_INVALID: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_CHECK_FAILED: { status: 401, bearerError: 'invalid_token' },
  ERR_CLAIM_SCOPE_INSUFFICIENT: { status: 403, bearerError: 'insufficient_scope' },
  ERR_CLAIM_FORBIDDEN: { status: 403, bearerError: 'insufficient_scope' },
  ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT: { status: 401, bearerError: 'insufficient_user_authentication' },
  ERR_JWKS_UNAVAILABLE: { status: 503, bearerError: null },
  ERR_JWKS_FETCH_FAILED: { status: 503, bearerError: null },
  ERR_JWKS_INVALID: { status: 503, bearerError: null },
  ERR_DISCOVERY_FAILED: { status: 503, bearerError: null },
  ERR_DISCOVERY_ISSUER_MISMATCH: { status: 503, bearerError: null },
  ERR_KEY_WAIT_ABORTED: { status: 503, bearerError: null },
  ERR_CONFIG_INVALID: { status: 500, bearerError: null },
  ERR_VERIFIER_CLOSED: { status: 503, bearerError: null },
  ERR_DPOP_PROOF_INVALID: { status: 401, bearerError: 'invalid_dpop_proof' },
  ERR_DPOP_PROOF_REPLAYED: { status: 401, bearerError: 'invalid_dpop_proof' },
  ERR_DPOP_NONCE_REQUIRED: { status: 401, bearerError: 'use_dpop_nonce' },
  ERR_DPOP_BINDING_MISMATCH: { status: 401, bearerError: 'invalid_token' },
  ERR_DPOP_BOUND_TOKEN_AS_BEARER: { status: 401, bearerError: 'invalid_token' },
  ERR_DPOP_REQUIRED: { status: 401, bearerError: 'invalid_token' },
  ERR_DPOP_REQUEST_INVALID: { status: 400, bearerError: 'invalid_request' },
  ERR_REPLAY_STORE_UNAVAILABLE: { status: 503, bearerError: null },
} as const satisfies Record<string, { status: number; bearerError: BearerErrorCode | null }>;

/**
 * OAuth error codes a challenge carries (`error="…"`): RFC 6750 §3.1, RFC 9470 §3
 * (`insufficient_user_authentication`), and the DPoP codes of RFC 9449 §7.1 (`invalid_dpop_proof`)
 * and §9 (`use_dpop_nonce`).
 */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** Every error code tollgate can produce. Codes are never renamed once released. */
export type TollgateErrorCode = keyof typeof ERROR_HTTP;
