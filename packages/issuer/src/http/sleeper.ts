import type { FaultTimer } from '../fault-timer.js';

/** Cancellable waits for injected delays, so `close()` never waits for (or leaks) a stalled request. */
export class Sleeper {
  readonly #timer: FaultTimer;
  readonly #pending = new Set<() => void>();

  constructor(timer: FaultTimer) {
    this.#timer = timer;
  }

  /** Resolves `true` after `ms` on the fault timer, or `false` as soon as `signal` aborts or `cancelAll()` runs. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (slept: boolean) => {
        unschedule();
        signal.removeEventListener('abort', cancel);
        this.#pending.delete(cancel);
        resolve(slept);
      };
      const cancel = () => finish(false);
      const unschedule = this.#timer.schedule(() => finish(true), ms);
      signal.addEventListener('abort', cancel, { once: true });
      this.#pending.add(cancel);
    });
  }

  cancelAll(): void {
    for (const cancel of [...this.#pending]) cancel();
  }
}
