// Issuer replicas on one Redis (`RedisKeyStore`): they create one key between them, rotate once
// when the key ages out at the same instant, serve the same JWKS and sign with the same key; a
// replica started later adopts the keys without writing; a lock holder that dies blocks the
// others only until its TTL. Real issuers, real HTTP, a real redis-server.
import type { Issuer, KeyStore } from '@tollgate/issuer';
import { RedisKeyStore, type RedisKeyStoreOptions } from '@tollgate/redis';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createRunningClock, startIssuer, type TestIssuer } from '../support/issuer.js';
import { describeRedis, startRedisServer, type TestRedisServer } from '../support/redis-server.js';

const DAY_MS = 86_400_000;

describeRedis('issuer replicas sharing keys on Redis', () => {
  let redis: TestRedisServer;
  const clients: { readonly isOpen: boolean; destroy(): void }[] = [];
  const issuers: TestIssuer[] = [];

  async function connect() {
    const client = createClient({ url: redis.url, disableOfflineQueue: true }).on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  /** A RedisKeyStore on its own connection (one per replica, as in production), counting what the replica did with it. */
  async function countingStore(options: Omit<RedisKeyStoreOptions, 'client'>) {
    const store = new RedisKeyStore({ ...options, client: await connect() }) satisfies KeyStore;
    const counts = { writes: 0, conflicts: 0, locksGranted: 0, locksRefused: 0 };
    // RedisKeyStore fits the issuer's KeyStore structurally (`satisfies` above: checked by the type-check).
    const keyStore: KeyStore = {
      read: (tenant) => store.read(tenant),
      write: async (tenant, keys, expected) => {
        try {
          const revision = await store.write(tenant, keys, expected);
          counts.writes++;
          return revision;
        } catch (error) {
          if ((error as { code?: string }).code === 'ERR_ISSUER_KEY_STORE_CONFLICT') counts.conflicts++;
          throw error;
        }
      },
      lock: async (tenant, ttlMs) => {
        const lock = await store.lock(tenant, ttlMs);
        counts[lock ? 'locksGranted' : 'locksRefused']++;
        return lock;
      },
    };
    return { keyStore, counts };
  }

  async function replica(keyStore: KeyStore, clock: ReturnType<typeof createRunningClock>, keyLockTtlMs?: number) {
    const started = await startIssuer({
      keyStore,
      clock,
      algorithm: 'ES256',
      ...(keyLockTtlMs === undefined ? {} : { keyLockTtlMs }),
    });
    issuers.push(started);
    return started.issuer;
  }

  const servedJwks = async (issuer: Issuer) =>
    ((await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] }).keys;
  const kidOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(issuers.splice(0).map((i) => i.close()));
  });
  afterAll(async () => {
    for (const client of clients) if (client.isOpen) client.destroy();
    await redis?.close();
  });

  it('two replicas rotating at the same instant make exactly one new key, serve the same JWKS and sign with it', async () => {
    const clock = createRunningClock();
    const [sa, sb] = await Promise.all([
      countingStore({ keyPrefix: 'same-instant:' }),
      countingStore({ keyPrefix: 'same-instant:' }),
    ]);
    // Started together: one first key between them.
    const [a, b] = await Promise.all([replica(sa.keyStore, clock), replica(sb.keyStore, clock)]);
    expect(sa.counts.writes + sb.counts.writes).toBe(1);
    const firstKids = (await servedJwks(a)).map((k) => k.kid);
    expect(firstKids).toHaveLength(1);
    expect(await servedJwks(b)).toEqual(await servedJwks(a));

    // The key ages out; both replicas see it at the same instant, from JWKS requests and token requests.
    clock.advance(91 * DAY_MS);
    const [, , tokenA, tokenB] = await Promise.all([fetch(a.jwksUri), fetch(b.jwksUri), a.sign(), b.sign()]);
    expect(sa.counts.writes + sb.counts.writes).toBe(2);
    // They did race: one found the other holding the lock (or lost a compare-and-set) and adopted its key.
    expect(sa.counts.locksRefused + sb.counts.locksRefused + sa.counts.conflicts + sb.counts.conflicts).toBeGreaterThan(
      0,
    );
    const [jwksA, jwksB] = await Promise.all([servedJwks(a), servedJwks(b)]);
    expect(jwksB).toEqual(jwksA);
    expect(jwksA).toHaveLength(2);
    const newKid = jwksA.map((k) => k.kid).find((kid) => !firstKids.includes(kid));
    expect([kidOf(tokenA), kidOf(tokenB)]).toEqual([newKid, newKid]);
    // Each replica's token verifies with the other replica's JWKS (jose as the oracle).
    await expect(jwtVerify(tokenA, createLocalJWKSet({ keys: jwksB }))).resolves.toBeDefined();
    await expect(jwtVerify(tokenB, createLocalJWKSet({ keys: jwksA }))).resolves.toBeDefined();

    // An explicit rotation at A: B serves it and signs with it, without writing anything itself.
    const writesOfB = sb.counts.writes;
    const rotated = await a.rotate();
    expect(kidOf(await b.sign())).toBe(rotated.kid);
    expect(await servedJwks(b)).toEqual(await servedJwks(a));
    expect(sb.counts.writes).toBe(writesOfB);
  });

  it('a replica started later adopts the keys that are there, without locking or writing', async () => {
    const clock = createRunningClock();
    const sa = await countingStore({ keyPrefix: 'later:' });
    const a = await replica(sa.keyStore, clock);
    const tokenA = await a.sign();
    const sc = await countingStore({ keyPrefix: 'later:' });
    const c = await replica(sc.keyStore, clock);
    expect(await servedJwks(c)).toEqual(await servedJwks(a));
    expect(kidOf(await c.sign())).toBe(kidOf(tokenA));
    expect(sc.counts).toEqual({ writes: 0, conflicts: 0, locksGranted: 0, locksRefused: 0 });
  });

  it('a lock holder that dies blocks a rotation only until its TTL, then the next replica rotates', async () => {
    const clock = createRunningClock();
    const sa = await countingStore({ keyPrefix: 'dead-holder:' });
    const a = await replica(sa.keyStore, clock, 2_000);
    const before = (await servedJwks(a)).map((k) => k.kid);
    // Another replica takes the lock for 600 ms and dies (its connection is gone, it never releases).
    const dying = await connect();
    const held = await new RedisKeyStore({ client: dying, keyPrefix: 'dead-holder:' }).lock('default', 600);
    expect(held).toBeDefined();
    dying.destroy();

    clock.advance(91 * DAY_MS);
    const started = Date.now();
    const after = await servedJwks(a);
    const waitedMs = Date.now() - started;
    expect(after.map((k) => k.kid)).toHaveLength(2);
    expect(after.map((k) => k.kid)).toContain(before[0]);
    expect(sa.counts.locksRefused).toBeGreaterThan(0);
    // It waited for the TTL (less the time since the lock was taken), and not much longer.
    expect(waitedMs).toBeGreaterThanOrEqual(300);
    expect(waitedMs).toBeLessThan(3_000);
  });
});
