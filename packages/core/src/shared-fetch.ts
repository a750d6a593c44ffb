import { KeysUnavailableError } from './errors.js';

/** One run of a shared fetch: its sequence number, and a signal aborted if it is abandoned. */
export interface FetchRun {
  readonly sequence: number;
  readonly signal: AbortSignal;
}

interface Running {
  readonly sequence: number;
  readonly startedAt: number;
  readonly promise: Promise<void>;
  readonly abandon: (reason: Error) => void;
}

/**
 * One fetch in flight at a time, which every caller joins instead of starting another. Each run
 * has a sequence number; `claim` lets a run apply its result only if no newer run has applied one,
 * so a slow, older answer never overwrites a newer key set. A run still going after `hungAfterMs`
 * (judged on the injected clock when someone asks) is abandoned: its waiters are released with an
 * error, its signal is aborted, and the next caller may start a new run. Without that, a fetcher
 * that never settles would hold every refresh, and every caller waiting on one, forever.
 */
export class SharedFetch {
  private current: Running | null = null;
  private started = 0;
  private applied = 0;

  constructor(
    private readonly clock: () => number,
    private readonly hungAfterMs: number,
  ) {}

  /** Sequence number of the latest run started (0 before the first). */
  get latestStarted(): number {
    return this.started;
  }

  /** Sequence number of the latest run whose result was applied (0 before the first). */
  get latestApplied(): number {
    return this.applied;
  }

  /** Whether a run is in flight and not yet overdue. Reads only; abandons nothing. */
  isRunning(now: number): boolean {
    return this.current !== null && now - this.current.startedAt < this.hungAfterMs;
  }

  /**
   * The run in flight, or `null`. A run overdue at `now` is abandoned first; its sequence number
   * is then returned in `abandoned` so the caller can record the failure.
   */
  inFlight(now: number): { readonly promise: Promise<void> | null; readonly abandoned: number | null } {
    const run = this.current;
    if (run === null) return { promise: null, abandoned: null };
    if (now - run.startedAt < this.hungAfterMs) return { promise: run.promise, abandoned: null };
    this.current = null;
    run.abandon(new Error(`no answer within ${this.hungAfterMs} ms; the request was abandoned`));
    return { promise: null, abandoned: run.sequence };
  }

  /** Starts `task` as the new run. Call only when `inFlight` answered no promise. */
  start(task: (run: FetchRun) => Promise<void>): Promise<void> {
    const sequence = ++this.started;
    const controller = new AbortController();
    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // Background refreshes have no waiter; the task itself records their failures.
    promise.catch(() => undefined);
    const run: Running = {
      sequence,
      startedAt: this.clock(),
      promise,
      abandon: (reason) => {
        controller.abort(reason);
        settle.reject(reason);
      },
    };
    // In flight before the task runs, so even a fetcher that throws synchronously finds itself current.
    this.current = run;
    const finish = () => {
      if (this.current === run) this.current = null;
    };
    task({ sequence, signal: controller.signal }).then(
      () => {
        finish();
        settle.resolve();
      },
      (error: unknown) => {
        finish();
        settle.reject(error);
      },
    );
    return promise;
  }

  /** Whether run `sequence` is the one in flight (not abandoned, not superseded). */
  isCurrent(sequence: number): boolean {
    return this.current?.sequence === sequence;
  }

  /** Lets run `sequence` apply its result if no newer run has; records it. */
  claim(sequence: number): boolean {
    if (sequence <= this.applied) return false;
    this.applied = sequence;
    return true;
  }
}

/**
 * Waits for `promise` until `signal` aborts: the caller stops waiting, the shared fetch goes on.
 * Rejects with `ERR_KEY_WAIT_ABORTED` on abort. Without a signal, the promise itself is returned.
 */
export function waitFor(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(waitAborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(waitAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the awaited fetch's own rejection on unchanged
        reject(error);
      },
    );
  });
}

export function waitAborted(): KeysUnavailableError {
  return new KeysUnavailableError(
    'ERR_KEY_WAIT_ABORTED',
    'Stopped waiting for signing keys: the caller aborted (verify signal).',
  );
}

export function isWaitAborted(error: unknown): boolean {
  return error instanceof KeysUnavailableError && error.code === 'ERR_KEY_WAIT_ABORTED';
}
