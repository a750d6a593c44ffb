export { TollgateModule } from './tollgate.module.js';
export { TOLLGATE_OPTIONS, TOLLGATE_VERIFIER } from './module-definition.js';
export type { TollgateForRootOptions, TollgateForRootAsyncOptions } from './module-definition.js';
export type { TollgateModuleOptions, TollgateModuleExtras, ResolvedTollgateOptions } from './options.js';
export { TollgateGuard } from './tollgate.guard.js';
export { Public, Scopes, ScopesMetadata, Auth, InjectVerifier } from './decorators.js';
export type { AuthField } from './decorators.js';
export { toHttpException } from './http-exception.js';
export type { TollgateRequest } from './request.js';
// The core types a Nest app needs most, so it can import them from one place.
export type { Verifier, VerifiedToken, VerifierOptions, VerifierLogger, JwtClaims, AnyTollgateError, TollgateErrorCode } from '@tollgate/core';
export { createVerifier, isTollgateError } from '@tollgate/core';
