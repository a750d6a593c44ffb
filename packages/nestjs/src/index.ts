export { TollgateModule } from './tollgate.module.js';
export { TOLLGATE_OPTIONS, TOLLGATE_VERIFIER } from './module-definition.js';
export type { TollgateForRootOptions, TollgateForRootAsyncOptions } from './module-definition.js';
export type { TollgateModuleOptions, TollgateModuleExtras, ResolvedTollgateOptions } from './options.js';
export { TollgateGuard } from './tollgate.guard.js';
export {
  Public,
  Scopes,
  ScopesMetadata,
  Dpop,
  DpopMetadata,
  AuthLevel,
  AuthLevelMetadata,
  Auth,
  InjectVerifier,
} from './decorators.js';
export type { AuthField, AuthLevelOptions } from './decorators.js';
export { toHttpException } from './http-exception.js';
export type { TollgateRequest } from './request.js';
// The core types a Nest app needs most, so it can import them from one place.
export type {
  Verifier,
  VerifiedToken,
  RequestAuth,
  VerifierOptions,
  VerifierLogger,
  JwtClaims,
  AnyTollgateError,
  TollgateErrorCode,
  DpopOptions,
  DpopMode,
  MtlsOptions,
  ReplayStore,
} from '@tollgate/core';
export { createVerifier, isTollgateError, MemoryReplayStore } from '@tollgate/core';
