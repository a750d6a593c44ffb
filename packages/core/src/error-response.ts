import { authChallenge, type ChallengeParams } from './challenge.js';
import type { AnyTollgateError } from './errors.js';

/** A framework-neutral HTTP answer for a tollgate error. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description: string; readonly code: string };
}

/** How a refusal is challenged. Plain `{ realm }` gives the RFC 6750 Bearer answer. */
export interface ResponseContext {
  /** `realm` of every challenge. Default: none. */
  readonly realm?: string | undefined;
  /** The schemes offered, in order. Default `['Bearer']`. */
  readonly schemes?: readonly ('Bearer' | 'DPoP')[] | undefined;
  /** The scheme the refused request used: its challenge carries the error. Default: the first offered. */
  readonly scheme?: 'Bearer' | 'DPoP' | undefined;
  /** DPoP proof algorithms, for the `DPoP` challenge's `algs`. */
  readonly dpopAlgs?: readonly string[] | undefined;
  /** A fresh nonce, sent as `DPoP-Nonce` with `use_dpop_nonce`. */
  readonly dpopNonce?: string | undefined;
  /** RFC 9728 metadata URL, sent as `resource_metadata` on every challenge. */
  readonly resourceMetadata?: string | undefined;
}

const UNAVAILABLE: Partial<Record<AnyTollgateError['code'], string>> = {
  ERR_REPLAY_STORE_UNAVAILABLE: 'Proof replay protection is temporarily unavailable; retry later.',
};

/**
 * Maps an error to its HTTP response: 401 with a challenge (no error code when the token is
 * missing), 400 `invalid_request`, 403 `insufficient_scope` with the needed scope, 401
 * `insufficient_user_authentication` with `acr_values`/`max_age` (RFC 9470), DPoP challenges and
 * `DPoP-Nonce` (RFC 9449), 503 with `Retry-After`. Descriptions are short and never contain the
 * token; key-fetch internals are not exposed.
 *
 * @example
 * const { status, headers, body } = errorResponse(err, { realm: 'orders' });
 */
export function errorResponse(error: AnyTollgateError, context: ResponseContext = {}): ErrorResponse {
  const { status, bearerError, code } = error;
  const headers: Record<string, string> = {};
  let description = error.message;
  if (status === 503) {
    description = UNAVAILABLE[code] ?? 'Signing keys are temporarily unavailable; retry later.';
    headers['retry-after'] = String('retryAfterSec' in error ? error.retryAfterSec : 1);
  } else if (status >= 500) {
    description = 'The server cannot verify tokens right now.';
  } else {
    headers['www-authenticate'] = challenges(error, context, description);
    if (code === 'ERR_DPOP_NONCE_REQUIRED' && context.dpopNonce !== undefined)
      headers['dpop-nonce'] = context.dpopNonce;
    if (code === 'ERR_TOKEN_MISSING') description = 'Authentication is required.';
  }
  const name =
    bearerError ?? (status === 401 ? 'unauthorized' : status === 503 ? 'temporarily_unavailable' : 'server_error');
  return { status, headers, body: { error: name, error_description: description, code } };
}

function challenges(error: AnyTollgateError, context: ResponseContext, description: string): string {
  const schemes = context.schemes ?? ['Bearer'];
  const errorScheme = context.scheme !== undefined && schemes.includes(context.scheme) ? context.scheme : schemes[0];
  const shared: ChallengeParams = { realm: context.realm, resourceMetadata: context.resourceMetadata };
  const failure: ChallengeParams = {
    ...shared,
    error: error.bearerError,
    description: error.bearerError ? description : undefined,
    scope:
      error.code === 'ERR_CLAIM_SCOPE_INSUFFICIENT' && Array.isArray(error.expected)
        ? error.expected.join(' ')
        : undefined,
    // Step-up refusals (StepUpError) carry what to ask the authorization server for.
    acrValues: (error as { acrValues?: readonly string[] }).acrValues,
    maxAgeSec: (error as { maxAgeSec?: number }).maxAgeSec,
  };
  return schemes
    .map((scheme) => {
      const params = scheme === errorScheme ? failure : shared;
      return authChallenge(scheme, scheme === 'DPoP' ? { ...params, algs: context.dpopAlgs } : params);
    })
    .join(', ');
}

/** The fields Express, Koa and http-errors read from an error to answer it. */
export interface HttpErrorFields {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly expose: boolean;
}

export type HttpTollgateError = AnyTollgateError & HttpErrorFields;

/**
 * Decorates an error with `statusCode` and `headers` (the challenges, `Retry-After`) so a
 * framework's own error pipeline answers it correctly.
 *
 * @example
 * next(toHttpError(err, { realm: 'orders' }));
 */
export function toHttpError(error: AnyTollgateError, context: ResponseContext = {}): HttpTollgateError {
  const { status, headers } = errorResponse(error, context);
  return Object.assign(error, { statusCode: status, headers: { ...headers }, expose: status < 500 });
}
