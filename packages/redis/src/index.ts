export type { RedisConnection } from './client.js';
export { RedisUnavailableError, isRedisUnavailableError } from './errors.js';
export type { RedisOperation } from './errors.js';
export { DEFAULT_KEY_PREFIX, keyLayout } from './keys.js';
export type { KeyLayout } from './keys.js';
export { RedisReplayStore, REPLAY_STORE_DEFAULTS } from './replay-store.js';
export type { RedisReplayStoreOptions } from './replay-store.js';
export { RedisRevocations, REVOCATIONS_DEFAULTS } from './revocations.js';
export type {
  RedisRevocationsOptions,
  RevocationSnapshot,
  RevocationVersion,
  RevocationChange,
} from './revocations.js';
export { RedisRevocationMirror, MIRROR_DEFAULTS } from './revocation-mirror.js';
export type { RevocationMirrorOptions } from './revocation-mirror.js';
export { RedisKeyStore, RedisKeyStoreConflictError, KEY_STORE_DEFAULTS } from './key-store.js';
export type { RedisKeyStoreOptions, IssuerStoredKey, IssuerKeySnapshot, IssuerKeyLock } from './key-store.js';
