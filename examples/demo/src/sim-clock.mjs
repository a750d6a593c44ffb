// @ts-check

/**
 * The one clock of the demo: real time plus an offset that only ever grows. The issuer reads it
 * directly; every service process gets the offset and reads `Date.now() + offset`, so tokens,
 * key ages and JWKS cache lifetimes all agree on what time it is.
 */
export class SimClock {
  /** @param {number} startMs simulated time at creation */
  constructor(startMs) {
    this.offsetMs = startMs - Date.now();
  }

  /** Simulated epoch milliseconds (an arrow function, so it can be passed around unbound). */
  now = () => Date.now() + this.offsetMs;

  /** Jumps forward to `targetMs`. */
  moveTo(/** @type {number} */ targetMs) {
    const step = targetMs - this.now();
    if (step < 0) throw new Error('the demo clock only moves forward');
    this.offsetMs += step;
  }
}
