import { describe, expect, it } from 'vitest';
import { SharedFetch, waitFor, type FetchRun } from './shared-fetch.js';
import { manualClock } from './testing/clock.js';

/** A task the test settles by hand, remembering the run it was given. */
function deferredTask() {
  const calls: { run: FetchRun; resolve: () => void; reject: (e: Error) => void }[] = [];
  const task = (run: FetchRun) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ run, resolve, reject });
    });
  return { task, calls };
}

const settled = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: Error) => `rejected: ${e.message}`,
  );

describe('SharedFetch', () => {
  it('runs one task at a time: callers join the run in flight', async () => {
    const clock = manualClock();
    const flight = new SharedFetch(clock.now, 10_000);
    const { task, calls } = deferredTask();
    expect(flight.inFlight(clock.now())).toEqual({ promise: null, abandoned: null });
    const first = flight.start(task);
    expect(flight.inFlight(clock.now()).promise).toBe(first);
    expect(flight.isRunning(clock.now())).toBe(true);
    expect(calls.map((c) => c.run.sequence)).toEqual([1]);
    calls[0]!.resolve();
    await first;
    expect(flight.inFlight(clock.now()).promise).toBeNull();
    expect(flight.latestStarted).toBe(1);
  });

  it('claims results in sequence order: an older result arriving after a newer one is refused', () => {
    const flight = new SharedFetch(manualClock().now, 10_000);
    expect(flight.claim(2)).toBe(true);
    expect(flight.claim(1)).toBe(false);
    expect(flight.claim(2)).toBe(false);
    expect(flight.claim(3)).toBe(true);
    expect(flight.latestApplied).toBe(3);
  });

  it('abandons a run still going after hungAfterMs: waiters are released, its signal aborts, a new run may start', async () => {
    const clock = manualClock();
    const flight = new SharedFetch(clock.now, 10_000);
    const { task, calls } = deferredTask();
    const first = flight.start(task);
    clock.advance(9_999);
    expect(flight.inFlight(clock.now()).promise).toBe(first);
    clock.advance(1);
    expect(flight.isRunning(clock.now())).toBe(false);
    expect(flight.inFlight(clock.now())).toEqual({ promise: null, abandoned: 1 });
    expect(await settled(first)).toBe('rejected: no answer within 10000 ms; the request was abandoned');
    expect(calls[0]!.run.signal.aborted).toBe(true);
    const second = flight.start(task);
    expect(flight.isCurrent(2)).toBe(true);
    expect(flight.isCurrent(1)).toBe(false);
    // The abandoned run settling late changes nothing about the run in flight.
    calls[0]!.resolve();
    await Promise.resolve();
    expect(flight.inFlight(clock.now()).promise).toBe(second);
    calls[1]!.resolve();
    expect(await settled(second)).toBe('resolved');
  });

  it('a task that fails rejects every waiter with its error, and the next caller may start again', async () => {
    const flight = new SharedFetch(manualClock().now, 10_000);
    const { task, calls } = deferredTask();
    const promise = flight.start(task);
    calls[0]!.reject(new Error('HTTP 500'));
    expect(await settled(promise)).toBe('rejected: HTTP 500');
    expect(flight.inFlight(0).promise).toBeNull();
  });

  it('a run is current while its task runs, even when the task fails at once', async () => {
    const flight = new SharedFetch(manualClock().now, 10_000);
    const seen: boolean[] = [];
    const promise = flight.start((run) => {
      seen.push(flight.isCurrent(run.sequence));
      return Promise.reject(new Error('synchronous failure'));
    });
    expect(await settled(promise)).toBe('rejected: synchronous failure');
    expect(seen).toEqual([true]);
  });
});

describe('waitFor', () => {
  it("a caller's abort ends its own wait, not the shared promise", async () => {
    let resolve!: () => void;
    const shared = new Promise<void>((r) => (resolve = r));
    const controller = new AbortController();
    const mine = waitFor(shared, controller.signal);
    const other = waitFor(shared, undefined);
    controller.abort();
    await expect(mine).rejects.toMatchObject({ code: 'ERR_KEY_WAIT_ABORTED', status: 503 });
    resolve();
    await expect(other).resolves.toBeUndefined();
  });

  it('rejects at once for a signal already aborted, and passes results and errors through otherwise', async () => {
    await expect(waitFor(new Promise<void>(() => undefined), AbortSignal.abort())).rejects.toMatchObject({
      code: 'ERR_KEY_WAIT_ABORTED',
    });
    await expect(waitFor(Promise.resolve(), new AbortController().signal)).resolves.toBeUndefined();
    await expect(waitFor(Promise.reject(new Error('fetch failed')), new AbortController().signal)).rejects.toThrow(
      'fetch failed',
    );
  });
});
