// Moves this process's clock forward without waiting: Date (now() and new Date()) and
// performance.now() gain an offset. Installed before any verifier is created, so every
// library (and the in-process issuer) reads the same shifted time. Timers are not affected.
const RealDate = Date;
const realPerformanceNow = performance.now.bind(performance);
let offsetMs = 0;

class WarpDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offsetMs);
    else super(...args);
  }
  static now() {
    return RealDate.now() + offsetMs;
  }
}

export function installTimewarp() {
  globalThis.Date = WarpDate;
  performance.now = () => realPerformanceNow() + offsetMs;
}

export function travel(ms) {
  offsetMs += ms;
}
