/** How failed fetches are retried. */
export interface RetryBackoffOptions {
  /** First delay after a failure; doubles per consecutive failure. */
  readonly retryBaseMs: number;
  /** Longest delay. */
  readonly retryMaxMs: number;
}

/**
 * When the next fetch may go out after failures: the delay doubles per consecutive failure up to
 * a ceiling, and the retry time is drawn from the upper half of it, so many instances that failed
 * together do not retry together. A success clears everything.
 */
export class RetryBackoff {
  private failures = 0;
  private retryAt = 0;
  private error: string | undefined;

  constructor(
    private readonly options: RetryBackoffOptions,
    /** Uniform in [0, 1); injected so tests know the retry time exactly. */
    private readonly random: () => number = () => Math.random(),
  ) {}

  /** Whether the last attempt failed (keys, if any, are then served stale). */
  get failing(): boolean {
    return this.failures > 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** When the next attempt may start, or `null` when nothing failed. */
  get nextAttemptAt(): number | null {
    return this.failures > 0 ? this.retryAt : null;
  }

  /** Why the last attempt failed. */
  get lastError(): string | undefined {
    return this.error;
  }

  mayAttempt(now: number): boolean {
    return this.failures === 0 || now >= this.retryAt;
  }

  /** Seconds until the next attempt may start (0 when it may start now). */
  retryAfterSec(now: number): number {
    return this.failures === 0 ? 0 : Math.max(0, this.retryAt - now) / 1000;
  }

  failed(now: number, error: unknown): void {
    this.failures++;
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(this.failures - 1, 30));
    this.retryAt = now + ceiling / 2 + this.random() * (ceiling / 2);
    this.error = error instanceof Error ? error.message : String(error);
  }

  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
    this.error = undefined;
  }
}
