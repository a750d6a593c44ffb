/**
 * Koa middleware for tollgate: `app.use(verify())`, `requireScopes()`, `requireAuthLevel()`, `resourceMetadata()`, RFC 6750 and DPoP responses.
 * @packageDocumentation
 */
export { verify, type VerifyMiddleware } from './verify.js';
export { resourceMetadata } from './metadata.js';
export { requireScopes, requireClaims, requireAuthLevel, toMiddleware } from './guards.js';
export type { TollgateState, VerifyOptions, ErrorHandler } from './types.js';
export type { HttpErrorFields, HttpTollgateError } from '@tollgate/core';
// Re-exported so an app needs no direct dependency on @tollgate/core for the usual tasks.
export { createVerifier, errorResponse, isTollgateError } from '@tollgate/core';
export { MemoryReplayStore } from '@tollgate/core';
export type {
  AnyTollgateError,
  AuthCheck,
  AuthLevel,
  DpopOptions,
  ResourceMetadataOptions,
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
