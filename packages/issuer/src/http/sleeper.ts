/** Cancellable timers for injected delays, so `close()` never waits for (or leaks) a stalled request. */
export class Sleeper {
  readonly #pending = new Set<() => void>();

  /** Resolves `true` after `ms`, or `false` as soon as `signal` aborts or `cancelAll()` runs. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (slept: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', cancel);
        this.#pending.delete(cancel);
        resolve(slept);
      };
      const cancel = () => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      signal.addEventListener('abort', cancel, { once: true });
      this.#pending.add(cancel);
    });
  }

  cancelAll(): void {
    for (const cancel of [...this.#pending]) cancel();
  }
}
