/**
 * Fastify plugin for tollgate: `app.register(tollgate)`, `request.auth`, `requireScopes()`, RFC 6750 and DPoP responses.
 * @packageDocumentation
 */
export { tollgate } from './plugin.js';
export { requireScopes, requireClaims, requireAuthLevel, toPreHandler } from './guards.js';
export {
  getAuth,
  type TollgateOptions,
  type TollgateRouteConfig,
  type TollgateDecoration,
  type ErrorHandler,
} from './types.js';
export type { HttpErrorFields, HttpTollgateError } from '@tollgate/core';
// Re-exported so an app needs no direct dependency on @tollgate/core for the usual tasks.
export { createVerifier, errorResponse, isTollgateError } from '@tollgate/core';
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
export type { ResourceMetadataEndpoint } from '@tollgate/core/adapter';
