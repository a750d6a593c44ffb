import { ERROR_HTTP, type BearerErrorCode, type TollgateErrorCode } from './http-mapping.js';

const BRAND = Symbol.for('tollgate.error');

type CodeIn<Prefix extends string> = Extract<TollgateErrorCode, `${Prefix}${string}`>;

/**
 * Base of every error tollgate throws. `code` is stable; `status` and
 * `bearerError` come from the one HTTP table in `http-mapping.ts`. Messages
 * never contain a token, a signature or a secret.
 */
export class TollgateError extends Error {
  readonly code: TollgateErrorCode;
  /** HTTP status an adapter answers with. */
  readonly status: number;
  /** OAuth `error` attribute for `WWW-Authenticate` (RFC 6750, RFC 9449), or null when none applies. */
  readonly bearerError: BearerErrorCode | null;
  /** Koa and http-errors convention: whether the message is safe to show to clients (not for 5xx, whose messages name internal URLs). */
  readonly expose: boolean;

  constructor(code: TollgateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_HTTP[code].status;
    this.bearerError = ERROR_HTTP[code].bearerError;
    this.expose = this.status < 500;
  }

  /** Survives duplicate copies of the package (ESM + CJS in one process). */
  get [BRAND](): true {
    return true;
  }
}

/** The token itself is missing, malformed, too large or its signature does not verify. */
export class TokenError extends TollgateError {
  declare readonly code: CodeIn<'ERR_TOKEN_'>;
  constructor(code: CodeIn<'ERR_TOKEN_'>, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The token's `alg` is not allowed, or does not fit the key it selects. */
export class AlgorithmError extends TollgateError {
  declare readonly code: CodeIn<'ERR_ALG_'>;
  constructor(code: CodeIn<'ERR_ALG_'>, message: string) {
    super(code, message);
  }
}

/** No usable key for the token: unknown `kid`, or several keys fit a token without `kid`. */
export class KeyError extends TollgateError {
  declare readonly code: 'ERR_KEY_NOT_FOUND' | 'ERR_KEY_AMBIGUOUS';
  constructor(code: 'ERR_KEY_NOT_FOUND' | 'ERR_KEY_AMBIGUOUS', message: string) {
    super(code, message);
  }
}

/** Why a claim was refused. */
export type ClaimFailureReason =
  | 'missing'
  | 'mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'too-old'
  | 'invalid-type'
  | 'check-failed'
  | 'insufficient'
  | 'forbidden';

/** A claim broke the policy. `claim` names it; `expected` is set only for non-secret policy values. */
export class ClaimError extends TollgateError {
  declare readonly code: CodeIn<'ERR_CLAIM_'>;
  readonly claim: string;
  readonly reason: ClaimFailureReason;
  readonly expected: string | readonly string[] | undefined;
  constructor(
    code: CodeIn<'ERR_CLAIM_'>,
    message: string,
    facts: { claim: string; reason: ClaimFailureReason; expected?: string | readonly string[]; cause?: unknown },
  ) {
    super(code, message, { cause: facts.cause });
    this.claim = facts.claim;
    this.reason = facts.reason;
    this.expected = facts.expected;
  }
}

type UnavailableCode = CodeIn<'ERR_JWKS_'> | CodeIn<'ERR_DISCOVERY_'> | 'ERR_KEY_WAIT_ABORTED' | 'ERR_VERIFIER_CLOSED';

/**
 * Keys could not be obtained (network, bad JWKS, failed discovery, caller gave up).
 * Retryable: adapters answer 503 with `Retry-After: retryAfterSec`.
 */
export class KeysUnavailableError extends TollgateError {
  declare readonly code: UnavailableCode;
  /** Seconds after which a retry has a chance; at least 1. */
  readonly retryAfterSec: number;
  constructor(code: UnavailableCode, message: string, options: { retryAfterSec?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.retryAfterSec = Math.max(1, Math.ceil(options.retryAfterSec ?? 1));
  }
}

/** The configuration cannot work. Thrown synchronously at construction, never per request. */
export class ConfigError extends TollgateError {
  declare readonly code: 'ERR_CONFIG_INVALID';
  /** The option(s) at fault, e.g. `hs256.secrets[0]` or `TOLLGATE_AUDIENCE`. */
  readonly options: readonly string[];
  constructor(message: string, options: readonly string[]) {
    super('ERR_CONFIG_INVALID', message);
    this.options = options;
  }
}

/** Which DPoP check refused a request (RFC 9449 sections 4.3, 7 and 9). */
export type DpopFailureReason =
  | 'malformed'
  | 'too-large'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'key-reference'
  | 'signature'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'exp'
  | 'nbf'
  | 'jti'
  | 'ath'
  | 'nonce'
  | 'replayed'
  | 'binding'
  | 'downgrade'
  | 'required'
  | 'missing'
  | 'request';

/**
 * A DPoP proof or a DPoP request was refused. `reason` names the failed check;
 * `status`/`bearerError` follow the one HTTP table (401 `invalid_dpop_proof`,
 * `use_dpop_nonce` or `invalid_token`; 400 `invalid_request`).
 */
export class DpopError extends TollgateError {
  declare readonly code: CodeIn<'ERR_DPOP_'>;
  readonly reason: DpopFailureReason;
  constructor(code: CodeIn<'ERR_DPOP_'>, message: string, facts: { reason: DpopFailureReason; cause?: unknown }) {
    super(code, message, { cause: facts.cause });
    this.reason = facts.reason;
  }
}

/**
 * A shared store (the DPoP replay store) could not answer, so the request is refused rather than
 * risk accepting a replay. Retryable: adapters answer 503 with `Retry-After: retryAfterSec`.
 */
export class StoreUnavailableError extends TollgateError {
  declare readonly code: 'ERR_REPLAY_STORE_UNAVAILABLE';
  /** Seconds after which a retry has a chance; at least 1. */
  readonly retryAfterSec: number;
  constructor(
    code: 'ERR_REPLAY_STORE_UNAVAILABLE',
    message: string,
    options: { retryAfterSec?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.retryAfterSec = Math.max(1, Math.ceil(options.retryAfterSec ?? 1));
  }
}

/** Union of all error classes: `switch (err.code)` narrows to the class. */
export type AnyTollgateError =
  | TokenError
  | AlgorithmError
  | KeyError
  | ClaimError
  | KeysUnavailableError
  | ConfigError
  | DpopError
  | StoreUnavailableError;

/**
 * True for any tollgate error, including one thrown by another copy of the
 * package in the same process (an ESM and a CJS copy do not share classes).
 */
export function isTollgateError(value: unknown): value is AnyTollgateError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] === true) return true;
  const code = (value as { code?: unknown }).code;
  return (
    value instanceof Error && typeof code === 'string' && Object.hasOwn(ERROR_HTTP, code) && 'bearerError' in value
  );
}
