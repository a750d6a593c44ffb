import { describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from './clock.js';
import { DAY_MS } from './duration.js';
import { KeyRing } from './key-ring.js';
import { createMemoryKeyStore, isKeyStoreConflict, type KeyStore } from './key-store.js';

const POLICY = { maxAgeMs: 90 * DAY_MS, graceMs: 2 * DAY_MS, autoRotate: true };
const TTL_MS = 10_000;

/** A store that counts what the rings did with it, and can run something just before a write. */
function counting(base: KeyStore, withLock = true) {
  const counts = { writes: 0, conflicts: 0, locksGranted: 0, locksRefused: 0 };
  let beforeNextWrite: (() => unknown) | undefined;
  const store: KeyStore = {
    read: (tenant) => base.read(tenant),
    async write(tenant, keys, expected) {
      const hook = beforeNextWrite;
      beforeNextWrite = undefined;
      await hook?.();
      try {
        const revision = await base.write(tenant, keys, expected);
        counts.writes++;
        return revision;
      } catch (err) {
        if (isKeyStoreConflict(err)) counts.conflicts++;
        throw err;
      }
    },
    ...(withLock
      ? {
          async lock(tenant: string, ttlMs: number) {
            const lock = await base.lock!(tenant, ttlMs);
            counts[lock ? 'locksGranted' : 'locksRefused']++;
            return lock;
          },
        }
      : {}),
  };
  return { store, counts, beforeNextWrite: (hook: () => unknown) => void (beforeNextWrite = hook) };
}

function ring(
  store: KeyStore,
  clock: TestClock,
  wait: (ms: number) => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
) {
  return new KeyRing('t', 'ES256', { store, clock, policy: POLICY, lockTtlMs: TTL_MS, wait });
}

const kidsOf = (r: KeyRing) => r.publicKeys().map((k) => k.kid);
const activeD = async (r: KeyRing) => (await r.signingKey('ES256')).privateJwk.d;

describe('key rings sharing one store', () => {
  it('rotate once when a second ring asks while the first holds the lock; the second adopts the new key', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const { store, counts, beforeNextWrite } = counting(createMemoryKeyStore({ clock }));
    const a = ring(store, clock);
    const b = ring(store, clock);
    await a.refresh();
    await b.refresh();
    expect(counts).toMatchObject({ writes: 1, conflicts: 0 });
    expect(kidsOf(b)).toEqual(['2026-01-05']);

    clock.advance(91 * DAY_MS);
    let second: Promise<void> | undefined;
    // B wants to rotate too, while A holds the lock and is about to write.
    beforeNextWrite(() => void (second = b.refresh()));
    await a.refresh();
    await second;
    expect(counts).toMatchObject({ writes: 2, conflicts: 0 });
    expect(counts.locksRefused).toBeGreaterThan(0);
    expect(kidsOf(a)).toEqual(['2026-04-06', '2026-01-05']);
    expect(b.publicKeys()).toEqual(a.publicKeys());
    expect(await activeD(b)).toBe(await activeD(a));
    expect((await store.read('t'))!.keys.map((k) => [k.kid, k.retiredAt])).toEqual([
      ['2026-04-06', undefined],
      ['2026-01-05', '2026-04-06T10:00:00.000Z'],
    ]);
  });

  it("without a lock, compare-and-set makes the loser of a race drop its own key and adopt the winner's", async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const { store, counts, beforeNextWrite } = counting(createMemoryKeyStore({ clock }), false);
    const a = ring(store, clock);
    const b = ring(store, clock);
    await a.refresh();
    await b.refresh();
    clock.advance(91 * DAY_MS);
    // A has generated its new key and is about to write when B rotates and writes first.
    beforeNextWrite(() => b.refresh());
    await a.refresh();
    expect(counts).toMatchObject({ writes: 2, conflicts: 1 });
    expect(b.publicKeys()).toEqual(a.publicKeys());
    expect(a.publicKeys()).toHaveLength(2);
    expect(await activeD(a)).toBe(await activeD(b));
    const stored = (await store.read('t'))!.keys;
    expect(stored.find((k) => k.retiredAt === undefined)!.privateJwk.d).toBe(await activeD(b));
  });

  it('waits out a lock whose holder died, then rotates when its TTL has passed on the store clock', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const { store, counts } = counting(createMemoryKeyStore({ clock }));
    const waits: number[] = [];
    const b = ring(store, clock, (ms) => {
      waits.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    });
    await b.refresh();
    clock.advance(91 * DAY_MS);
    const dead = await store.lock!('t', TTL_MS);
    expect(dead).toBeDefined();
    await b.refresh();
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(TTL_MS);
    expect(waits.slice(0, 6)).toEqual([10, 20, 40, 80, 160, 200]);
    expect(kidsOf(b)).toEqual(['2026-04-06', '2026-01-05']);
    expect(counts.writes).toBe(2);
  });

  it('gives up with a clear error when the lock never frees', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const store = createMemoryKeyStore({ clock });
    const b = ring(store, clock, () => Promise.resolve());
    await store.lock!('t', TTL_MS);
    await expect(b.refresh()).rejects.toThrow(
      /tenant "t": another issuer has held the key store lock for over 20\d{3} ms; check the store, or raise keyLockTtlMs/,
    );
    expect(await store.read('t')).toBeUndefined();
  });

  it('neither locks nor writes when nothing changed', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const { store, counts } = counting(createMemoryKeyStore({ clock }));
    const a = ring(store, clock);
    for (let i = 0; i < 5; i++) await a.refresh();
    expect(counts).toMatchObject({ writes: 1, locksGranted: 1 });
  });
});

describe('memory key store', () => {
  it('writes with compare-and-set: null means "nothing stored yet"', async () => {
    const store = createMemoryKeyStore();
    const first = await store.write('t', [], null);
    await expect(store.write('t', [], null)).rejects.toMatchObject({
      name: 'KeyStoreConflictError',
      code: 'ERR_ISSUER_KEY_STORE_CONFLICT',
      tenant: 't',
    });
    await expect(store.write('t', [], 'stale')).rejects.toThrow(/the keys of tenant "t" changed since they were read/);
    const second = await store.write('t', [], first);
    expect(second).not.toBe(first);
    expect(await store.write('t', [])).not.toBe(second); // no expectation: unconditional
  });

  it('grants one lock at a time per tenant, expires it on its clock, and lets only the holder release it', async () => {
    const clock = createTestClock();
    const store = createMemoryKeyStore({ clock });
    const first = (await store.lock!('t', 1000))!;
    expect(first.fence).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await store.lock!('t', 1000)).toBeUndefined();
    expect(await store.lock!('u', 1000)).toBeDefined();
    clock.advance(1000);
    const second = (await store.lock!('t', 1000))!;
    expect(second.fence).not.toBe(first.fence);
    await first.release(); // expired holder: must not free the new holder's lock
    expect(await store.lock!('t', 1000)).toBeUndefined();
    await second.release();
    expect(await store.lock!('t', 1000)).toBeDefined();
  });
});
