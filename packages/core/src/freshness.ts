import type { ResolvedJwksOptions } from './resolve-options.js';

/** When a key set was confirmed, when a background refresh should start, and when it expires. */
export interface Freshness {
  /** When the last successful response (200 or 304) arrived. */
  readonly fetchedAt: number;
  /** From here on, a request starts a background refresh. */
  readonly refreshAt: number;
  /** From here on, a request waits for a refresh (or, after a failed one, serves stale). */
  readonly expiresAt: number;
}

export type FreshnessOptions = Pick<ResolvedJwksOptions, 'defaultMaxAgeSec' | 'minMaxAgeSec' | 'maxMaxAgeSec' | 'refreshAheadRatio'>;

/**
 * Share of the refresh-ahead point over which refreshes are spread: the background refresh starts
 * at a random point between 80 % and 100 % of `refreshAheadRatio` × lifetime. Instances that
 * fetched together (a fleet deployed at once, or all restarted by one outage) then do not refresh
 * together, and a key server sees their refreshes spread over a fifth of the refresh-ahead time.
 */
export const REFRESH_AHEAD_JITTER = 0.2;

/** The lifetime `max-age` gives, clamped to `[minMaxAgeSec, maxMaxAgeSec]`, in milliseconds. */
export function lifetimeMs(maxAgeSec: number | undefined, options: FreshnessOptions): number {
  const sec = Math.min(options.maxMaxAgeSec, Math.max(options.minMaxAgeSec, maxAgeSec ?? options.defaultMaxAgeSec));
  return sec * 1000;
}

/** Freshness of a key set confirmed at `now` by a response with `maxAgeSec`. `random` is uniform in [0, 1). */
export function freshness(now: number, maxAgeSec: number | undefined, options: FreshnessOptions, random: () => number): Freshness {
  const lifetime = lifetimeMs(maxAgeSec, options);
  const ahead = lifetime * options.refreshAheadRatio;
  return { fetchedAt: now, refreshAt: now + ahead * (1 - REFRESH_AHEAD_JITTER * random()), expiresAt: now + lifetime };
}
