import { describe, expect, it } from 'vitest';
import { RetryBackoff } from './retry-backoff.js';

const T0 = 1_000_000;

describe('RetryBackoff', () => {
  it('allows attempts until something fails', () => {
    const backoff = new RetryBackoff({ retryBaseMs: 1000, retryMaxMs: 60_000 }, () => 0);
    expect(backoff.mayAttempt(T0)).toBe(true);
    expect(backoff).toMatchObject({
      failing: false,
      consecutiveFailures: 0,
      nextAttemptAt: null,
      lastError: undefined,
    });
    expect(backoff.retryAfterSec(T0)).toBe(0);
  });

  it('doubles the delay per consecutive failure up to the ceiling, drawn from its upper half', () => {
    let draw = 0;
    const backoff = new RetryBackoff({ retryBaseMs: 1000, retryMaxMs: 5000 }, () => draw);
    const delays: number[] = [];
    for (const r of [0, 0.5, 0.999, 0, 0]) {
      draw = r;
      backoff.failed(T0, new Error('boom'));
      delays.push((backoff.nextAttemptAt as number) - T0);
    }
    // ceilings 1000, 2000, 4000, 5000, 5000; delay = ceiling/2 + r * ceiling/2
    expect(delays).toEqual([500, 1500, 3998, 2500, 2500]);
    expect(backoff).toMatchObject({ failing: true, consecutiveFailures: 5, lastError: 'boom' });
  });

  it('refuses attempts before the retry time and allows them from it on', () => {
    const backoff = new RetryBackoff({ retryBaseMs: 1000, retryMaxMs: 60_000 }, () => 0.5);
    backoff.failed(T0, 'refused');
    expect(backoff.nextAttemptAt).toBe(T0 + 750);
    expect(backoff.mayAttempt(T0 + 749)).toBe(false);
    expect(backoff.retryAfterSec(T0 + 250)).toBe(0.5);
    expect(backoff.mayAttempt(T0 + 750)).toBe(true);
    expect(backoff.lastError).toBe('refused');
  });

  it('a success clears the failures, the retry time and the last error', () => {
    const backoff = new RetryBackoff({ retryBaseMs: 1000, retryMaxMs: 60_000 }, () => 0);
    backoff.failed(T0, new Error('one'));
    backoff.failed(T0, new Error('two'));
    backoff.succeeded();
    expect(backoff).toMatchObject({
      failing: false,
      consecutiveFailures: 0,
      nextAttemptAt: null,
      lastError: undefined,
    });
    expect(backoff.mayAttempt(T0)).toBe(true);
    backoff.failed(T0, new Error('three'));
    expect(backoff.nextAttemptAt).toBe(T0 + 500);
  });
});
