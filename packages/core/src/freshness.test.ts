import { describe, expect, it } from 'vitest';
import { freshness, lifetimeMs, REFRESH_AHEAD_JITTER, RESYNC_JITTER } from './freshness.js';
import { JWKS_DEFAULTS } from './resolve-options.js';

const T0 = 1_000_000;
const options = {
  ...JWKS_DEFAULTS,
  minMaxAgeSec: 60,
  maxMaxAgeSec: 3600,
  defaultMaxAgeSec: 600,
  refreshAheadRatio: 0.8,
};

describe('freshness', () => {
  it('follows max-age, clamped to the configured bounds, with the default when absent', () => {
    expect([5, 60, 900, 999_999, undefined].map((maxAge) => lifetimeMs(maxAge, options))).toEqual([
      60_000, 60_000, 900_000, 3_600_000, 600_000,
    ]);
    expect(freshness(T0, 900, options, () => 0)).toMatchObject({ fetchedAt: T0, expiresAt: T0 + 900_000 });
  });

  it('after a refresh-ahead, spreads the next one over the last fifth before refreshAheadRatio, by the injected random', () => {
    expect(REFRESH_AHEAD_JITTER).toBe(0.2);
    // 600 s lifetime, ratio 0.8: refresh between 384 s and 480 s.
    expect([0, 0.5, 0.999999].map((r) => freshness(T0, 600, options, () => r, true).refreshAt - T0)).toEqual([
      480_000,
      432_000,
      expect.closeTo(384_000, 0),
    ]);
  });

  it('after an unplanned fetch (first, unknown kid, retry), spreads the next refresh over 10–100 % of the refresh-ahead point', () => {
    expect(RESYNC_JITTER).toBe(0.9);
    expect([0, 0.5, 0.999999].map((r) => freshness(T0, 600, options, () => r).refreshAt - T0)).toEqual([
      480_000,
      264_000,
      expect.closeTo(48_000, 0),
    ]);
    // The expiry is the same either way.
    expect(freshness(T0, 600, options, () => 0.5).expiresAt).toBe(
      freshness(T0, 600, options, () => 0.5, true).expiresAt,
    );
  });

  it('1000 instances that fetched together spread their next refreshes over the whole window instead of refreshing at once', () => {
    let seed = 42;
    // A small deterministic generator (LCG) stands in for Math.random across a fleet.
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const at = Array.from({ length: 1000 }, () =>
      Math.floor((freshness(T0, 600, options, random).refreshAt - T0) / 1000),
    );
    const perSecond = new Map<number, number>();
    for (const sec of at) perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
    expect(Math.min(...at)).toBeGreaterThanOrEqual(48);
    expect(Math.max(...at)).toBeLessThan(480);
    // Uniform over 432 s is ~2.3 a second; without jitter all 1000 would share one second, and
    // with the refresh-ahead jitter alone (96 s) ~10.4.
    expect(Math.max(...perSecond.values())).toBeLessThan(10);
    expect(perSecond.size).toBeGreaterThan(350);
  });

  it('never schedules the refresh at the fetch itself, even at the smallest ratio', () => {
    const low = { ...options, refreshAheadRatio: 0.1 };
    expect(freshness(T0, 60, low, () => 0.999999).refreshAt - T0).toBeGreaterThanOrEqual(600);
    expect(freshness(T0, 60, low, () => 0.999999, true).refreshAt - T0).toBeGreaterThanOrEqual(4800);
  });
});
