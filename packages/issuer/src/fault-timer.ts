import { performance } from 'node:perf_hooks';

/**
 * The time fault injection runs on: when a fault with `forMs` ends, and how long a `slow` fault
 * stalls. Kept apart from the issuer's `clock` (token times, key ages) on purpose: faults model the
 * network, so they keep real time even when the token clock is a test clock moved by hours.
 */
export interface FaultTimer {
  /** Current time in ms on any fixed scale; only differences are read. */
  now(): number;
  /** Calls `callback` once, `ms` from now. The returned function cancels it (a no-op once it ran). */
  schedule(callback: () => void, ms: number): () => void;
}

/** Real time: monotonic `performance.now()`, so a wall-clock jump never ends a fault, and `setTimeout`. */
export const realFaultTimer: FaultTimer = Object.freeze({
  now: () => performance.now(),
  schedule(callback: () => void, ms: number): () => void {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
});

/** A fault timer that moves only when told to (from `createTestFaultTimer()`). */
export interface TestFaultTimer extends FaultTimer {
  /** Moves time forward by `ms` and runs every callback that came due, earliest first. */
  advance(ms: number): void;
  /** Callbacks scheduled and neither run nor cancelled: requests a `slow` fault is stalling now. */
  readonly pending: number;
  /**
   * Resolves once exactly `count` callbacks are pending (at once if they are): the issuer has
   * received the requests a `slow` fault stalls (or, with 0, let go of them).
   */
  whenPending(count: number): Promise<void>;
}

/**
 * Creates a fault timer that starts at 0 and moves only by `advance()`, so tests of `slow` and
 * `forMs` faults take no real time. Pass it as the issuer's `faultTimer`.
 *
 * @example
 * ```ts
 * const faultTimer = createTestFaultTimer();
 * const issuer = await createIssuer({ faultTimer });
 * issuer.faults.inject({ endpoint: 'jwks', kind: 'slow', delayMs: 5000, count: 1 });
 * const answer = fetch(issuer.jwksUri);
 * await faultTimer.whenPending(1); // the issuer holds the request
 * faultTimer.advance(5000);        // and answers it now
 * (await answer).status;           // 200
 * ```
 */
export function createTestFaultTimer(): TestFaultTimer {
  let now = 0;
  let sequence = 0;
  // Map order is scheduling order, so of callbacks due at the same time the first scheduled runs first.
  const timers = new Map<number, { due: number; callback: () => void }>();
  const watchers: { count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const watcher of [...watchers]) {
      if (watcher.count !== timers.size) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  };
  return {
    now: () => now,
    schedule(callback, ms) {
      if (typeof callback !== 'function' || !(ms >= 0))
        throw new TypeError('schedule(callback, ms) needs a function and a non-negative number of ms');
      const id = sequence++;
      timers.set(id, { due: now + ms, callback });
      notify();
      return () => {
        if (timers.delete(id)) notify();
      };
    },
    advance(ms) {
      if (!(Number.isFinite(ms) && ms >= 0))
        throw new TypeError(`advance(ms) needs a non-negative finite number, got ${String(ms)}`);
      now += ms;
      for (;;) {
        let next: [number, { due: number; callback: () => void }] | undefined;
        for (const entry of timers)
          if (entry[1].due <= now && (next === undefined || entry[1].due < next[1].due)) next = entry;
        if (next === undefined) break;
        timers.delete(next[0]);
        next[1].callback();
      }
      notify();
    },
    get pending() {
      return timers.size;
    },
    whenPending(count) {
      if (timers.size === count) return Promise.resolve();
      return new Promise((resolve) => watchers.push({ count, resolve }));
    },
  };
}
