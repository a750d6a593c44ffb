import { randomBytes } from 'node:crypto';
import { ConfigError } from '@tollgate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';
import { RedisUnavailableError } from './errors.js';
import { RedisKeyStore, RedisKeyStoreConflictError, type IssuerStoredKey } from './key-store.js';
import { closeClients, connectClient, type TestClient } from './test-support.js';

// Key material the store treats as opaque JSON: the issuer's own tests prove it signs with it.
const KEY_A: IssuerStoredKey = {
  kid: '2026-01-05',
  alg: 'ES256',
  createdAt: '2026-01-05T10:00:00.000Z',
  privateJwk: { kty: 'EC', crv: 'P-256', x: 'x-a', y: 'y-a', d: 'secret-d-of-key-a' },
};
const KEY_B: IssuerStoredKey = {
  kid: '2026-04-06',
  alg: 'RS256',
  createdAt: '2026-04-06T10:00:00.000Z',
  privateJwk: { kty: 'RSA', n: 'n-b', e: 'AQAB', d: 'secret-d-of-key-b' },
};
const RETIRED_A: IssuerStoredKey = { ...KEY_A, retiredAt: '2026-04-06T10:00:00.000Z' };

describeRedis('RedisKeyStore', () => {
  let redis: TestRedisServer;
  let client: TestClient;
  let tenantCounter = 0;
  const tenant = () => `t${++tenantCounter}`;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connectClient(redis.url);
  });
  afterAll(async () => {
    await closeClients();
    await redis?.close();
  });

  it('stores keys with compare-and-set on a revision: null means nothing stored, a stale revision is a conflict', async () => {
    const store = new RedisKeyStore({ client });
    const t = tenant();
    expect(await store.read(t)).toBeUndefined();
    const first = await store.write(t, [KEY_A], null);
    expect(await store.read(t)).toEqual({ revision: first, keys: [KEY_A] });

    const second = await store.write(t, [KEY_B, RETIRED_A], first);
    expect(second).not.toBe(first);
    expect(await store.read(t)).toEqual({ revision: second, keys: [KEY_B, RETIRED_A] });

    // A writer that read `first` (or nothing) lost the race: nothing changes.
    const stale = await store.write(t, [KEY_A], first).catch((error: unknown) => error);
    const absent = await store.write(t, [KEY_A], null).catch((error: unknown) => error);
    for (const error of [stale, absent]) {
      expect(error).toBeInstanceOf(RedisKeyStoreConflictError);
      expect(error).toMatchObject({ code: 'ERR_ISSUER_KEY_STORE_CONFLICT', tenant: t });
    }
    expect(await store.read(t)).toEqual({ revision: second, keys: [KEY_B, RETIRED_A] });

    // Without an expected revision the write is unconditional (last writer wins).
    const third = await store.write(t, [KEY_A]);
    expect(await store.read(t)).toEqual({ revision: third, keys: [KEY_A] });
  });

  it('lets exactly one of many concurrent compare-and-set writes of the same revision through', async () => {
    const stores = await Promise.all(
      [0, 1, 2, 3].map(async () => new RedisKeyStore({ client: await connectClient(redis.url) })),
    );
    const t = tenant();
    const base = await stores[0]!.write(t, [KEY_A], null);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stores[i % 4]!.write(t, [{ ...KEY_B, kid: `k${i}` }], base).then(
          (revision) => ({ i, revision }),
          () => undefined,
        ),
      ),
    );
    const winners = outcomes.filter((o) => o !== undefined);
    expect(winners).toHaveLength(1);
    expect(await stores[1]!.read(t)).toEqual({
      revision: winners[0]!.revision,
      keys: [{ ...KEY_B, kid: `k${winners[0]!.i}` }],
    });
  });

  it('grants the lock to one holder at a time, with a TTL, and frees it only for the fence that holds it', async () => {
    const store = new RedisKeyStore({ client });
    const t = tenant();
    const first = await store.lock(t, 10_000);
    expect(first?.fence).toMatch(/^[\w-]{22}$/);
    expect(await store.lock(t, 10_000)).toBeUndefined();
    const ttl = await client.pTTL(`tollgate:{issuer:${t}}:lock`);
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000);

    // The first holder's lock expires (deleted here, as Redis would at its TTL); a second takes it.
    await client.del(`tollgate:{issuer:${t}}:lock`);
    const second = await store.lock(t, 10_000);
    expect(second).toBeDefined();
    await first!.release(); // late: must not free the second holder's lock
    expect(await store.lock(t, 10_000)).toBeUndefined();
    await second!.release();
    const third = await store.lock(t, 10_000);
    expect(third).toBeDefined();
    await third!.release();
  });

  it("keeps a tenant's keys and lock under one hash tag, named by the prefix", async () => {
    const store = new RedisKeyStore({ client, keyPrefix: 'fleet-a:' });
    const t = tenant();
    await store.write(t, [KEY_A], null);
    const lock = await store.lock(t, 5_000);
    expect((await client.keys(`fleet-a:*${t}*`)).sort()).toEqual([
      `fleet-a:{issuer:${t}}:keys`,
      `fleet-a:{issuer:${t}}:lock`,
    ]);
    await lock!.release();
    // Another prefix is another fleet: it sees nothing.
    expect(await new RedisKeyStore({ client, keyPrefix: 'fleet-b:' }).read(t)).toBeUndefined();
  });

  it('encrypts the private keys with AES-256-GCM when given encryption keys, and refuses what it cannot trust', async () => {
    const secret = randomBytes(32);
    const store = new RedisKeyStore({ client, encryptionKeys: [secret] });
    const t = tenant();
    const revision = await store.write(t, [KEY_A, KEY_B], null);
    const raw = await client.hGet(`tollgate:{issuer:${t}}:keys`, 'keys');
    expect(raw).toMatch(/^\{"v":1,"alg":"A256GCM",/);
    for (const secretPart of ['secret-d-of-key', 'privateJwk', KEY_A.kid]) expect(raw).not.toContain(secretPart);
    expect(await store.read(t)).toEqual({ revision, keys: [KEY_A, KEY_B] });

    // A new encryption key first, the old one kept: old records still open, new ones use the new key.
    const rotated = new RedisKeyStore({ client, encryptionKeys: [randomBytes(32), secret] });
    expect((await rotated.read(t))?.keys).toEqual([KEY_A, KEY_B]);

    const errors = async (s: RedisKeyStore, name: string) =>
      (await s.read(name).then(
        () => undefined,
        (error: Error) => error.message,
      )) ?? 'no error';
    expect(await errors(new RedisKeyStore({ client }), t)).toMatch(
      /are encrypted, but this RedisKeyStore has no encryptionKeys/,
    );
    expect(await errors(new RedisKeyStore({ client, encryptionKeys: [randomBytes(32)] }), t)).toMatch(
      /were encrypted with a key that is not among encryptionKeys/,
    );

    // The record copied under another tenant does not open there (the key name is authenticated).
    const moved = tenant();
    await client.hSet(`tollgate:{issuer:${moved}}:keys`, { revision: 'r', keys: raw! });
    expect(await errors(store, moved)).toMatch(/do not decrypt with their encryption key/);
    // A flipped bit in the ciphertext is caught.
    const envelope = JSON.parse(raw!) as { data: string };
    const data = Buffer.from(envelope.data, 'base64url');
    data[0] = data[0]! ^ 1;
    await client.hSet(`tollgate:{issuer:${t}}:keys`, { keys: raw!.replace(envelope.data, data.toString('base64url')) });
    expect(await errors(store, t)).toMatch(/do not decrypt/);
    // Plaintext planted by someone who can write to Redis is refused when encryption is on.
    const planted = tenant();
    await new RedisKeyStore({ client }).write(planted, [KEY_A], null);
    expect(await errors(store, planted)).toMatch(/are not encrypted, but this RedisKeyStore requires encryption/);
  });

  it('refuses a malformed record with a sentence naming the field, never handing it to the issuer', async () => {
    const store = new RedisKeyStore({ client });
    const cases: [unknown, RegExp][] = [
      ['not json', /not valid JSON/],
      [JSON.stringify({ keys: [] }), /expected a JSON array/],
      [JSON.stringify([{ ...KEY_A, kid: '' }]), /keys\[0\]\.kid must be a non-empty string/],
      [JSON.stringify([KEY_A, { ...KEY_B, alg: 'HS256' }]), /keys\[1\]\.alg must be RS256, ES256 or EdDSA/],
      [JSON.stringify([{ ...KEY_A, createdAt: 'yesterday' }]), /keys\[0\]\.createdAt must be an ISO date/],
      [JSON.stringify([{ ...KEY_A, retiredAt: 5 }]), /keys\[0\]\.retiredAt must be an ISO date/],
      [JSON.stringify([{ ...KEY_A, privateJwk: 'pem' }]), /keys\[0\]\.privateJwk must be an object/],
    ];
    const messages: string[] = [];
    for (const [value, expected] of cases) {
      const t = tenant();
      await client.hSet(`tollgate:{issuer:${t}}:keys`, { revision: 'r', keys: value as string });
      const message = await store.read(t).then(
        () => 'no error',
        (error: Error) => error.message,
      );
      expect(message).toMatch(expected);
      messages.push(message);
    }
    expect(messages.join(' ')).not.toContain('secret-d');
  });

  it('fails fast with RedisUnavailableError while Redis is down; a release then resolves (the lock expires by itself)', async () => {
    const own = await startRedisServer();
    try {
      const c = await connectClient(own.url);
      const store = new RedisKeyStore({ client: c });
      const lock = await store.lock('t', 10_000);
      await own.stop();
      const started = Date.now();
      await expect(store.read('t')).rejects.toMatchObject({
        code: 'ERR_REDIS_UNAVAILABLE',
        operation: 'key store read',
      });
      await expect(store.write('t', [KEY_A], null)).rejects.toBeInstanceOf(RedisUnavailableError);
      await expect(store.lock('t', 10_000)).rejects.toMatchObject({ operation: 'key store lock' });
      await expect(lock!.release()).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await own.close();
    }
  });

  it('refuses bad options at construction, listing every problem, and bad tenant names per call', async () => {
    let error: unknown;
    try {
      new RedisKeyStore({ client: {} as never, keyPrefix: 'a{b}', timeoutMs: 0, encryptionKeys: [randomBytes(16)] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /client must be a node-redis connection.*keyPrefix must not contain.*timeoutMs must be a number.*encryptionKeys must be a list of 32-byte keys/,
    );
    const store = new RedisKeyStore({ client });
    await expect(store.read('a}{b')).rejects.toThrow(/without "\{" or "\}"/);
    await expect(store.lock('t', 0)).rejects.toThrow(/positive ttlMs/);
  });
});
