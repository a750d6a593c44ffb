import type { Algorithm } from './algorithms.js';
import { AlgorithmError, KeyError } from './errors.js';
import type { KeyRejection, VerificationKey } from './verification-key.js';

/**
 * Most keys one `kid` offers per algorithm. A token is checked against every candidate its
 * `kid` and `alg` select, so without a bound a hostile JWKS listing many keys under one `kid`
 * multiplies the cost of each forged token. Three leave room for a key published twice and an
 * issuer that reuses a `kid` across a rotation; further entries are reported as `too-many-for-kid`.
 */
export const MAX_KEYS_PER_KID_AND_ALG = 3;

/** A JWKS entry left out of the key set, and why. */
export interface RejectedEntry {
  readonly kid: string | undefined;
  readonly reason: KeyRejection;
}

type ByAlg = ReadonlyMap<Algorithm, readonly VerificationKey[]>;

const NONE: readonly VerificationKey[] = Object.freeze([]);

/**
 * One imported JWKS, immutable: a refresh builds a new set and swaps it in whole, so a reader
 * never sees half of an update. Candidate lists are built once here, so a lookup allocates nothing.
 */
export class KeySet {
  static readonly EMPTY = new KeySet([], new Map(), new Map());

  private constructor(
    /** Every key in the set, in JWKS order. */
    readonly all: readonly VerificationKey[],
    private readonly byKid: ReadonlyMap<string, ByAlg>,
    /** Every key per algorithm, for tokens without `kid`. */
    private readonly byAlg: ByAlg,
  ) {}

  /**
   * Builds a set from imported keys in JWKS order. A key with a `kid` becomes a candidate for each
   * of its algorithms that `kid` has fewer than `MAX_KEYS_PER_KID_AND_ALG` keys for; a key that is
   * a candidate for none is left out and reported.
   */
  static build(keys: readonly VerificationKey[]): {
    readonly set: KeySet;
    readonly rejected: readonly RejectedEntry[];
  } {
    const byKid = new Map<string, Map<Algorithm, VerificationKey[]>>();
    const byAlg = new Map<Algorithm, VerificationKey[]>();
    const kept: VerificationKey[] = [];
    const rejected: RejectedEntry[] = [];
    for (const key of keys) {
      if (key.kid !== undefined) {
        let lists = byKid.get(key.kid);
        if (lists === undefined) byKid.set(key.kid, (lists = new Map<Algorithm, VerificationKey[]>()));
        let placed = false;
        for (const alg of key.algorithms) {
          const list = lists.get(alg) ?? [];
          if (list.length >= MAX_KEYS_PER_KID_AND_ALG) continue;
          list.push(key);
          lists.set(alg, list);
          placed = true;
        }
        if (!placed) {
          rejected.push({ kid: key.kid, reason: 'too-many-for-kid' });
          continue;
        }
      }
      kept.push(key);
      for (const alg of key.algorithms) {
        const list = byAlg.get(alg);
        if (list === undefined) byAlg.set(alg, [key]);
        else list.push(key);
      }
    }
    for (const lists of byKid.values()) for (const list of lists.values()) Object.freeze(list);
    for (const list of byAlg.values()) Object.freeze(list);
    return { set: new KeySet(Object.freeze(kept), byKid, byAlg), rejected };
  }

  get size(): number {
    return this.all.length;
  }

  /**
   * The candidates for a token's `alg` and `kid`, or `null` when the `kid` is not in the set (or,
   * without `kid`, no key fits `alg`). Throws when the `kid` is known but cannot verify `alg`, and
   * for a token without `kid` when more than one key fits.
   */
  lookup(alg: Algorithm, kid: string | undefined): readonly VerificationKey[] | null {
    if (kid === undefined) {
      const fitting = this.byAlg.get(alg) ?? NONE;
      if (fitting.length > 1)
        throw new KeyError(
          'ERR_KEY_AMBIGUOUS',
          `Token has no "kid" and ${fitting.length} keys fit ${alg}; the issuer must set "kid".`,
        );
      return fitting.length === 1 ? fitting : null;
    }
    const lists = this.byKid.get(kid);
    if (lists === undefined) return null;
    const fitting = lists.get(alg);
    if (fitting === undefined)
      throw new AlgorithmError(
        'ERR_ALG_KEY_MISMATCH',
        `The key named by the token's "kid" cannot verify ${alg} (its type, curve or alg differ).`,
      );
    return fitting;
  }

  /** Keys of this set that `next` no longer has, and keys of `next` this set did not have. */
  changesTo(next: KeySet): {
    readonly added: readonly VerificationKey[];
    readonly removed: readonly VerificationKey[];
  } {
    const before = new Set(this.all);
    const after = new Set(next.all);
    return { added: next.all.filter((key) => !before.has(key)), removed: this.all.filter((key) => !after.has(key)) };
  }
}
