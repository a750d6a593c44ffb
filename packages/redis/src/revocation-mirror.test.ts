import { ConfigError, type JwtClaims } from '@tollgate/core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';
import { RedisRevocationMirror, type RevocationMirrorOptions } from './revocation-mirror.js';
import { RedisRevocations } from './revocations.js';
import { closeClients, connectClient, eventually, type TestClient } from './test-support.js';

const nowSec = () => Math.floor(Date.now() / 1000);
const token = (claims: Partial<JwtClaims> = {}): JwtClaims => ({
  iss: 'https://i.example',
  sub: 'alice',
  iat: nowSec() - 60,
  exp: nowSec() + 600,
  jti: 'token-1',
  ...claims,
});

const mirrors = new Set<RedisRevocationMirror>();
function mirror(options: RevocationMirrorOptions): RedisRevocationMirror {
  const m = new RedisRevocationMirror(options);
  mirrors.add(m);
  return m;
}
async function closeMirrors() {
  await Promise.all([...mirrors].map((m) => m.close()));
  mirrors.clear();
}

/** Spins on the event loop (no timer granularity) until the mirror refuses `claims`; ms taken. */
function whenRefused(m: RedisRevocationMirror, claims: JwtClaims, started: number, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const spin = () => {
      if (m.revoked(claims, Date.now()) !== undefined) resolve(performance.now() - started);
      else if (performance.now() - started > timeoutMs)
        reject(new Error('revocation did not reach the mirror in time'));
      else setImmediate(spin);
    };
    spin();
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describeRedis('RedisRevocationMirror', () => {
  let redis: TestRedisServer;
  let writerClient: TestClient;
  let mirrorClient: TestClient;
  let writer: RedisRevocations;
  beforeAll(async () => {
    redis = await startRedisServer();
    // The writer and the mirror use different connections, as two replicas would.
    [writerClient, mirrorClient] = await Promise.all([connectClient(redis.url), connectClient(redis.url)]);
    writer = new RedisRevocations({ client: writerClient });
  });
  afterEach(async () => {
    await closeMirrors();
    await writerClient.flushAll();
  });
  afterAll(async () => {
    await closeClients();
    await redis?.close();
  });

  it('starts degraded, then reads the list and is current once subscribed', async () => {
    const before = await writer.revoke({ sub: 'alice' });
    const m = mirror({ client: mirrorClient });
    expect(m.state()).toMatchObject({
      status: 'degraded',
      rules: 0,
      syncedAt: null,
      lastError: 'not synchronised with Redis yet',
    });
    await m.ready();
    expect(m.state()).toEqual({
      status: 'ok',
      rules: 1,
      syncedAt: expect.any(Number),
      degradedSince: null,
      lastError: undefined,
    });
    expect(m.revoked(token(), Date.now())).toEqual(before);
    expect(m.revoked(token({ sub: 'bob' }), Date.now())).toBeUndefined();
  });

  it('applies revocations and unrevocations written through another connection', async () => {
    const m = mirror({ client: mirrorClient });
    await m.ready();
    const rule = await writer.revoke({ jti: 'token-1', exp: nowSec() + 600 });
    await whenRefused(m, token(), performance.now());
    expect(m.revoked(token(), Date.now())).toEqual(rule);
    await writer.unrevoke({ jti: 'token-1' });
    await eventually(() => m.revoked(token(), Date.now()) === undefined, 2000, 1);
    const client = await writer.revoke({ clientId: 'partner', iss: 'https://i.example' });
    await eventually(() => m.revoked(token({ azp: 'partner' }), Date.now()) !== undefined, 2000, 1);
    expect(m.rules()).toEqual([client]);
  });

  it('propagates a revocation to a mirror on another connection within a bounded time (p50/p99 over 300)', async () => {
    const m = mirror({ client: mirrorClient });
    await m.ready();
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const claims = token({ jti: `measure-${i}` });
      const started = performance.now();
      const revoked = writer.revoke({ jti: `measure-${i}`, exp: nowSec() + 600 });
      samples.push(await whenRefused(m, claims, started));
      await revoked;
    }
    samples.sort((a, b) => a - b);
    const [p50, p99, max] = [percentile(samples, 50), percentile(samples, 99), samples.at(-1)!];
    console.log(
      `revocation propagation on loopback, revoke() call to mirror refusal, n=300: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms`,
    );
    // The goal is p99 < 100 ms; the bound is generous because this machine's cores are shared.
    expect(p99).toBeLessThan(250);
    expect(m.state()).toMatchObject({ status: 'ok', rules: 300 });
  });

  it('catches up through the periodic version check when a change was not published', async () => {
    const m = mirror({ client: mirrorClient, checkIntervalMs: 150 });
    await m.ready();
    // A write that bypasses the script (and so its message): only the version check can see it.
    const rule = { kind: 'sub', sub: 'alice', issuedBeforeMs: Date.now(), expiresAtMs: Date.now() + 3_600_000 };
    await writerClient.hSet('tollgate:{revocation}:rules', 'sub::alice', JSON.stringify(rule));
    await writerClient.hIncrBy('tollgate:{revocation}:meta', 'version', 1);
    await eventually(() => m.revoked(token(), Date.now()) !== undefined, 2000);
    expect(m.rules()).toEqual([rule]);
  });

  it('resynchronises on a version gap in the messages', async () => {
    const m = mirror({ client: mirrorClient });
    await m.ready();
    await writer.revoke({ sub: 'bob' });
    await eventually(() => m.state().rules === 1, 2000, 1);
    const rule = { kind: 'sub', sub: 'alice', issuedBeforeMs: Date.now(), expiresAtMs: Date.now() + 3_600_000 };
    await writerClient.hSet('tollgate:{revocation}:rules', 'sub::alice', JSON.stringify(rule));
    const meta = await writerClient.hGetAll('tollgate:{revocation}:meta');
    await writerClient.hSet('tollgate:{revocation}:meta', 'version', '3');
    // Version 3 after 1: version 2 was missed, so the whole list is read again (alice comes with it).
    await writerClient.publish(
      'tollgate:{revocation}:events',
      JSON.stringify({
        epoch: meta.epoch,
        version: 3,
        op: 'revoke',
        rule: { kind: 'jti', jti: 'x', expiresAtMs: Date.now() + 60_000 },
      }),
    );
    await eventually(() => m.revoked(token(), Date.now()) !== undefined, 2000, 1);
  });

  it('ignores messages that are not changes', async () => {
    const m = mirror({ client: mirrorClient });
    await m.ready();
    for (const junk of [
      'not json',
      '{}',
      '{"epoch":"e","version":1,"op":"revoke","rule":{"kind":"sub"}}',
      '{"epoch":"e","version":1,"op":"drop"}',
    ]) {
      await writerClient.publish('tollgate:{revocation}:events', junk);
    }
    await writer.revoke({ sub: 'alice' });
    await eventually(() => m.state().rules === 1, 2000, 1);
    expect(m.state()).toMatchObject({ status: 'ok', rules: 1 });
  });

  it('follows Redis when it loses the list (a new epoch), and says so only through the list', async () => {
    const m = mirror({ client: mirrorClient, checkIntervalMs: 150 });
    await writer.revoke({ sub: 'alice' });
    await m.ready();
    expect(m.state().rules).toBe(1);
    await writerClient.flushAll();
    await writer.revoke({ sub: 'bob' });
    await eventually(() => m.state().rules === 1 && m.revoked(token(), Date.now()) === undefined, 2000);
    expect(m.revoked(token({ sub: 'bob' }), Date.now())).toBeDefined();
  });

  it('is degraded when Redis holds more rules than maxRules', async () => {
    await writer.revoke({ sub: 'a' });
    await writer.revoke({ sub: 'b' });
    const m = mirror({ client: mirrorClient, maxRules: 1 });
    await eventually(() => m.state().syncedAt !== null, 2000);
    expect(m.state()).toMatchObject({
      status: 'degraded',
      rules: 1,
      lastError: expect.stringContaining('more revocation rules than maxRules (1)'),
    });
  });

  it('closes only its own pub/sub connection', async () => {
    const count = async () =>
      (await writerClient.sendCommand<string>(['CLIENT', 'LIST', 'TYPE', 'pubsub'])).split('\n').filter(Boolean).length;
    const m = mirror({ client: mirrorClient });
    await m.ready();
    expect(await count()).toBe(1);
    await m.close();
    await eventually(async () => (await count()) === 0, 2000);
    expect(mirrorClient.isReady).toBe(true);
  });

  it('checks its options at construction', () => {
    expect(
      () =>
        new RedisRevocationMirror({
          client: mirrorClient,
          checkIntervalMs: 1,
          retryIntervalMs: Number.NaN,
          maxRules: 0,
        }),
    ).toThrow(ConfigError);
  });
});

describeRedis('RedisRevocationMirror through a Redis outage', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    // Persistence on: a restarted Redis keeps the list, as a production one must.
    redis = await startRedisServer({ persist: true });
  });
  afterAll(async () => {
    await closeMirrors();
    await closeClients();
    await redis?.close();
  });

  it('serves the last list while degraded, then resynchronises, including changes made while it was away', async () => {
    const writerClient = await connectClient(redis.url);
    const writer = new RedisRevocations({ client: writerClient });
    // The mirror's connection (and its pub/sub duplicate) waits 600 ms between reconnects, so the
    // writes right after the restart land while the mirror is still away.
    const mirrorClient = await connectClient(redis.url, { reconnectDelayMs: 600 });
    const m = mirror({ client: mirrorClient, retryIntervalMs: 100 });
    await m.ready();
    const alice = await writer.revoke({ sub: 'alice' });
    const carol = await writer.revoke({ sub: 'carol' });
    await eventually(() => m.state().rules === 2, 2000, 1);

    const stoppedAt = Date.now();
    await redis.stop({ kill: true });
    await eventually(() => m.state().status === 'degraded', 2000);
    const degraded = m.state();
    expect(degraded).toMatchObject({ status: 'degraded', rules: 2, lastError: expect.any(String) });
    expect(degraded.degradedSince).toBeGreaterThanOrEqual(stoppedAt);
    // The last known list keeps refusing alice while Redis is away.
    expect(m.revoked(token(), Date.now())).toEqual(alice);

    await redis.start();
    // A fresh connection writes before the mirror is back: bob revoked, alice allowed again.
    const late = await connectClient(redis.url);
    const lateWriter = new RedisRevocations({ client: late });
    const bob = await lateWriter.revoke({ sub: 'bob' });
    await lateWriter.unrevoke({ sub: 'alice' });
    expect(m.state().status).toBe('degraded');

    await eventually(() => m.state().status === 'ok', 5000);
    // carol survived the restart (persistence on); bob and alice's unrevocation came by resync.
    expect(m.rules().sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([bob, carol]);
    expect(m.revoked(token(), Date.now())).toBeUndefined();
    expect(m.state()).toMatchObject({ status: 'ok', rules: 2, degradedSince: null, lastError: undefined });
    // And it is subscribed again: a new revocation arrives by message.
    await lateWriter.revoke({ jti: 'after', exp: nowSec() + 60 });
    await eventually(() => m.revoked(token({ jti: 'after' }), Date.now()) !== undefined, 2000, 1);
  });

  it('starts without Redis: ready() times out, the mirror keeps trying and becomes current', async () => {
    await redis.stop();
    const client = await connectClient(redis.url, { lazy: true, reconnectDelayMs: 50 });
    const m = mirror({ client, retryIntervalMs: 100 });
    await expect(m.ready({ timeoutMs: 200 })).rejects.toMatchObject({
      code: 'ERR_REDIS_UNAVAILABLE',
      reason: 'timeout',
      operation: 'revocation sync',
    });
    expect(m.state().status).toBe('degraded');
    await redis.start();
    await m.ready({ timeoutMs: 5000 });
    expect(m.state().status).toBe('ok');
  });
});
