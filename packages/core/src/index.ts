export { createVerifier } from './verifier.js';
export type { Verifier, VerifiedToken, VerifyCallOptions, VerifierHealth } from './verifier.js';
export type {
  VerifierOptions,
  CommonVerifierOptions,
  IssuerOptions,
  ClaimPolicyOptions,
  Hs256Options,
  JwksOptions,
  TokenCacheOptions,
  ClaimCheck,
} from './options.js';
export { LOG_INTERVAL_MS } from './operator-log.js';
export type { VerifierLogger } from './operator-log.js';
export { JWKS_DEFAULTS, VERIFIER_DEFAULTS, MIN_HS256_SECRET_BYTES } from './resolve-options.js';
export { SUPPORTED_ALGORITHMS, ASYMMETRIC_ALGORITHMS } from './algorithms.js';
export type { Algorithm, AsymmetricAlgorithm } from './algorithms.js';
export type { JwtClaims, ProtectedHeader } from './compact-jws.js';
export {
  TollgateError,
  TokenError,
  AlgorithmError,
  KeyError,
  ClaimError,
  KeysUnavailableError,
  ConfigError,
  isTollgateError,
} from './errors.js';
export type { AnyTollgateError, ClaimFailureReason } from './errors.js';
export { ERROR_HTTP } from './http-mapping.js';
export type { TollgateErrorCode, BearerErrorCode } from './http-mapping.js';
export type { VerifierEvents, VerifierEventName, VerifierListener } from './events.js';
export type { VerifierStats } from './stats.js';
export type { JwksSourceState } from './remote-jwks.js';
export type { KeySourceKind, KeyRejection } from './verification-key.js';
export { extractToken } from './bearer.js';
export type { TokenLocations, TokenRequestParts } from './bearer.js';
export { bearerChallenge } from './challenge.js';
export { errorResponse, toHttpError } from './error-response.js';
export type { ErrorResponse, HttpErrorFields, HttpTollgateError, ResponseContext } from './error-response.js';
export { requireScopes, requireClaims, grantedScopes } from './guards.js';
export type { AuthCheck } from './guards.js';
export { optionsFromEnv, ENVIRONMENT_VARIABLES } from './env.js';
// Adapter plumbing (authenticate, toVerifier, requestParts, resolveAdapterOptions, …) is in `@tollgate/core/adapter`.
