// The peer range is `redis` ^5.12 || ^6: node-redis 5 speaks RESP 2 by default, 6 speaks RESP 3.
// Both, and a client mapping strings to Buffers, must give the same answers.
import { createClient as createClient5 } from 'redis-5';
import { createClient as createClient6, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';
import type { RedisConnection } from './client.js';
import { RedisReplayStore } from './replay-store.js';
import { RedisRevocationMirror } from './revocation-mirror.js';
import { RedisRevocations } from './revocations.js';
import { eventually } from './test-support.js';

describeRedis('node-redis versions and protocols', () => {
  let redis: TestRedisServer;
  const opened: { destroy(): void }[] = [];
  const mirrors: RedisRevocationMirror[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(mirrors.map((m) => m.close()));
    for (const client of opened) client.destroy();
    await redis?.close();
  });

  const kinds: [string, () => Promise<unknown>][] = [
    [
      'node-redis 5 (RESP 2)',
      async () =>
        createClient5({ url: redis.url, disableOfflineQueue: true })
          .on('error', () => {})
          .connect(),
    ],
    [
      'node-redis 6 (RESP 3)',
      async () =>
        createClient6({ url: redis.url, disableOfflineQueue: true })
          .on('error', () => {})
          .connect(),
    ],
    [
      'node-redis 6 (RESP 2)',
      async () =>
        createClient6({ url: redis.url, RESP: 2, disableOfflineQueue: true })
          .on('error', () => {})
          .connect(),
    ],
    [
      'node-redis 6 with Buffer replies',
      async () =>
        createClient6({
          url: redis.url,
          disableOfflineQueue: true,
          commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: Buffer } },
        })
          .on('error', () => {})
          .connect(),
    ],
  ];

  it.each(kinds)('replay store, revocations and mirror work on %s', async (name, connect) => {
    const client = (await connect()) as RedisConnection & { destroy(): void };
    opened.push(client);
    const prefix = `${name.replace(/\W+/g, '-')}:`;
    const store = new RedisReplayStore({ client, keyPrefix: prefix });
    expect([await store.useOnce('t:j', 60_000), await store.useOnce('t:j', 60_000)]).toEqual([true, false]);

    const revocations = new RedisRevocations({ client, keyPrefix: prefix });
    const mirror = new RedisRevocationMirror({ client, keyPrefix: prefix });
    mirrors.push(mirror);
    await mirror.ready();
    const rule = await revocations.revoke({ sub: 'alice', iss: 'https://i.example' });
    expect(await revocations.list()).toEqual([rule]);
    const claims = { iss: 'https://i.example', sub: 'alice', iat: Math.floor(Date.now() / 1000) - 10 };
    await eventually(() => mirror.revoked(claims, Date.now()) !== undefined, 2000, 1);
    expect(await revocations.unrevoke({ sub: 'alice', iss: 'https://i.example' })).toBe(true);
    await eventually(() => mirror.revoked(claims, Date.now()) === undefined, 2000, 1);
    expect(mirror.state()).toMatchObject({ status: 'ok', rules: 0 });
  });
});
