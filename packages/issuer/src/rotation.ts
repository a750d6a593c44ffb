import type { KeyEntry } from './keys.js';

/** When keys stop signing and when they leave the JWKS. */
export interface RotationPolicy {
  /** A signing key older than this is retired and replaced at the next key operation. */
  readonly maxAgeMs: number;
  /** A retired key stays published this long after retirement, then is deleted. */
  readonly graceMs: number;
  /** When false, keys only rotate through `rotate()`. */
  readonly autoRotate: boolean;
}

/**
 * Applies the policy at `nowMs`: retires over-age keys and all but the newest active key per
 * algorithm, and drops retired keys whose grace period is over. Mutates `entries`' retirement
 * times; returns the surviving entries and whether anything changed.
 */
export function applyRotationPolicy(
  entries: readonly KeyEntry[],
  nowMs: number,
  policy: RotationPolicy,
): { entries: KeyEntry[]; changed: boolean } {
  let changed = false;
  const retire = (entry: KeyEntry) => {
    entry.retiredAtMs = nowMs;
    changed = true;
  };
  // Newest first, so the first active key seen per algorithm is the one that keeps signing.
  const newestFirst = [...entries].sort(compareNewestFirst);
  const signing = new Set<string>();
  for (const entry of newestFirst) {
    if (entry.retiredAtMs !== undefined) continue;
    // The retirement time is "now", not createdAt + maxAge: with lazy rotation the key may have
    // signed until this moment, and its grace period must cover the tokens it signed.
    if (policy.autoRotate && nowMs - entry.createdAtMs >= policy.maxAgeMs) retire(entry);
    else if (signing.has(entry.alg)) retire(entry);
    else signing.add(entry.alg);
  }
  const kept = newestFirst.filter(
    (entry) => entry.retiredAtMs === undefined || nowMs < entry.retiredAtMs + policy.graceMs,
  );
  if (kept.length !== entries.length) changed = true;
  return { entries: kept, changed };
}

export function compareNewestFirst(a: KeyEntry, b: KeyEntry): number {
  return b.createdAtMs - a.createdAtMs || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);
}
