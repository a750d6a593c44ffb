export { createIssuer, type Issuer } from './issuer.js';
export type { IssuerOptions } from './options.js';
export type { TenantConfig, ClientConfig } from './tenants.js';
export type { TenantInfo } from './tenant-runtime.js';
export type { SignOptions, JwtClaims, TokenConfirmation } from './sign.js';
export type { KeyInfo } from './key-ring.js';
export type { PublicJwk } from './keys.js';
export type { SigningAlgorithm, DpopAlgorithm } from './algorithms.js';
export {
  createDpopKey,
  type CreateDpopKeyOptions,
  type DpopKey,
  type DpopProofOptions,
  type DpopPublicJwk,
} from './dpop-key.js';
// The core's, re-exported so that imports from the issuer keep working.
export { accessTokenHash, jwkThumbprint } from '@tollgate/core';
export { certificateThumbprint } from './certificate-thumbprint.js';
export type { FaultController, FaultEndpoint, FaultHandle, FaultKind, FaultSpec } from './faults.js';
export { createTestFaultTimer, type FaultTimer, type TestFaultTimer } from './fault-timer.js';
export type { EndpointCounts, EndpointName, RequestStats } from './stats.js';
export { createTestClock, systemClock, type Clock, type TestClock } from './clock.js';
export {
  createFileKeyStore,
  createMemoryKeyStore,
  isKeyStoreConflict,
  KeyStoreConflictError,
  type KeyStore,
  type KeyStoreLock,
  type KeyStoreSnapshot,
  type MemoryKeyStoreOptions,
  type StoredKey,
} from './key-store.js';
export { loadTenantsFile } from './tenant-file.js';
export { IssuerConfigError } from './errors.js';
