import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestClock } from './clock.js';
import { createFileKeyStore, createMemoryKeyStore, isKeyStoreConflict, type KeyStore } from './key-store.js';
import { DAY_MS, startIssuer } from './test-support.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-keys-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const isWindows = process.platform === 'win32';

describe('file key store', () => {
  it('writes one 0600 file per tenant in a 0700 directory, with no temporary files left', async () => {
    const keyDir = join(dir, 'keys');
    const issuer = await startIssuer({ keyDir, algorithm: 'ES256' });
    const [key] = await issuer.keys();
    expect(await readdir(keyDir)).toEqual(['default.keys.json']);
    if (!isWindows) {
      expect((await stat(join(keyDir, 'default.keys.json'))).mode & 0o777).toBe(0o600);
      expect((await stat(keyDir)).mode & 0o777).toBe(0o700);
    }
    const content = JSON.parse(await readFile(join(keyDir, 'default.keys.json'), 'utf8')) as Record<string, unknown>;
    expect(content).toMatchObject({
      version: 1,
      tenant: 'default',
      keys: [{ kid: key!.kid, alg: 'ES256', privateJwk: { kty: 'EC', crv: 'P-256' } }],
    });
    expect((content.keys as { privateJwk: { d?: string } }[])[0]!.privateJwk.d).toEqual(expect.any(String));
    await issuer.rotate();
    await issuer.rotate();
    expect(await readdir(keyDir)).toEqual(['default.keys.json']);
  });

  it('keeps keys across a restart on the same port, so tokens signed before it still verify', async () => {
    const first = await startIssuer({ keyDir: dir });
    const token = await first.sign();
    const kid = decodeProtectedHeader(token).kid;
    const { port, jwksUri, issuerUrl } = first;
    await first.close();
    await expect(fetch(jwksUri)).rejects.toThrow();

    const second = await startIssuer({ keyDir: dir, port });
    expect(second.jwksUri).toBe(jwksUri);
    // A fresh key set, as a verifier that starts after the restart would have.
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(second.jwksUri)), {
      issuer: issuerUrl,
      audience: 'api://default',
    });
    expect(payload.sub).toBe('test-user');
    expect(decodeProtectedHeader(await second.sign()).kid).toBe(kid);
    expect((await second.keys()).map((k) => k.kid)).toEqual([kid]);
  });

  it('persists retirement, so the grace period continues after a restart', async () => {
    const clock = createTestClock('2025-11-24T08:00:00Z');
    const first = await startIssuer({ keyDir: dir, clock });
    const oldToken = await first.sign({}, { expiresInSec: 3 * 86_400 });
    await first.rotate();
    await first.close();

    clock.advance(DAY_MS / 2);
    const second = await startIssuer({ keyDir: dir, clock });
    expect((await second.keys()).map((k) => [k.kid, k.status])).toEqual([
      ['2025-11-24-2', 'active'],
      ['2025-11-24', 'retired'],
    ]);
    const jwks = (await (await fetch(second.jwksUri)).json()) as JSONWebKeySet;
    await jwtVerify(oldToken, createLocalJWKSet(jwks), { currentDate: new Date(clock.now()) });
    clock.advance(DAY_MS);
    expect((await second.keys()).map((k) => k.kid)).toEqual(['2025-11-24-2']);
    const stored = JSON.parse(await readFile(join(dir, 'default.keys.json'), 'utf8')) as { keys: { kid: string }[] };
    expect(stored.keys.map((k) => k.kid)).toEqual(['2025-11-24-2']);
  });

  it('publishes keys another process added to the same directory (serve + token workflow)', async () => {
    const server = await startIssuer({ keyDir: dir });
    const minter = await startIssuer({ keyDir: dir });
    // The minter sees the server's key, so its tokens verify against the server's JWKS.
    expect(decodeProtectedHeader(await minter.sign()).kid).toBe((await server.keys())[0]!.kid);
    // A key the minter creates shows up in the server's JWKS on its next request.
    const esToken = await minter.sign({}, { alg: 'ES256' });
    const { payload } = await jwtVerify(esToken, createRemoteJWKSet(new URL(server.jwksUri)), {
      audience: 'api://default',
    });
    expect(payload.iss).toBe(minter.issuerUrl);
    expect((await server.keys()).map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  });

  it('refuses to start on a corrupt key file instead of silently replacing the keys', async () => {
    await writeFile(join(dir, 'default.keys.json'), '{ not json');
    await expect(startIssuer({ keyDir: dir })).rejects.toThrow(/key file .*default\.keys\.json is not valid JSON/);
    await writeFile(
      join(dir, 'default.keys.json'),
      JSON.stringify({ version: 1, tenant: 'default', keys: [{ kid: 'k', alg: 'RS512' }] }),
    );
    await expect(startIssuer({ keyDir: dir })).rejects.toThrow(/keys\[0\]\.alg must be RS256, ES256 or EdDSA/);
    await writeFile(
      join(dir, 'default.keys.json'),
      JSON.stringify({
        version: 1,
        tenant: 'default',
        keys: [{ kid: 'k', alg: 'RS256', createdAt: '2025-01-01T00:00:00Z', privateJwk: { kty: 'RSA' } }],
      }),
    );
    await expect(startIssuer({ keyDir: dir })).rejects.toThrow(/stored key "k" cannot be used/);
  });

  it('keeps HS256 secrets out of the key files', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!';
    const issuer = await startIssuer({
      keyDir: dir,
      tenants: [{ name: 'hs', algorithm: 'HS256', hs256Secret: secret }, { name: 'rs' }],
    });
    await issuer.sign({}, { tenant: 'hs' });
    expect((await readdir(dir)).sort()).toEqual(['rs.keys.json']);
    expect(await readFile(join(dir, 'rs.keys.json'), 'utf8')).not.toContain(secret);
  });

  it('reads back what it wrote, and nothing for an unknown tenant', async () => {
    const store = createFileKeyStore(dir);
    expect(await store.read('nobody')).toBeUndefined();
    const keys = [
      {
        kid: 'k',
        alg: 'EdDSA' as const,
        createdAt: '2025-01-01T00:00:00.000Z',
        privateJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' },
      },
    ];
    const revision = await store.write('t', keys);
    expect(await store.read('t')).toEqual({ revision, keys });
  });
});

describe('issuer replicas sharing one store', () => {
  /** Counts successful writes, so "rotated once" is a number, not an impression. */
  function countingWrites(base: KeyStore) {
    const counts = { writes: 0, conflicts: 0 };
    const store: KeyStore = {
      read: (tenant) => base.read(tenant),
      write: (tenant, keys, expected) =>
        base.write(tenant, keys, expected).then(
          (revision) => (counts.writes++, revision),
          (err: unknown) => {
            if (isKeyStoreConflict(err)) counts.conflicts++;
            throw err;
          },
        ),
      lock: (tenant, ttlMs) => base.lock!(tenant, ttlMs),
    };
    return { store, counts };
  }
  const jwksText = async (issuer: { jwksUri: string }) => (await fetch(issuer.jwksUri)).text();

  it('start together with one key, rotate once at the same instant, serve the same JWKS; a later replica picks the keys up', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const { store: keyStore, counts } = countingWrites(createMemoryKeyStore({ clock }));
    const [a, b] = await Promise.all([
      startIssuer({ clock, keyStore, algorithm: 'ES256' }),
      startIssuer({ clock, keyStore, algorithm: 'ES256' }),
    ]);
    expect(counts.writes).toBe(1);
    expect((await a.keys()).map((k) => k.kid)).toEqual(['2026-01-05']);
    expect(await jwksText(b)).toBe(await jwksText(a));

    clock.advance(91 * DAY_MS);
    // Both replicas see the key is over age at the same instant, through every kind of key operation.
    const [tokenA, tokenB] = await Promise.all([
      a.sign(),
      b.sign(),
      fetch(a.jwksUri),
      fetch(b.jwksUri),
      a.keys(),
      b.keys(),
    ]);
    expect(counts.writes).toBe(2);
    const stored = (await keyStore.read('default'))!.keys;
    expect(stored.map((k) => [k.kid, k.retiredAt ?? 'active'])).toEqual([
      ['2026-04-06', 'active'],
      ['2026-01-05', '2026-04-06T10:00:00.000Z'],
    ]);
    expect(await jwksText(b)).toBe(await jwksText(a));
    expect(decodeProtectedHeader(tokenA).kid).toBe('2026-04-06');
    expect(decodeProtectedHeader(tokenB).kid).toBe('2026-04-06');
    const jwks = createLocalJWKSet((await (await fetch(a.jwksUri)).json()) as JSONWebKeySet);
    for (const token of [tokenA, tokenB]) await jwtVerify(token, jwks, { currentDate: new Date(clock.now()) });

    const c = await startIssuer({ clock, keyStore, algorithm: 'ES256' });
    expect(counts.writes).toBe(2);
    expect(await jwksText(c)).toBe(await jwksText(a));
    expect(decodeProtectedHeader(await c.sign()).kid).toBe('2026-04-06');
  });

  it('a rotation through one replica is what every replica signs with next', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const keyStore = createMemoryKeyStore({ clock });
    const a = await startIssuer({ clock, keyStore, algorithm: 'ES256' });
    const b = await startIssuer({ clock, keyStore, algorithm: 'ES256' });
    const rotated = await a.rotate();
    expect(decodeProtectedHeader(await b.sign()).kid).toBe(rotated.kid);
    expect(await jwksText(b)).toBe(await jwksText(a));
  });

  it('file store: writes compare the revision, so a stale writer gets a conflict', async () => {
    const store = createFileKeyStore(dir);
    const first = await store.write('t', [], null);
    await expect(store.write('t', [], null)).rejects.toMatchObject({ code: 'ERR_ISSUER_KEY_STORE_CONFLICT' });
    await expect(store.write('t', [], 'stale')).rejects.toMatchObject({ code: 'ERR_ISSUER_KEY_STORE_CONFLICT' });
    expect(await store.write('t', [], first)).toEqual(expect.any(String));
  });
});

describe('stop, start and restart on the same port', () => {
  it('refuses connections while stopped and serves the same keys after start()', async () => {
    const issuer = await startIssuer();
    const token = await issuer.sign();
    const before = await (await fetch(issuer.jwksUri)).text();
    await issuer.stop();
    expect(issuer.listening).toBe(false);
    const refused = await fetch(issuer.jwksUri).catch((err: unknown) => err as Error & { cause?: { code?: string } });
    expect(refused).toBeInstanceOf(Error);
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await issuer.start();
    expect(issuer.listening).toBe(true);
    expect(await (await fetch(issuer.jwksUri)).text()).toBe(before);
    await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)));
    await issuer.close();
    await expect(issuer.start()).rejects.toThrow(/closed/);
  });

  it('restarts a closed issuer on its port with a shared memory store', async () => {
    const keyStore = createMemoryKeyStore();
    const first = await startIssuer({ keyStore });
    const token = await first.sign();
    await first.close();
    const second = await startIssuer({ keyStore, port: first.port });
    await jwtVerify(token, createRemoteJWKSet(new URL(second.jwksUri)), { issuer: first.issuerUrl });
  });

  it('closes keep-alive connections on close()', async () => {
    const issuer = await startIssuer();
    // undici's global fetch keeps the connection alive; close() must not wait for it to idle out.
    await (await fetch(issuer.jwksUri)).text();
    const started = Date.now();
    await issuer.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
