// A real three-node Redis Cluster, and a master behind a Sentinel. On the Cluster: replay keys spread over the slots, the {revocation} keys share
// one slot (the write scripts touch three keys at once), pub/sub reaches a mirror whose
// subscription sits on whichever node the client picked, and an issuer tenant's keys and lock
// share one slot.
import { createCluster, createSentinel } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeRedis,
  startRedisCluster,
  startRedisSentinel,
  type TestRedisCluster,
  type TestRedisSentinel,
} from '../../../test/support/redis-server.js';
import { RedisKeyStore } from './key-store.js';
import { RedisReplayStore } from './replay-store.js';
import { RedisRevocationMirror } from './revocation-mirror.js';
import { RedisRevocations } from './revocations.js';
import { eventually } from './test-support.js';

describeRedis('on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  const clients: ReturnType<typeof connect>[] = [];
  const connect = () =>
    createCluster({ rootNodes: [...cluster.rootNodes], defaults: { disableOfflineQueue: true } }).on('error', () => {});
  let a: Awaited<ReturnType<ReturnType<typeof connect>['connect']>>;
  let b: typeof a;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    const [first, second] = [connect(), connect()];
    clients.push(first, second);
    [a, b] = await Promise.all([first.connect(), second.connect()]);
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) if (client.isOpen) client.destroy();
    await cluster?.close();
  });

  it('lets exactly one of many concurrent uses through, with keys on every node', async () => {
    const stores = [new RedisReplayStore({ client: a }), new RedisReplayStore({ client: b })];
    const ids = Array.from({ length: 200 }, (_, i) => `cluster-thumb:${i}`);
    const results = await Promise.all(
      ids.flatMap((id) =>
        [0, 1, 2, 3].map((k) => stores[k % 2]!.useOnce(id, 60_000).then((first) => (first ? id : null))),
      ),
    );
    const firsts = results.filter((id) => id !== null);
    expect([firsts.length, new Set(firsts).size]).toEqual([200, 200]);
    // Spread over the masters: each holds some of the keys.
    const perNode = await Promise.all(a.masters.map(async (master) => (await a.nodeClient(master)).dbSize()));
    expect(perNode.filter((n) => n === 0)).toEqual([]);
    expect(perNode.reduce((x, y) => x + y, 0)).toBe(200);
  });

  it('writes the revocation keys into one slot and mirrors them through pub/sub', async () => {
    const writer = new RedisRevocations({ client: a });
    const mirror = new RedisRevocationMirror({ client: b });
    try {
      await mirror.ready({ timeoutMs: 10_000 });
      const rule = await writer.revoke({ sub: 'alice' });
      const claims = { sub: 'alice', iat: Math.floor(Date.now() / 1000) - 10 };
      await eventually(() => mirror.revoked(claims, Date.now()) !== undefined, 3000, 1);
      expect(mirror.rules()).toEqual([rule]);
      const slots = await Promise.all(
        [writer.keys.rules, writer.keys.expiry, writer.keys.meta].map((key) =>
          a.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]),
        ),
      );
      expect(new Set(slots).size).toBe(1);
      await writer.unrevoke({ sub: 'alice' });
      await eventually(() => mirror.revoked(claims, Date.now()) === undefined, 3000, 1);
      expect(mirror.state()).toMatchObject({ status: 'ok', rules: 0 });
    } finally {
      await mirror.close();
    }
  });
  it("keeps an issuer tenant's keys and lock in one slot, with compare-and-set and the lock working across nodes", async () => {
    const [first, second] = [new RedisKeyStore({ client: a }), new RedisKeyStore({ client: b })];
    const key = {
      kid: 'k1',
      alg: 'ES256' as const,
      createdAt: '2026-01-05T10:00:00.000Z',
      privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' },
    };
    const revisions = await Promise.allSettled(
      ['t-a', 't-b', 't-c'].flatMap((t) => [first.write(t, [key], null), second.write(t, [key], null)]),
    );
    // Per tenant, one of the two writes of "nothing stored yet" wins.
    expect(revisions.map((r) => r.status).filter((s) => s === 'fulfilled')).toHaveLength(3);
    const lock = await first.lock('t-a', 10_000);
    expect([lock !== undefined, await second.lock('t-a', 10_000)]).toEqual([true, undefined]);
    await lock!.release();
    const slots = await Promise.all(
      ['tollgate:{issuer:t-a}:keys', 'tollgate:{issuer:t-a}:lock'].map((k) =>
        a.sendCommand(k, true, ['CLUSTER', 'KEYSLOT', k]),
      ),
    );
    expect(new Set(slots).size).toBe(1);
    expect((await second.read('t-b'))?.keys).toEqual([key]);
  });
});

describeRedis('through a Redis Sentinel', () => {
  let sentinel: TestRedisSentinel;
  const connect = () =>
    createSentinel({
      name: sentinel.name,
      sentinelRootNodes: [...sentinel.sentinelRootNodes],
      nodeClientOptions: { disableOfflineQueue: true },
    }).on('error', () => {});
  const clients: ReturnType<typeof connect>[] = [];
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 30_000);
  afterAll(async () => {
    for (const client of clients) if (client.isOpen) await client.close().catch(() => {});
    await sentinel?.close();
  });

  it('checks replays and mirrors revocations on the master the Sentinel names', async () => {
    const [first, second] = [connect(), connect()];
    clients.push(first, second);
    const [a, b] = await Promise.all([first.connect(), second.connect()]);
    const store = new RedisReplayStore({ client: a });
    expect([
      await store.useOnce('s:1', 60_000),
      await new RedisReplayStore({ client: b }).useOnce('s:1', 60_000),
    ]).toEqual([true, false]);
    const mirror = new RedisRevocationMirror({ client: b });
    try {
      await mirror.ready({ timeoutMs: 10_000 });
      const rule = await new RedisRevocations({ client: a }).revoke({ clientId: 'partner' });
      await eventually(
        () => mirror.revoked({ azp: 'partner', iat: Math.floor(Date.now() / 1000) - 10 }, Date.now()) !== undefined,
        3000,
        1,
      );
      expect(mirror.rules()).toEqual([rule]);
    } finally {
      await mirror.close();
    }
  });
});
