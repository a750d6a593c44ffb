import { execFileSync } from 'node:child_process';
import { ConfigError } from '@tollgate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';
import { RedisUnavailableError } from './errors.js';
import { RedisReplayStore } from './replay-store.js';
import { closeClients, connectClient, eventually, type TestClient } from './test-support.js';

describeRedis('RedisReplayStore', () => {
  let redis: TestRedisServer;
  let a: TestClient;
  let b: TestClient;
  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b] = await Promise.all([connectClient(redis.url), connectClient(redis.url)]);
  });
  afterAll(async () => {
    await closeClients();
    await redis?.close();
  });

  it('says true for the first use of an id and false for every later one', async () => {
    const store = new RedisReplayStore({ client: a });
    expect([
      await store.useOnce('thumb:jti-1', 60_000),
      await store.useOnce('thumb:jti-1', 60_000),
      await store.useOnce('thumb:jti-2', 60_000),
    ]).toEqual([true, false, true]);
  });

  it('lets exactly one of many concurrent uses through, across two connections', async () => {
    // Atomicity, not speed: 1600 commands at once on a machine the whole suite shares can take
    // longer than the default 200 ms timeout (it did once in a full run at load 6).
    const stores = [
      new RedisReplayStore({ client: a, timeoutMs: 5_000 }),
      new RedisReplayStore({ client: b, timeoutMs: 5_000 }),
    ];
    const ids = Array.from({ length: 200 }, (_, i) => `race-thumb:${i}`);
    // Every id is tried eight times at once, four through each connection.
    const attempts = ids.flatMap((id) =>
      Array.from({ length: 8 }, (_, k) => stores[k % 2]!.useOnce(id, 60_000).then((first) => [id, first] as const)),
    );
    const results = await Promise.all(attempts);
    const firsts = new Map<string, number>();
    for (const [id, first] of results) if (first) firsts.set(id, (firsts.get(id) ?? 0) + 1);
    const repeated = [...firsts].filter(([, n]) => n !== 1);
    expect([results.length, firsts.size, repeated]).toEqual([1600, 200, []]);
  });

  it('writes one prefixed key per id that Redis expires after the ttl', async () => {
    const store = new RedisReplayStore({ client: a, keyPrefix: 'svc-a:' });
    expect(await store.useOnce('k1:j1', 80)).toBe(true);
    expect(await a.get('svc-a:dpop:k1:j1')).toBe('1');
    const pttl = await a.pTTL('svc-a:dpop:k1:j1');
    expect(pttl > 0 && pttl <= 80).toBe(true);
    expect(await store.useOnce('k1:j1', 80)).toBe(false);
    // Redis owns this clock: wait until it has dropped the key, then the id is new again.
    await eventually(async () => (await a.exists('svc-a:dpop:k1:j1')) === 0, 2000);
    expect(await store.useOnce('k1:j1', 80)).toBe(true);
    // Another prefix is another namespace.
    expect(await new RedisReplayStore({ client: a, keyPrefix: 'svc-b:' }).useOnce('k1:j1', 60_000)).toBe(true);
  });

  it('rounds a fractional ttl up, and refuses ids and ttls it cannot store', async () => {
    const store = new RedisReplayStore({ client: a });
    expect(await store.useOnce('frac:1', 0.2)).toBe(true);
    await expect(store.useOnce('', 1000)).rejects.toThrow(TypeError);
    await expect(store.useOnce('x'.repeat(4097), 1000)).rejects.toThrow(TypeError);
    await expect(store.useOnce('ok', 0)).rejects.toThrow(TypeError);
    await expect(store.useOnce('ok', Number.NaN)).rejects.toThrow(TypeError);
  });

  it('fails with a timeout error, not a hang, when Redis is slow', async () => {
    const store = new RedisReplayStore({ client: a, timeoutMs: 100 });
    // Another connection pauses every write for 600 ms: a stand-in for an overloaded Redis.
    await b.sendCommand(['CLIENT', 'PAUSE', '600', 'WRITE']);
    const started = performance.now();
    const error = await store.useOnce('slow:1', 60_000).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect([
      (error as RedisUnavailableError).code,
      (error as RedisUnavailableError).reason,
      (error as RedisUnavailableError).operation,
    ]).toEqual(['ERR_REDIS_UNAVAILABLE', 'timeout', 'replay check']);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(400);
    await b.sendCommand(['CLIENT', 'UNPAUSE']);
  });

  it('takes an answer Redis gave in time even when this process was too busy to read it before the timeout', async () => {
    const store = new RedisReplayStore({ client: a, timeoutMs: 50 });
    const started = performance.now();
    let settled = false;
    const answer = store.useOnce('busy:1', 60_000);
    answer.then(
      () => (settled = true),
      () => (settled = true),
    );
    // node-redis writes from a setImmediate queued by the call above; this one runs right after it,
    // in the same check phase, so no poll phase can read the answer before the loop is blocked.
    const settledBeforeBlock = await new Promise<boolean>((resolve) =>
      setImmediate(() => {
        const before = settled;
        // Blocks this process until Redis has stored the key (so it has answered), from outside it.
        waitUntilRedisHolds(redis.port, 'tollgate:dpop:busy:1');
        while (performance.now() < started + 150) {
          // busy past the timeout
        }
        resolve(before);
      }),
    );
    expect(settledBeforeBlock).toBe(false);
    await expect(answer).resolves.toBe(true);
  });

  it('checks its options at construction, listing every problem', () => {
    const error = (() => {
      try {
        new RedisReplayStore({ client: {} as never, keyPrefix: 'a{b}:', timeoutMs: Number.NaN });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).options).toEqual(['client', 'keyPrefix', 'timeoutMs']);
  });
});

describeRedis('RedisReplayStore while Redis is down', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await closeClients();
    await redis?.close();
  });

  it.each([
    ['offline queue off', true],
    ['offline queue on (node-redis default)', false],
  ])('fails fast with a typed error and recovers after a restart (%s)', async (_name, disableOfflineQueue) => {
    const client = await connectClient(redis.url, { disableOfflineQueue });
    const store = new RedisReplayStore({ client, timeoutMs: 150 });
    expect(await store.useOnce(`down-${disableOfflineQueue}:1`, 60_000)).toBe(true);
    await redis.stop({ kill: true });
    await eventually(() => !client.isReady, 2000);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const error = await store.useOnce(`down-${disableOfflineQueue}:${i}`, 60_000).catch((e: unknown) => e);
      times.push(performance.now() - started);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as RedisUnavailableError).reason).toBe('not-connected');
    }
    // Not sent at all: answered without waiting for the timeout.
    expect(Math.max(...times)).toBeLessThan(50);
    await redis.start();
    await eventually(() => client.isReady, 5000);
    expect(await store.useOnce(`down-${disableOfflineQueue}:after`, 60_000)).toBe(true);
  });
});

/** Polls Redis over a connection of a child process, blocking this one, until `key` exists (2 s at most). */
function waitUntilRedisHolds(port: number, key: string): void {
  const script = `
    const socket = require('node:net').connect(${port}, '127.0.0.1');
    const deadline = Date.now() + 2000;
    const ask = () => socket.write('EXISTS ${key}\\r\\n');
    socket.on('connect', ask).on('data', (d) => {
      if (d.toString().startsWith(':1')) socket.end();
      else if (Date.now() > deadline) process.exit(1);
      else setTimeout(ask, 1);
    });`;
  execFileSync(process.execPath, ['-e', script], { timeout: 5000 });
}
