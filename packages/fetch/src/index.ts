/**
 * Fetch API adapter for tollgate: `createAuthenticator()` and `authenticateRequest(request)` for
 * Next.js route handlers and any `Request` handler; the Hono middleware is in `@tollgate/fetch/hono`.
 * @packageDocumentation
 */
export {
  createAuthenticator,
  type Authenticator,
  type AuthenticatorOptions,
  type ErrorHandler,
  type RequestRequirements,
} from './authenticator.js';
export { toResponse } from './response.js';
export type { HttpErrorFields, HttpTollgateError, ErrorResponse } from '@tollgate/core';
// Re-exported so an app needs no direct dependency on @tollgate/core for the usual tasks.
export {
  createVerifier,
  errorResponse,
  isTollgateError,
  requireScopes,
  requireClaims,
  requireAuthLevel,
} from '@tollgate/core';
export { MemoryReplayStore } from '@tollgate/core';
export type {
  AnyTollgateError,
  AuthCheck,
  AuthLevel,
  DpopMode,
  DpopOptions,
  JwtClaims,
  MtlsOptions,
  ReplayStore,
  RequestAuth,
  TokenLocations,
  VerifiedToken,
  Verifier,
  VerifierLogger,
  VerifierOptions,
} from '@tollgate/core';
export { DEFAULT_REALM } from '@tollgate/core/adapter';
export type { ResourceMetadataEndpoint, VerifierSource } from '@tollgate/core/adapter';
