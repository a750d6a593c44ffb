import type { Algorithm } from './algorithms.js';
import type { MaybePromise } from './maybe-promise.js';
import type { VerificationKey } from './verification-key.js';

/**
 * Answers one question: which keys may verify a token with this `alg` and `kid`, now? Returns the
 * candidates (never empty) or throws a coded error. The answer is a plain array when it is known
 * without waiting (fresh keys), and a promise when it needs a fetch. The remote JWKS source and
 * the HS256 secret source both implement it, and the verifier asks it for every token, cached or
 * not, so a token-cache hit obeys the same freshness rules as a miss.
 */
export interface KeySource {
  keysFor(alg: Algorithm, kid: string | undefined, signal?: AbortSignal): MaybePromise<readonly VerificationKey[]>;
}
