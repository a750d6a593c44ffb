/**
 * Optimal string alignment distance (Levenshtein plus swapping two neighbours), compared
 * case-insensitively: `audiences` → `audience` is 1, `algortihms` → `algorithms` is 1.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  // Three rows are enough: the transposition step looks two rows back.
  let older: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, older[j - 2]! + 1);
      current.push(best);
    }
    older = previous;
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The known names a mistyped `name` most likely meant, best first; empty when none is close.
 * Close means about one typo per four characters after the part both share at the start (so a
 * shared `TOLLGATE_` prefix does not make unrelated names close), or containment either way:
 * `timeoutMs` → `connectTimeoutMs`, `headersTimeoutMs`, `bodyTimeoutMs`; `issuerUrl` → `issuer`.
 */
export function closestNames(name: string, known: Iterable<string>): string[] {
  const candidates = [...known];
  let best = Number.POSITIVE_INFINITY;
  let nearest: string[] = [];
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    const limit = Math.max(1, Math.floor((name.length - sharedStart(name, candidate)) / 4));
    if (distance > limit || distance > best) continue;
    if (distance < best) nearest = [];
    best = distance;
    nearest.push(candidate);
  }
  if (nearest.length > 0) return nearest;
  const lower = name.toLowerCase();
  return candidates.filter((candidate) => {
    const other = candidate.toLowerCase();
    return (lower.length >= 4 && other.includes(lower)) || (other.length >= 4 && lower.includes(other));
  });
}

function sharedStart(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let i = 0;
  while (i < s.length && i < t.length && s[i] === t[i]) i++;
  return i;
}
