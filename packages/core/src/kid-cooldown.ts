/**
 * The unknown-`kid` penalty box of one JWKS URL. A token naming a `kid` the key set lacks may
 * refetch the set once (the first token after a rotation verifies); then no other unknown `kid`
 * refetches until the cooldown ends, so a flood of random `kid`s costs one request per cooldown.
 */
export class KidCooldown {
  private until = 0;

  constructor(private readonly cooldownMs: number) {}

  /** Whether an unknown `kid` may refetch now; if it may, the cooldown starts at `now`. */
  tryStart(now: number): boolean {
    if (now < this.until) return false;
    this.until = now + this.cooldownMs;
    return true;
  }

  /**
   * Ends the cooldown started at `startedAt`: that refetch failed and said nothing about the
   * `kid`, so the retry backoff alone decides the next attempt. A later cooldown is left alone.
   */
  cancel(startedAt: number): void {
    if (this.until === startedAt + this.cooldownMs) this.until = 0;
  }

  active(now: number): boolean {
    return now < this.until;
  }
}
