import type { Algorithm } from './algorithms.js';
import type { VerificationKey } from './verification-key.js';

/**
 * Answers one question: which keys may verify a token with this `alg` and
 * `kid`? Returns candidates (non-empty) or throws a coded error. The remote
 * JWKS source and the HS256 secret source both implement it.
 */
export interface KeySource {
  getKeys(alg: Algorithm, kid: string | undefined, signal?: AbortSignal): Promise<readonly VerificationKey[]>;
  /** Whether `key` is still part of this source (the token cache drops entries whose key left). */
  hasKey(key: VerificationKey): boolean;
}
