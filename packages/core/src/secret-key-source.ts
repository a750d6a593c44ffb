import { AlgorithmError } from './errors.js';
import type { KeySource } from './key-source.js';
import { secretKey, type VerificationKey } from './verification-key.js';

/**
 * HS256 migration secrets. Used only for HS256 tokens: the verifier never
 * asks this source about an asymmetric `alg`, and JWKS sources never hold
 * symmetric keys, so no key can be confused for the other kind.
 */
export class SecretKeySource implements KeySource {
  private readonly keys: readonly VerificationKey[];

  constructor(
    secrets: readonly Uint8Array[],
    private readonly notAfterMs: number | null,
    private readonly clock: () => number,
  ) {
    // A `kid` on an HS256 token is not trusted to select a secret: every configured secret is tried.
    this.keys = Object.freeze(secrets.map((secret) => secretKey(secret, undefined)));
  }

  /** Every secret while the migration window is open; throws once it has ended (`notAfter`). */
  keysFor(): readonly VerificationKey[] {
    if (this.notAfterMs !== null && this.clock() > this.notAfterMs) {
      throw new AlgorithmError(
        'ERR_ALG_NOT_ALLOWED',
        `HS256 is no longer accepted: the migration window ended at ${new Date(this.notAfterMs).toISOString()}. Obtain an RS256 token.`,
      );
    }
    return this.keys;
  }
}
