export { createVerifier } from './verifier.js';
export type { Verifier, VerifiedToken, VerifyCallOptions, VerifierHealth, VerifierDescription } from './verifier.js';
export type {
  VerifierOptions,
  CommonVerifierOptions,
  IssuerOptions,
  ResourceIssuerOptions,
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
  DpopError,
  StoreUnavailableError,
  isTollgateError,
} from './errors.js';
export type { AnyTollgateError, ClaimFailureReason, DpopFailureReason } from './errors.js';
export { ERROR_HTTP } from './http-mapping.js';
export type { TollgateErrorCode, BearerErrorCode } from './http-mapping.js';
export type { VerifierEvents, VerifierEventName, VerifierListener } from './events.js';
export type { VerifierStats } from './stats.js';
export type { JwksSourceState } from './remote-jwks.js';
export type { JsonFetcher, JsonFetchOptions, FetchResult } from './http-fetcher.js';
export type { KeySourceKind, KeyRejection } from './verification-key.js';
export { extractToken } from './bearer.js';
export type { TokenLocations, TokenRequestParts } from './bearer.js';
export { bearerChallenge } from './challenge.js';
export { errorResponse, toHttpError } from './error-response.js';
export type { ErrorResponse, HttpErrorFields, HttpTollgateError, ResponseContext } from './error-response.js';
export { requireScopes, requireClaims, grantedScopes } from './guards.js';
export type { AuthCheck } from './guards.js';
export { requireAuthLevel, StepUpError } from './step-up.js';
export type { AuthLevel } from './step-up.js';
// Describing the resource (RFC 9728 metadata, RFC 8707 resource indicators).
export { buildResourceMetadata, checkResource, resourceMetadataUrl } from './resource-metadata.js';
export type { ResourceMetadataInput } from './resource-metadata.js';
export { RESOURCE_METADATA_DEFAULTS } from './resource-metadata-endpoint.js';
export type {
  ResourceMetadataOptions,
  ResourceMetadataEndpoint,
  ResourceMetadataAnswer,
} from './resource-metadata-endpoint.js';
export type { RequestAuth, TokenBinding } from './gate.js';
// Sender-constrained tokens (RFC 9449 DPoP, RFC 8705 certificate binding).
export type { DpopOptions, DpopMode } from './dpop/dpop-options.js';
export type { MtlsOptions } from './mtls/certificate-binding.js';
export { MemoryReplayStore, MEMORY_REPLAY_STORE_DEFAULTS, useProofOnce } from './dpop/replay-store.js';
export type { ReplayStore, MemoryReplayStoreOptions } from './dpop/replay-store.js';
export { DpopNonces, DPOP_NONCE_DEFAULTS } from './dpop/dpop-nonce.js';
export type { DpopNonceOptions } from './dpop/dpop-nonce.js';
export { verifyDpopProof, accessTokenHash } from './dpop/dpop-proof.js';
export type { DpopProofExpectation, VerifiedDpopProof } from './dpop/dpop-proof.js';
export { createDpopProofPolicy, DPOP_PROOF_DEFAULTS } from './dpop/dpop-proof-policy.js';
export type { DpopProofOptions, DpopProofPolicy } from './dpop/dpop-proof-policy.js';
export { normalizeHtu } from './dpop/htu.js';
export type { HtuOriginOption } from './dpop/htu.js';
export { jwkThumbprint } from './dpop/jwk-thumbprint.js';
export { certificateThumbprint } from './mtls/certificate-thumbprint.js';
export { optionsFromEnv, ENVIRONMENT_VARIABLES } from './env.js';
// Adapter plumbing (the request gate, toVerifier, resolveAdapterOptions, …) is in `@tollgate/core/adapter`.
// Revocation: the check the verifier runs on every verification, and the in-memory list.
export { RevocationList, isRevocationRule } from './revocation-list.js';
export type { RevocationListOptions } from './revocation-list.js';
export { REVOCATION_DEFAULTS, toRevocationRule, revocationRuleId, revokedError } from './revocation.js';
export type {
  RevocationCheck,
  RevocationRule,
  JtiRevocation,
  SubjectRevocation,
  ClientRevocation,
  RevocationRequest,
  RevocationSelector,
  RevocationState,
  RevocationRuleOptions,
} from './revocation.js';
