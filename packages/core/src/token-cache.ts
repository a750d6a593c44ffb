import type { KeySource } from './key-source.js';
import type { ResolvedIssuer } from './resolve-options.js';
import type { VerificationKey } from './verification-key.js';
import type { VerifiedToken } from './verifier.js';

/** What the cache keeps per token: the result, and what a hit needs to check it still stands. */
export interface CachedVerification {
  /** The whole token: the map is keyed by its fingerprint only. */
  readonly token: string;
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

/** Bits of the seen-once filter per cache entry (two bits per mark): at most about 1.4 % of one-time tokens pass as seen. */
const SEEN_BITS_PER_ENTRY = 16;
/** Characters at the end of a token (its signature: 96 random bits) that make its fingerprint. */
const FINGERPRINT_CHARS = 16;

/**
 * A 30-bit number from a token's last characters: the map key and the seen-once filter's bits.
 * Not the token string itself: over HTTP every request brings a new string whose hash V8 has not
 * cached, and hashing a whole RS256 token (about 700 characters) cost 1.2 µs per request in a CPU
 * profile, a sliced end of it still 0.1 µs; a small integer hashes for free. A hit compares the
 * whole token, so tokens with one fingerprint are never confused, and only accepted tokens are
 * stored: a forged token that shares a fingerprint misses, and cannot evict the one cached.
 */
function fingerprint(token: string): number {
  let h = token.length;
  for (let i = Math.max(0, token.length - FINGERPRINT_CHARS); i < token.length; i++)
    h = Math.imul(h ^ token.charCodeAt(i), 0x9e3779b1);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/**
 * The verified-token cache: a repeated token skips decoding and the signature check, and nothing
 * else. A hit still asks the key source (same freshness rules as a miss), and re-runs the claim
 * policy, the revocation check and the custom check. Bounded (LRU), keyed by the token's fingerprint
 * and matched on the whole token.
 *
 * A miss costs one map lookup. While there is room, every accepted token is stored. Once the cache
 * is full, a token is stored only when it comes a second time (a "seen once" mark of two bits, picked
 * by the last characters of its signature, remembers the first): a stream of tokens that never
 * come back (every user's first request, a scan) neither evicts the tokens that do come back nor
 * keeps churning entries, which would cost more than the signature check it saves (the evicted
 * results outlive the young generation and the garbage collector copies and marks each of them).
 *
 * The LRU order is the Map's insertion order (a hit moves its entry to the end, a full cache drops
 * the first), not lru-cache: its `get` cost about 0.4 µs per call in a CPU profile of the verify
 * path (an options object, a diagnostics-channel check), a tenth of an HS256 verification, on
 * every miss.
 */
export class TokenCache {
  private readonly entries = new Map<number, CachedVerification>();
  private readonly max: number;
  /** The most recently used entry: a client repeating its token finds it without a map lookup. */
  private newest: CachedVerification | undefined;
  /** The seen-once filter: two bits per fingerprint, cleared after `max` marks so it never fills up. */
  private readonly seen: Uint32Array;
  private readonly seenMask: number;
  private marks = 0;

  constructor(maxEntries: number) {
    this.max = maxEntries;
    let bits = 65_536;
    while (bits < maxEntries * SEEN_BITS_PER_ENTRY && bits < 2 ** 26) bits *= 2;
    this.seen = new Uint32Array(bits / 32);
    this.seenMask = bits - 1;
  }

  /** The live entry for `token`, now the most recently used; an expired one is dropped. */
  get(token: string, nowMs: number): CachedVerification | undefined {
    let entry = this.newest;
    if (entry === undefined || entry.token !== token) {
      const key = fingerprint(token);
      entry = this.entries.get(key);
      if (entry === undefined || entry.token !== token) return undefined;
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.newest = entry;
    }
    if (nowMs >= entry.expMs) {
      this.delete(token);
      return undefined;
    }
    return entry;
  }

  /** The result a hit returns (`cached: true`), built on the first hit only. */
  static hitResult(entry: CachedVerification): VerifiedToken {
    return (entry.hit ??= Object.freeze({ ...entry.result, cached: true }));
  }

  /**
   * Whether an accepted `token` should be stored: always while there is room; once full, only on
   * its second coming. Call `set` only when this says so, so nothing is built for a one-time token.
   */
  admits(token: string): boolean {
    if (this.entries.size < this.max) return true;
    // A false "seen" only stores a token early: the filter decides what is kept, never what is accepted.
    const h = fingerprint(token);
    const a = h & this.seenMask;
    const g = Math.imul(h, 0x85ebca6b);
    const b = (g ^ (g >>> 13)) & this.seenMask;
    const seen = this.seen;
    if ((seen[a >>> 5]! & (1 << (a & 31))) !== 0 && (seen[b >>> 5]! & (1 << (b & 31))) !== 0) return true;
    if (++this.marks >= this.max) {
      seen.fill(0);
      this.marks = 0;
    }
    seen[a >>> 5]! |= 1 << (a & 31);
    seen[b >>> 5]! |= 1 << (b & 31);
    return false;
  }

  /** Stores `entry` (for `entry.token`) as the most recently used, dropping the least recently used one when full. */
  set(entry: CachedVerification): void {
    const entries = this.entries;
    const key = fingerprint(entry.token);
    if (!entries.delete(key) && entries.size >= this.max) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(key, entry);
    this.newest = entry;
  }

  /** Drops the entry of `token`, and only of `token`. */
  delete(token: string): void {
    const key = fingerprint(token);
    if (this.entries.get(key)?.token !== token) return;
    this.entries.delete(key);
    if (this.newest?.token === token) this.newest = undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.newest = undefined;
    this.seen.fill(0);
    this.marks = 0;
  }
}
