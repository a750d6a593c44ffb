import { describe, expect, it } from 'vitest';
import { ConfigError, DpopError, StoreUnavailableError } from '../errors.js';
import { MEMORY_REPLAY_STORE_DEFAULTS, MemoryReplayStore, useProofOnce, type ReplayStore } from './replay-store.js';

function clockAt(start = 1_750_000_000_000) {
  const clock = { now: start, advance: (ms: number) => (clock.now += ms), read: () => clock.now };
  return clock;
}

describe('MemoryReplayStore', () => {
  it('answers true once per id, then false', () => {
    const store = new MemoryReplayStore({ clock: clockAt().read });
    expect([
      store.useOnce('jkt:a', 1000),
      store.useOnce('jkt:a', 1000),
      store.useOnce('jkt:b', 1000),
      store.useOnce('jkt:a', 1000),
    ]).toEqual([true, false, true, false]);
  });

  it('is atomic: of concurrent uses of one id exactly one wins', async () => {
    const store = new MemoryReplayStore({ clock: clockAt().read });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => Promise.resolve().then(() => store.useOnce('jkt:same', 1000))),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('forgets an id when its TTL has passed on the injected clock, not before', () => {
    const clock = clockAt(0); // lru-cache reads a start time of 0 as "no TTL": the store must not trip on it
    const store = new MemoryReplayStore({ clock: clock.read });
    expect(store.useOnce('jkt:a', 5000)).toBe(true);
    clock.advance(5000);
    expect(store.useOnce('jkt:a', 5000)).toBe(false);
    clock.advance(1);
    expect(store.useOnce('jkt:a', 5000)).toBe(true);
  });

  it('when full of live ids, refuses new ones instead of evicting one early', () => {
    const clock = clockAt();
    const store = new MemoryReplayStore({ maxEntries: 3, clock: clock.read });
    for (const id of ['a', 'b', 'c']) expect(store.useOnce(id, 10_000)).toBe(true);
    expect(() => store.useOnce('d', 10_000)).toThrow(StoreUnavailableError);
    // Every id is still remembered: nothing was evicted to make room.
    expect(['a', 'b', 'c'].map((id) => store.useOnce(id, 10_000))).toEqual([false, false, false]);
    expect(store.size).toBe(3);
  });

  it('when full, makes room by purging expired ids, at most once a second', () => {
    const clock = clockAt();
    const store = new MemoryReplayStore({ maxEntries: 2, clock: clock.read });
    store.useOnce('short', 1000);
    store.useOnce('long', 60_000);
    expect(() => store.useOnce('x', 1000)).toThrow(StoreUnavailableError); // purges (nothing expired yet)
    clock.advance(1001); // 'short' has expired, and a second has passed since the last purge
    expect(store.useOnce('x', 100)).toBe(true);
    expect(store.useOnce('long', 60_000)).toBe(false);
    clock.advance(101); // 'x' has expired, but the last purge was 101 ms ago: no scan, still full
    expect(() => store.useOnce('y', 1000)).toThrow(StoreUnavailableError);
    clock.advance(899); // a second since the last purge
    expect(store.useOnce('y', 1000)).toBe(true);
    expect(store.size).toBe(2);
  });

  it('documents its default bound and refuses a bad one at construction', () => {
    expect(MEMORY_REPLAY_STORE_DEFAULTS.maxEntries).toBe(100_000);
    expect(() => new MemoryReplayStore({ maxEntries: 0 })).toThrow(ConfigError);
    expect(() => new MemoryReplayStore({ maxEntries: 1.5 })).toThrow(
      expect.objectContaining({ options: ['dpop.replayStore.maxEntries'] }),
    );
  });

  it('throws (so callers fail closed) on a TTL that is not a positive finite number', () => {
    const store = new MemoryReplayStore();
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => store.useOnce('a', ttl)).toThrow(TypeError);
  });
});

describe('useProofOnce', () => {
  const proof = { replayId: 'jkt:jti', replayTtlMs: 305_000 };

  it('passes a first use synchronously with a synchronous store', () => {
    const store = new MemoryReplayStore();
    expect(useProofOnce(store, proof)).toBeUndefined();
    expect(() => useProofOnce(store, proof)).toThrow(
      expect.objectContaining({
        code: 'ERR_DPOP_PROOF_REPLAYED',
        reason: 'replayed',
        status: 401,
        bearerError: 'invalid_dpop_proof',
      }),
    );
  });

  it('hands the id and TTL to the store unchanged', () => {
    const calls: [string, number][] = [];
    expect(useProofOnce({ useOnce: (id, ttl) => (calls.push([id, ttl]), true) }, proof)).toBeUndefined();
    expect(calls).toEqual([['jkt:jti', 305_000]]);
  });

  it('awaits an asynchronous store', async () => {
    const seen = new Set<string>();
    const store: ReplayStore = { useOnce: (id) => Promise.resolve(!seen.has(id) && Boolean(seen.add(id))) };
    await expect(useProofOnce(store, proof)).resolves.toBeUndefined();
    await expect(useProofOnce(store, proof)).rejects.toBeInstanceOf(DpopError);
  });

  it.each<[string, ReplayStore]>([
    [
      'throws',
      {
        useOnce: () => {
          throw new Error('ECONNREFUSED 10.0.0.5:6379');
        },
      },
    ],
    ['rejects', { useOnce: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5:6379')) }],
    ['answers undefined', { useOnce: () => undefined as unknown as boolean }],
    ['resolves to a string', { useOnce: () => Promise.resolve('OK' as unknown as boolean) }],
  ])('fails closed with 503 when the store %s', async (_name, store) => {
    let caught: unknown;
    try {
      await useProofOnce(store, proof);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreUnavailableError);
    const { code, status, retryAfterSec, expose, message } = caught as StoreUnavailableError;
    expect({ code, status, retryAfterSec, expose }).toEqual({
      code: 'ERR_REPLAY_STORE_UNAVAILABLE',
      status: 503,
      retryAfterSec: 1,
      expose: false,
    });
    expect(message).not.toContain('10.0.0.5');
  });
});
