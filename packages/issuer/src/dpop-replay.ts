/**
 * The `jti`s of DPoP proofs the token endpoint accepted, kept until the proofs could no longer
 * pass the `iat` check anyway (RFC 9449 §11.1). One per issuer, keyed by tenant, key thumbprint
 * and `jti`. Bounded: past `maxEntries` the oldest entry goes first, which a development issuer
 * can afford and a production replay store would not do.
 */
export class ProofReplayCache {
  readonly #maxEntries: number;
  // Insertion order is close to expiry order (every entry lives the same window from its iat).
  readonly #expiresAtMs = new Map<string, number>();

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#expiresAtMs.size;
  }

  /** Records a proof; false when the same `jti` for the same key and tenant is still remembered. */
  add(key: { tenant: string; jkt: string; jti: string }, expiresAtMs: number, nowMs: number): boolean {
    this.#prune(nowMs);
    const id = `${key.tenant}\n${key.jkt}\n${key.jti}`;
    const known = this.#expiresAtMs.get(id);
    if (known !== undefined && known > nowMs) return false;
    this.#expiresAtMs.delete(id);
    this.#expiresAtMs.set(id, expiresAtMs);
    while (this.#expiresAtMs.size > this.#maxEntries) {
      const oldest = this.#expiresAtMs.keys().next().value;
      if (oldest === undefined) break;
      this.#expiresAtMs.delete(oldest);
    }
    return true;
  }

  #prune(nowMs: number): void {
    for (const [id, expiresAtMs] of this.#expiresAtMs) {
      if (expiresAtMs > nowMs) break;
      this.#expiresAtMs.delete(id);
    }
  }
}
