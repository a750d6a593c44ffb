import type { Algorithm } from './algorithms.js';
import type { VerificationKey } from './verification-key.js';

/**
 * Answers one question: which keys may verify a token with this `alg` and
 * `kid`? Returns candidates (non-empty) or throws a coded error. The remote
 * JWKS source and the HS256 secret source both implement it.
 */
export interface KeySource {
  getKeys(alg: Algorithm, kid: string | undefined, signal?: AbortSignal): Promise<readonly VerificationKey[]>;
  /**
   * The hot path: the candidates when they are known now, without waiting, fetching or
   * starting a refresh; `undefined` when `getKeys` must decide. Throws what `getKeys` would
   * for a known kid that does not fit `alg`.
   */
  keysNow(alg: Algorithm, kid: string | undefined): readonly VerificationKey[] | undefined;
  /** Whether `key` is still part of this source (the token cache drops entries whose key left). */
  hasKey(key: VerificationKey): boolean;
}
