import { createHmac } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier, type VerifierOptions } from './index.js';
import { manualClock } from './testing/clock.js';
import { startJwksServer, type JwksServer } from './testing/jwks-server.mjs';
import { makeKey, sign, type TestKey } from './testing/keys.js';
import { TokenCache, type CachedVerification } from './token-cache.js';

const AUD = 'orders';
const SECRET = 'a-shared-migration-secret-of-32+-bytes!';
let rs: TestKey;
let es: TestKey;
let server: JwksServer;
const open: Verifier[] = [];

beforeAll(() => {
  rs = makeKey('RS256', 'rs');
  es = makeKey('ES256', 'es');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
  await server?.close();
});

const clock = manualClock(Date.UTC(2026, 11, 1));
const nowSec = () => Math.floor(clock.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  aud: AUD,
  exp: nowSec() + 7 * 86_400,
  iat: nowSec(),
  sub: 'u1',
  scope: 'orders:read',
  ...extra,
});

async function make(options: Partial<VerifierOptions> = {}): Promise<Verifier> {
  server = await startJwksServer({ keys: [rs.publicJwk, es.publicJwk] });
  server.cacheControl = 'max-age=60';
  const v = createVerifier({
    jwksUri: server.jwksUri,
    audience: AUD,
    algorithms: ['RS256', 'ES256'],
    tokenCache: true,
    clock: clock.now,
    ...options,
  });
  open.push(v);
  return v;
}

function hs256(payload: Record<string, unknown>): string {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')}`;
}

describe('a token-cache hit obeys the key set freshness rules of a miss', () => {
  it('refuses a cached token once its key has left a JWKS past max-age, with only cached tokens arriving', async () => {
    const v = await make();
    const removed: unknown[] = [];
    v.on('keys:removed', (e) => removed.push(e));
    const token = await sign(es, claims());
    await v.verify(token);
    await expect(v.verify(token)).resolves.toMatchObject({ cached: true });
    server.keys = [rs.publicJwk];
    clock.advance(61_000);
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(removed).toEqual([{ jwksUri: server.jwksUri, kids: ['es'] }]);
    expect(v.health().sources[0]?.status).toBe('fresh');
    expect(v.stats().tokenCache).toEqual({ hits: 1, size: 0 });
  });

  it('keeps serving a cached token while the refresh fails (stale-if-error), and refuses it once the stale set is dropped', async () => {
    const v = await make({ jwks: { maxStaleSec: 3600 } });
    const removed: unknown[] = [];
    v.on('keys:removed', (e) => removed.push(e));
    const token = await sign(es, claims());
    await v.verify(token);
    server.jwksBehaviour = { kind: 'status', status: 500 };
    clock.advance(61_000);
    await expect(v.verify(token)).resolves.toMatchObject({ cached: true });
    expect(v.health().sources[0]?.status).toBe('stale');
    expect(server.counts.jwks).toBe(2);
    clock.advance(3600_000);
    await expect(v.verify(token)).rejects.toMatchObject({ status: 503 });
    expect(removed).toEqual([{ jwksUri: server.jwksUri, kids: ['rs', 'es'] }]);
  });

  it('refuses a cached HS256 token once the migration window has closed', async () => {
    const notAfter = clock.now() + 60_000;
    const v = await make({ algorithms: ['RS256', 'HS256'], hs256: { secrets: [SECRET], notAfter } });
    const token = hs256(claims());
    await v.verify(token);
    await expect(v.verify(token)).resolves.toMatchObject({ cached: true, keySource: 'secret' });
    clock.advance(60_001);
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
    expect(server.counts.jwks).toBe(0);
  });

  it('runs an async custom check on every hit, so a check that starts refusing refuses cached tokens too', async () => {
    const banned = new Set<string>();
    let checks = 0;
    const v = await make({
      checkClaims: async (c) => {
        checks++;
        await Promise.resolve();
        if (banned.has(String(c.sub))) throw new Error('banned');
      },
    });
    const token = await sign(rs, claims());
    await v.verify(token);
    await expect(v.verify(token)).resolves.toMatchObject({ cached: true });
    banned.add('u1');
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_CLAIM_CHECK_FAILED' });
    expect(checks).toBe(3);
    expect(v.stats().tokenCache?.hits).toBe(1);
  });
});

describe('verified claims are immutable', () => {
  it('hands out deep-frozen claims: a handler cannot change what the next request with the token sees', async () => {
    const v = await make();
    const token = await sign(rs, claims({ roles: ['reader'], org: { id: 'o1' } }));
    const first = await v.verify(token);
    const claimsOf = first.claims as { scope: string; roles: string[]; org: { id: string } };
    expect(() => {
      claimsOf.scope = 'orders:read admin';
    }).toThrow(TypeError);
    expect(() => claimsOf.roles.push('admin')).toThrow(TypeError);
    expect(() => {
      claimsOf.org.id = 'o2';
    }).toThrow(TypeError);
    const hit = await v.verify(token);
    expect(hit.cached).toBe(true);
    expect(hit.claims).toEqual(claims({ roles: ['reader'], org: { id: 'o1' } }));
    expect(Object.isFrozen(hit)).toBe(true);
  });
});

describe('TokenCache', () => {
  /** An entry for `token` that only its expiry tells apart; the cache never looks inside the rest. */
  const entry = (token: string, expMs = Number.POSITIVE_INFINITY) =>
    ({ token, expMs }) as unknown as CachedVerification;

  it('drops the least recently used entry when full, a hit counting as a use', () => {
    const cache = new TokenCache(3);
    for (const t of ['a', 'b', 'c']) cache.set(entry(t));
    expect(cache.get('a', 0)).toBeDefined(); // a is now the most recently used: b is the oldest
    cache.set(entry('d'));
    expect([cache.size, cache.get('b', 0)]).toEqual([3, undefined]);
    cache.set(entry('e')); // c is the oldest now
    expect([cache.get('c', 0), cache.get('a', 0) !== undefined, cache.get('d', 0) !== undefined]).toEqual([
      undefined,
      true,
      true,
    ]);
  });

  it('moves a re-stored token to the end instead of storing it twice, and drops an expired entry on get', () => {
    const cache = new TokenCache(2);
    cache.set(entry('a'));
    cache.set(entry('b', 1000));
    cache.set(entry('a')); // b is now the oldest
    expect(cache.size).toBe(2);
    expect(cache.get('b', 999)).toBeDefined();
    expect([cache.get('b', 1000), cache.size]).toEqual([undefined, 1]);
    cache.delete('a');
    cache.delete('a');
    expect(cache.size).toBe(0);
  });

  it('admits every token while there is room, then a token only on its second coming', () => {
    const cache = new TokenCache(4);
    expect(cache.admits('t1')).toBe(true);
    for (const t of ['t1', 't2', 't2b', 't2c']) cache.set(entry(t));
    expect([cache.admits('t3.sig-three'), cache.admits('t4.sig-four'), cache.admits('t3.sig-three')]).toEqual([
      false,
      false,
      true,
    ]);
    cache.clear();
    expect([cache.size, cache.admits('t5')]).toEqual([0, true]);
  });

  it('keys by a fingerprint of the end of a token but answers, and drops, only for the whole token', () => {
    const cache = new TokenCache(4);
    const signature = 'S'.repeat(40);
    const kept = `header.payload-a.${signature}`;
    const other = `header.payload-b.${signature}`;
    cache.set(entry(kept));
    expect([cache.get(other, 0), cache.get(kept, 0)?.token]).toEqual([undefined, kept]);
    // A refused token that ends like a cached one must not evict it.
    cache.delete(other);
    expect([cache.size, cache.get(kept, 0)?.token]).toEqual([1, kept]);
    // The most recently used entry is served without a lookup, and forgotten with it.
    cache.delete(kept);
    expect([cache.get(kept, 0), cache.size]).toEqual([undefined, 0]);
    // A token shorter than the fingerprint's reach works too.
    cache.set(entry('a.b.c'));
    expect([cache.get('a.b.c', 0)?.token, cache.size]).toEqual(['a.b.c', 1]);
  });
});
