import { ConfigError } from '@tollgate/core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';
import { RedisUnavailableError } from './errors.js';
import { RedisRevocations } from './revocations.js';
import { closeClients, connectClient, eventually, type TestClient } from './test-support.js';

const T0 = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);

describeRedis('RedisRevocations (the shared list in Redis)', () => {
  let redis: TestRedisServer;
  let client: TestClient;
  let listener: TestClient;
  const messages: unknown[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    [client, listener] = await Promise.all([connectClient(redis.url), connectClient(redis.url)]);
    await listener.subscribe('tollgate:{revocation}:events', (message) => void messages.push(JSON.parse(message)));
  });
  beforeEach(async () => {
    await client.flushAll();
    messages.length = 0;
  });
  afterAll(async () => {
    await closeClients();
    await redis?.close();
  });

  const admin = (options: Partial<ConstructorParameters<typeof RedisRevocations>[0]> = {}) =>
    new RedisRevocations({ client, clock: () => T0, ...options });

  it('stores each rule under {revocation}-tagged keys with its expiry, bumps the version and publishes the change', async () => {
    const revocations = admin({ expiryMarginMs: 0, ruleLifetimeMs: HOUR });
    const rule = await revocations.revoke({ sub: 'alice', iss: 'https://i.example' });
    expect(rule).toEqual({
      kind: 'sub',
      sub: 'alice',
      iss: 'https://i.example',
      issuedBeforeMs: T0,
      expiresAtMs: T0 + HOUR,
    });
    expect(await client.hGetAll('tollgate:{revocation}:rules')).toEqual({
      'sub:https%3A%2F%2Fi.example:alice': JSON.stringify(rule),
    });
    expect(await client.zRangeWithScores('tollgate:{revocation}:expiry', 0, -1)).toEqual([
      { value: 'sub:https%3A%2F%2Fi.example:alice', score: T0 + HOUR },
    ]);
    // The keys vanish with their last rule (T0 is in 2030, so a positive TTL).
    expect(await client.pExpireTime('tollgate:{revocation}:rules')).toBe(T0 + HOUR);
    const meta = await client.hGetAll('tollgate:{revocation}:meta');
    expect(meta.version).toBe('1');
    await eventually(() => messages.length === 1);
    expect(messages).toEqual([{ epoch: meta.epoch, version: 1, op: 'revoke', rule }]);
    expect(revocations.keys).toMatchObject({
      rules: 'tollgate:{revocation}:rules',
      expiry: 'tollgate:{revocation}:expiry',
      meta: 'tollgate:{revocation}:meta',
      channel: 'tollgate:{revocation}:events',
    });
  });

  it('extends a rule revoked again, never narrows it, in Redis as in memory', async () => {
    let now = T0;
    const revocations = admin({ clock: () => now, expiryMarginMs: 0, ruleLifetimeMs: HOUR });
    await revocations.revoke({ sub: 'alice' });
    now += HOUR;
    const later = await revocations.revoke({ sub: 'alice' });
    expect(later).toEqual({ kind: 'sub', sub: 'alice', issuedBeforeMs: T0 + HOUR, expiresAtMs: T0 + 2 * HOUR });
    // An earlier cut-off with a longer life: each field keeps its later value.
    const merged = await revocations.revoke({ sub: 'alice', before: new Date(T0), lifetimeMs: 5 * HOUR });
    expect(merged).toEqual({ kind: 'sub', sub: 'alice', issuedBeforeMs: T0 + HOUR, expiresAtMs: T0 + 5 * HOUR });
    expect(await revocations.list()).toEqual([merged]);
    const jti = await revocations.revoke({ jti: 'j1', exp: sec(T0) + 600 });
    expect(await revocations.revoke({ jti: 'j1', exp: sec(T0) + 60 })).toEqual(jti);
  });

  it('drops expired rules on the next write, by Redis time', async () => {
    const revocations = admin({ clock: Date.now, expiryMarginMs: 0 });
    await revocations.revoke({ jti: 'gone', exp: sec(Date.now()) - 10 });
    await revocations.revoke({ jti: 'kept', exp: sec(Date.now()) + 600 });
    expect(Object.keys(await client.hGetAll('tollgate:{revocation}:rules'))).toEqual(['jti::kept']);
    expect(await client.zRange('tollgate:{revocation}:expiry', 0, -1)).toEqual(['jti::kept']);
  });

  it('unrevokes, lists and reads a versioned snapshot', async () => {
    const revocations = admin();
    await revocations.revoke({ sub: 'alice' });
    const client1 = await revocations.revoke({ clientId: 'app', iss: 'https://i.example' });
    expect(await revocations.unrevoke({ sub: 'alice' })).toBe(true);
    expect(await revocations.unrevoke({ sub: 'alice' })).toBe(false);
    expect(await revocations.unrevoke({ clientId: 'app' })).toBe(false);
    expect(await revocations.list()).toEqual([client1]);
    const snapshot = await revocations.snapshot();
    expect(snapshot).toEqual({ epoch: expect.any(String), version: 5, rules: [client1], skipped: 0 });
    expect(await revocations.version()).toEqual({ epoch: snapshot.epoch, version: 5 });
    await eventually(() => messages.length === 5);
    expect(messages.map((m) => (m as { op: string }).op)).toEqual([
      'revoke',
      'revoke',
      'unrevoke',
      'unrevoke',
      'unrevoke',
    ]);
    expect(messages[2]).toEqual({ epoch: snapshot.epoch, version: 3, op: 'unrevoke', selector: { sub: 'alice' } });
  });

  it('skips entries that are not rules, counting them', async () => {
    const revocations = admin();
    const rule = await revocations.revoke({ sub: 'alice' });
    await client.hSet('tollgate:{revocation}:rules', { junk: 'not json', other: '{"kind":"sub"}' });
    expect(await revocations.snapshot()).toMatchObject({ rules: [rule], skipped: 2 });
  });

  it('reports an empty list with epoch "" and version 0 before any write', async () => {
    expect(await admin().snapshot()).toEqual({ epoch: '', version: 0, rules: [], skipped: 0 });
  });

  it('refuses a bad request before asking Redis, and bad options at construction', async () => {
    await expect(admin().revoke({ jti: 'x' } as never)).rejects.toThrow(TypeError);
    expect(await client.exists('tollgate:{revocation}:meta')).toBe(0);
    expect(() => new RedisRevocations({ client, keyPrefix: '{x}', timeoutMs: 0, ruleLifetimeMs: -1 })).toThrow(
      ConfigError,
    );
  });

  it('fails with RedisUnavailableError when Redis cannot answer', async () => {
    const revocations = admin({ timeoutMs: 100 });
    await listener.sendCommand(['CLIENT', 'PAUSE', '500', 'WRITE']);
    const error = await revocations.revoke({ sub: 'alice' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE', reason: 'timeout', operation: 'revocation write' });
    expect(error).toBeInstanceOf(RedisUnavailableError);
    await listener.sendCommand(['CLIENT', 'UNPAUSE']);
  });
});
