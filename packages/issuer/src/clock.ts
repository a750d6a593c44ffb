/**
 * Source of "now" for token times, key ages, rotation and grace periods. Fault injection runs on
 * its own `faultTimer` (real time by default) instead: it models network behaviour.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock tests and demos move by hand. */
export interface TestClock extends Clock {
  /** Moves time forward (or back, with a negative value) and returns the new time in ms. */
  advance(ms: number): number;
  /** Jumps to an absolute time. */
  set(time: number | Date | string): void;
}

/** The real wall clock, `Date.now()`. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/**
 * Creates a clock that only moves when told to, so rotation after 90 days takes milliseconds.
 *
 * @param start - initial time; default: the real current time, so tokens minted before any
 *   `advance()` still pass verifiers that use real time.
 * @example
 * ```ts
 * const clock = createTestClock();
 * const issuer = await createIssuer({ clock });
 * clock.advance(91 * 24 * 60 * 60 * 1000); // the next JWKS request or sign() rotates the key
 * ```
 */
export function createTestClock(start: number | Date | string = Date.now()): TestClock {
  let current = toMs(start, 'start');
  return {
    now: () => current,
    advance(ms: number): number {
      if (!Number.isFinite(ms)) throw new TypeError(`advance(ms) needs a finite number, got ${String(ms)}`);
      current += ms;
      return current;
    },
    set(time: number | Date | string): void {
      current = toMs(time, 'time');
    },
  };
}

function toMs(value: number | Date | string, name: string): number {
  const ms = typeof value === 'number' ? value : new Date(value).getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`${name} is not a valid time: ${String(value)}`);
  return ms;
}
