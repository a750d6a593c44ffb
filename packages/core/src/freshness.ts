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

export type FreshnessOptions = Pick<
  ResolvedJwksOptions,
  'defaultMaxAgeSec' | 'minMaxAgeSec' | 'maxMaxAgeSec' | 'refreshAheadRatio'
>;

/**
 * Share of the refresh-ahead point over which refreshes are spread: after a planned refresh
 * (refresh-ahead), the next one starts at a random point between 80 % and 100 % of
 * `refreshAheadRatio` × lifetime. This keeps an instance's refreshes regular, and instances that
 * refresh at different times keep doing so.
 */
export const REFRESH_AHEAD_JITTER = 0.2;

/**
 * The same share after an unplanned fetch (the first one, a refetch for an unknown `kid`, a retry
 * or a wait past expiry): the next refresh starts anywhere between 10 % and 100 % of the
 * refresh-ahead point. Unplanned fetches are the ones a whole fleet makes together (deployed at
 * once, meeting a rotated key at once, recovering from one outage), and 20 % of the point is too
 * narrow to undo that: a 1000-instance fleet simulated over a month (test/reliability) showed its
 * busiest minute at 5.2–5.6 × the mean minute, one refresh-ahead after a rotation (2.0 × with this). Spread over the whole
 * window, the fleet's next refreshes are as even as its steady ones, at the cost of one earlier
 * refresh per instance after such an event.
 */
export const RESYNC_JITTER = 0.9;

/** The lifetime `max-age` gives, clamped to `[minMaxAgeSec, maxMaxAgeSec]`, in milliseconds. */
export function lifetimeMs(maxAgeSec: number | undefined, options: FreshnessOptions): number {
  const sec = Math.min(options.maxMaxAgeSec, Math.max(options.minMaxAgeSec, maxAgeSec ?? options.defaultMaxAgeSec));
  return sec * 1000;
}

/**
 * Freshness of a key set confirmed at `now` by a response with `maxAgeSec`. `random` is uniform in
 * [0, 1). `planned`: the fetch was a refresh-ahead (narrow jitter), not an unplanned one (wide).
 */
export function freshness(
  now: number,
  maxAgeSec: number | undefined,
  options: FreshnessOptions,
  random: () => number,
  planned = false,
): Freshness {
  const lifetime = lifetimeMs(maxAgeSec, options);
  const ahead = lifetime * options.refreshAheadRatio;
  const jitter = planned ? REFRESH_AHEAD_JITTER : RESYNC_JITTER;
  return { fetchedAt: now, refreshAt: now + ahead * (1 - jitter * random()), expiresAt: now + lifetime };
}
