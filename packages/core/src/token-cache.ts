import { LRUCache } from 'lru-cache';
import type { KeySource } from './key-source.js';
import type { ResolvedIssuer } from './resolve-options.js';
import type { VerificationKey } from './verification-key.js';
import type { VerifiedToken } from './verifier.js';

/** What the cache keeps per token: the result, and what a hit needs to check it still stands. */
export interface CachedVerification {
  /** The accepted result (`cached: false`, frozen). */
  readonly result: VerifiedToken;
  /** The key that verified the signature: a hit stands only while its source still offers it. */
  readonly key: VerificationKey;
  readonly source: KeySource;
  readonly issuer: ResolvedIssuer;
  /** `exp` in epoch ms (infinite without `exp`): the entry is never served at or after it. */
  readonly expMs: number;
  /** The result a hit returns (`cached: true`), built on the first hit. */
  hit?: VerifiedToken;
}

/**
 * The verified-token cache: a repeated token skips decoding and the signature check, and nothing
 * else. A hit still asks the key source (same freshness rules as a miss), and re-runs the claim
 * policy, the revocation check and the custom check. Bounded (LRU), keyed by the token string.
 */
export class TokenCache {
  private readonly entries: LRUCache<string, CachedVerification>;

  constructor(maxEntries: number) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /** The live entry for `token`; an expired one is dropped. */
  get(token: string, nowMs: number): CachedVerification | undefined {
    const entry = this.entries.get(token);
    if (entry !== undefined && nowMs >= entry.expMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  /** The result a hit returns (`cached: true`), built on the first hit only. */
  static hitResult(entry: CachedVerification): VerifiedToken {
    return (entry.hit ??= Object.freeze({ ...entry.result, cached: true }));
  }

  set(token: string, entry: CachedVerification): void {
    this.entries.set(token, entry);
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
