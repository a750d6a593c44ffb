import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, createVerifier, type JsonFetcher, type Verifier, type VerifierOptions } from './index.js';
import { manualClock } from './testing/clock.js';
import { startJwksServer, type JwksServer } from './testing/jwks-server.mjs';
import { makeKey, sign, type TestKey } from './testing/keys.js';

const AUD = 'orders';
let rsa: TestKey;
let rsa2: TestKey;
let server: JwksServer;
let verifier: Verifier | undefined;

beforeAll(() => {
  rsa = makeKey('RS256', 'k1');
  rsa2 = makeKey('RS256', 'k2');
});

afterEach(async () => {
  await verifier?.close();
  verifier = undefined;
  await server?.close();
});

async function setup(
  options: Partial<VerifierOptions> & { jwks?: VerifierOptions['jwks'] } = {},
  keys = [rsa.publicJwk],
) {
  server = await startJwksServer({ keys });
  verifier = createVerifier({
    jwksUri: server.jwksUri,
    audience: AUD,
    algorithms: ['RS256', 'ES256'],
    ...options,
  });
  return verifier;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  aud: AUD,
  exp: Math.floor(Date.now() / 1000) + 86_400,
  sub: 'u1',
  ...extra,
});

describe('key source from discovery', () => {
  it('finds jwks_uri through discovery and verifies; the discovered issuer must match', async () => {
    server = await startJwksServer({ keys: [rsa.publicJwk] });
    verifier = createVerifier({ issuer: server.issuer, audience: AUD, algorithms: ['RS256'] });
    const result = await verifier.verify(await sign(rsa, claims({ iss: server.issuer })));
    expect(result.kid).toBe('k1');
    expect(result.keySource).toBe('jwks');
    expect(server.counts).toMatchObject({ discovery: 1, jwks: 1 });
  });

  it('refuses a discovery document naming another issuer, and retries discovery later', async () => {
    server = await startJwksServer({ keys: [rsa.publicJwk] });
    server.discoveredIssuer = 'https://evil.example';
    const clock = manualClock(Date.now());
    verifier = createVerifier({ issuer: server.issuer, audience: AUD, algorithms: ['RS256'], clock: clock.now });
    const token = await sign(rsa, claims({ iss: server.issuer }));
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_DISCOVERY_ISSUER_MISMATCH', status: 503 });
    expect(server.counts.jwks).toBe(0);
    server.discoveredIssuer = undefined;
    clock.advance(5 * 60_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ kid: 'k1' });
    expect(server.counts.discovery).toBe(2);
  });
});

describe('fetch discipline', () => {
  it('1000 concurrent verifications on a cold cache make exactly 1 discovery and 1 JWKS request', async () => {
    server = await startJwksServer({ keys: [rsa.publicJwk] });
    verifier = createVerifier({ issuer: server.issuer, audience: AUD, algorithms: ['RS256'] });
    const token = await sign(rsa, claims({ iss: server.issuer }));
    const results = await Promise.all(Array.from({ length: 1000 }, () => verifier!.verify(token)));
    expect(new Set(results.map((r) => r.kid))).toEqual(new Set(['k1']));
    expect(results).toHaveLength(1000);
    expect(server.counts).toMatchObject({ discovery: 1, jwks: 1 });
  });

  it('5000 tokens with random unknown kids within one cooldown cost at most 1 extra request', async () => {
    const v = await setup();
    await v.ready();
    expect(server.counts.jwks).toBe(1);
    // Re-headered copies of one signed token: the kid lookup happens before any signature check.
    const [, payload, signature] = (await sign(rsa, claims())).split('.');
    const header = (kid: string) => Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url');
    const tokens = Array.from({ length: 5000 }, () => `${header(randomUUID())}.${payload}.${signature}`);
    const outcomes = await Promise.allSettled(tokens.map((t) => v.verify(t)));
    // Tallied, so a failure shows which outcomes arrived and how often.
    const tally: Record<string, number> = {};
    for (const o of outcomes) {
      const outcome = o.status === 'rejected' ? (o.reason as { code: string }).code : 'fulfilled';
      tally[outcome] = (tally[outcome] ?? 0) + 1;
    }
    expect(tally).toEqual({ ERR_KEY_NOT_FOUND: 5000 });
    expect(server.counts.jwks).toBe(2);
    expect(v.health().sources[0]?.coolingDown).toBe(true);
  });

  it('an unknown kid refetches once in the same request, so the first token after a rotation verifies', async () => {
    const v = await setup();
    await v.ready();
    server.keys = [rsa.publicJwk, rsa2.publicJwk];
    await expect(v.verify(await sign(rsa2, claims()))).resolves.toMatchObject({ kid: 'k2' });
    expect(server.counts.jwks).toBe(2);
  });

  it('fails fast during the cooldown without queueing, then refetches after it', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now, jwks: { cooldownMs: 10_000 } });
    await v.ready();
    await expect(v.verify(await sign(rsa2, claims()))).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
      status: 401,
    });
    server.keys = [rsa.publicJwk, rsa2.publicJwk];
    const k2 = await sign(rsa2, claims());
    await expect(v.verify(k2)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(server.counts.jwks).toBe(2);
    clock.advance(10_001);
    await expect(v.verify(k2)).resolves.toMatchObject({ kid: 'k2' });
    expect(server.counts.jwks).toBe(3);
  });
  it('a failed unknown-kid refetch does not start the cooldown: the kid verifies as soon as the endpoint is back', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now, jwks: { retryBaseMs: 100, retryMaxMs: 100 } });
    await v.ready();
    server.jwksBehaviour = { kind: 'status', status: 500 };
    const k2 = await sign(rsa2, claims());
    await expect(v.verify(k2)).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED', status: 503 });
    server.jwksBehaviour = { kind: 'ok' };
    server.keys = [rsa.publicJwk, rsa2.publicJwk];
    clock.advance(101);
    await expect(v.verify(k2)).resolves.toMatchObject({ kid: 'k2' });
    expect(server.counts.jwks).toBe(3);
  });
});

describe('freshness', () => {
  it('follows Cache-Control max-age, clamped to the configured bounds, and revalidates with ETag', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now, jwks: { minMaxAgeSec: 60, maxMaxAgeSec: 3600 } });
    server.cacheControl = 'max-age=5';
    await v.ready();
    const state = v.health().sources[0]!;
    expect(state.expiresAt! - state.fetchedAt!).toBe(60_000);
    server.cacheControl = 'public, max-age=999999';
    clock.advance(61_000);
    const token = await sign(rsa, claims());
    await v.verify(token);
    // Unchanged set: the conditional request gets a 304 and the freshness comes from the new max-age, clamped.
    expect(server.counts).toMatchObject({ jwks: 2, notModified: 1 });
    const after = v.health().sources[0]!;
    expect(after.expiresAt! - after.fetchedAt!).toBe(3_600_000);
    expect(v.stats().jwks).toMatchObject({ fetches: 2, notModified: 1 });
  });

  it('uses the documented default when max-age is absent', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now });
    server.cacheControl = null;
    await v.ready();
    const state = v.health().sources[0]!;
    expect(state.expiresAt! - state.fetchedAt!).toBe(600_000);
  });

  it('refreshes ahead of expiry in the background: warm requests do not wait', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now, jwks: { refreshAheadRatio: 0.5 } });
    server.cacheControl = 'max-age=600';
    await v.ready();
    server.jwksBehaviour = { kind: 'slow', delayMs: 400 };
    clock.advance(301_000);
    const started = performance.now();
    await v.verify(await sign(rsa, claims()));
    expect(performance.now() - started).toBeLessThan(300);
    expect(v.health().sources[0]!.inFlight).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect(v.health().sources[0]!.inFlight).toBe(false);
    expect(server.counts.jwks).toBe(2);
  });

  it('stops verifying with a key removed from the JWKS after the next refresh', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now }, [rsa.publicJwk, rsa2.publicJwk]);
    const removed: (string | undefined)[] = [];
    v.on('keys:removed', (e) => removed.push(...e.kids));
    const token = await sign(rsa2, claims());
    await expect(v.verify(token)).resolves.toMatchObject({ kid: 'k2' });
    server.keys = [rsa.publicJwk];
    clock.advance(601_000);
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(removed).toEqual(['k2']);
  });
});

describe('stale-if-error', () => {
  for (const [name, behaviour] of [
    ['HTTP 500', { kind: 'status', status: 500 }],
    ['invalid JSON', { kind: 'body', body: '{"keys": [' }],
    ['a non-JWKS JSON body', { kind: 'body', body: '{"hello": 1}' }],
    ['a dropped connection', { kind: 'drop' }],
  ] as const) {
    it(`keeps serving known keys through ${name}, visibly, and fails unknown kids with a retryable 503`, async () => {
      const clock = manualClock(Date.now());
      const v = await setup({ clock: clock.now });
      const stale: number[] = [];
      v.on('jwks:stale', (e) => stale.push(e.ageSec));
      await v.ready();
      server.jwksBehaviour = behaviour;
      clock.advance(601_000);
      const known = await sign(rsa, claims());
      await expect(v.verify(known)).resolves.toMatchObject({ kid: 'k1' });
      expect(stale).toEqual([601]);
      expect(v.health().status).toBe('stale');
      await expect(v.verify(await sign(rsa2, claims()))).rejects.toMatchObject({
        code: 'ERR_JWKS_UNAVAILABLE',
        status: 503,
      });
      // Backing off: repeated requests do not hammer the failing endpoint.
      for (let i = 0; i < 20; i++) await v.verify(known);
      expect(server.counts.jwks).toBe(2);
      expect(v.stats().jwks.staleServed).toBeGreaterThanOrEqual(21);
      // Recovery within one refresh once the endpoint answers again.
      server.jwksBehaviour = { kind: 'ok' };
      clock.advance(61_000);
      // Serving stale already: the retry runs in the background, so this request does not wait for it.
      await v.verify(known);
      await vi.waitFor(() => expect(v.health().status).toBe('ready'));
    });
  }

  it('keeps serving through connection refused and drops keys after maxStaleSec', async () => {
    const clock = manualClock(Date.now());
    const v = await setup({ clock: clock.now, jwks: { maxStaleSec: 3600 } });
    await v.ready();
    await server.close();
    clock.advance(601_000);
    const known = await sign(rsa, claims());
    await expect(v.verify(known)).resolves.toMatchObject({ kid: 'k1' });
    expect(v.stats().jwks.errors).toBe(1);
    clock.advance(3600_000);
    await expect(v.verify(known)).rejects.toMatchObject({ status: 503 });
    expect(v.health().status).toBe('unavailable');
  });

  it('a cold start against a failing endpoint is a retryable error with Retry-After, not "invalid token"', async () => {
    const v = await setup();
    server.jwksBehaviour = { kind: 'status', status: 502 };
    const error = await v.verify(await sign(rsa, claims())).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED', status: 503 });
    expect((error as { retryAfterSec: number }).retryAfterSec).toBeGreaterThanOrEqual(1);
    await expect(v.ready()).rejects.toMatchObject({ status: 503 });
  });

  it('verify(token, { signal }) bounds the wait for keys without cancelling the shared fetch', async () => {
    const v = await setup();
    server.jwksBehaviour = { kind: 'slow', delayMs: 500 };
    const token = await sign(rsa, claims());
    await expect(v.verify(token, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      code: 'ERR_KEY_WAIT_ABORTED',
      status: 503,
    });
    await expect(v.verify(token)).resolves.toMatchObject({ kid: 'k1' });
    expect(server.counts.jwks).toBe(1);
  });
});

describe('HTTP limits', () => {
  it('refuses redirects by default and follows a bounded number when allowed', async () => {
    server = await startJwksServer({ keys: [rsa.publicJwk] });
    const target = server.jwksUri;
    const redirector = await startJwksServer();
    redirector.jwksBehaviour = { kind: 'redirect', location: target };
    try {
      const strict = createVerifier({ jwksUri: redirector.jwksUri, audience: AUD, algorithms: ['RS256'] });
      await expect(strict.ready()).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
      await strict.close();
      const lenient = createVerifier({
        jwksUri: redirector.jwksUri,
        audience: AUD,
        algorithms: ['RS256'],
        jwks: { maxRedirects: 2 },
      });
      await expect(lenient.verify(await sign(rsa, claims()))).resolves.toMatchObject({ kid: 'k1' });
      await lenient.close();
    } finally {
      await redirector.close();
    }
  });

  it('caps the response size', async () => {
    const v = await setup({ jwks: { maxResponseBytes: 4096 } });
    server.jwksBehaviour = { kind: 'body', body: JSON.stringify({ keys: [], pad: 'x'.repeat(10_000) }) };
    await expect(v.ready()).rejects.toMatchObject({
      code: 'ERR_JWKS_FETCH_FAILED',
      message: expect.stringContaining('maxResponseBytes'),
    });
  });

  it('times out a server that never answers', async () => {
    const v = await setup({ jwks: { headersTimeoutMs: 200 } });
    server.jwksBehaviour = { kind: 'slow', delayMs: 2000 };
    const started = performance.now();
    await expect(v.ready()).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('refuses a redirect to plain http on a host that is not loopback, for the JWKS and for discovery', async () => {
    server = await startJwksServer({ keys: [rsa.publicJwk] });
    const redirector = await startJwksServer();
    // Every host name resolves to 127.0.0.1, so a followed redirect to keys.example would reach `server`.
    const dispatcher = new Agent({
      connect: { lookup: (_host, _options, done) => done(null, [{ address: '127.0.0.1', family: 4 }]) },
    });
    const elsewhere = `http://keys.example:${new URL(server.url).port}`;
    redirector.jwksBehaviour = { kind: 'redirect', location: `${elsewhere}/jwks.json` };
    redirector.discoveryBehaviour = { kind: 'redirect', location: `${elsewhere}/.well-known/openid-configuration` };
    const jwks = { maxRedirects: 3, dispatcher };
    const byUri = createVerifier({ jwksUri: redirector.jwksUri, audience: AUD, algorithms: ['RS256'], jwks });
    const byDiscovery = createVerifier({ issuer: redirector.issuer, audience: AUD, algorithms: ['RS256'], jwks });
    try {
      await expect(byUri.verify(await sign(rsa, claims()))).rejects.toMatchObject({
        code: 'ERR_JWKS_FETCH_FAILED',
        message: expect.stringContaining('which is not https'),
      });
      await expect(byDiscovery.ready()).rejects.toMatchObject({
        code: 'ERR_DISCOVERY_FAILED',
        message: expect.stringContaining('which is not https'),
      });
      expect(server.counts).toMatchObject({ jwks: 0, discovery: 0 });
    } finally {
      await Promise.all([byUri.close(), byDiscovery.close(), redirector.close()]);
      await dispatcher.close();
    }
  });

  it('loads a discovery document and a JWKS sent gzip-compressed or with a byte order mark', async () => {
    server = await startJwksServer();
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const discovery = JSON.stringify({ issuer: server.issuer, jwks_uri: server.jwksUri });
    server.discoveryBehaviour = {
      kind: 'raw',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.concat([bom, Buffer.from(discovery)])),
    };
    server.jwksBehaviour = {
      kind: 'raw',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([bom, Buffer.from(JSON.stringify({ keys: [rsa.publicJwk] }))]),
    };
    verifier = createVerifier({ issuer: server.issuer, audience: AUD, algorithms: ['RS256'] });
    await expect(verifier.verify(await sign(rsa, claims({ iss: server.issuer })))).resolves.toMatchObject({
      kid: 'k1',
    });
    expect(server.counts).toMatchObject({ discovery: 1, jwks: 1 });
  });
});

describe('jwks.fetcher', () => {
  it('replaces the HTTP client for discovery and the JWKS; close() leaves it to its owner', async () => {
    const requested: string[] = [];
    let closed = false;
    const fetcher: JsonFetcher & { close(): Promise<void> } = {
      fetchJson(url, { etag, signal }) {
        requested.push(`${url} etag=${String(etag)} signal=${signal instanceof AbortSignal}`);
        if (url.endsWith('/.well-known/openid-configuration'))
          return Promise.resolve({
            status: 200,
            body: { issuer: 'https://auth.example', jwks_uri: 'https://auth.example/keys' },
            etag: undefined,
            maxAgeSec: undefined,
          });
        return Promise.resolve({ status: 200, body: { keys: [rsa.publicJwk] }, etag: '"v1"', maxAgeSec: 300 });
      },
      close() {
        closed = true;
        return Promise.resolve();
      },
    };
    const clock = manualClock(Date.now());
    const v = createVerifier({
      issuer: 'https://auth.example',
      audience: AUD,
      algorithms: ['RS256'],
      clock: clock.now,
      jwks: { fetcher },
    });
    await expect(v.verify(await sign(rsa, claims({ iss: 'https://auth.example' })))).resolves.toMatchObject({
      kid: 'k1',
    });
    const state = v.health().sources[0]!;
    expect(state.expiresAt! - state.fetchedAt!).toBe(300_000);
    expect(requested).toEqual([
      'https://auth.example/.well-known/openid-configuration etag=undefined signal=true',
      'https://auth.example/keys etag=undefined signal=true',
    ]);
    await v.close();
    expect(closed).toBe(false);
  });

  it('must have fetchJson, and makes jwks.dispatcher pointless', async () => {
    const options = { jwksUri: 'https://auth.example/keys', audience: AUD, algorithms: ['RS256'] } as const;
    expect(() => createVerifier({ ...options, jwks: { fetcher: {} as JsonFetcher } })).toThrow(ConfigError);
    const dispatcher = new Agent();
    const both = (() => {
      try {
        createVerifier({
          ...options,
          jwks: { fetcher: { fetchJson: () => Promise.resolve({ status: 304, maxAgeSec: undefined }) }, dispatcher },
        });
      } catch (error) {
        return error as ConfigError;
      }
      return undefined;
    })();
    expect(both?.options).toEqual(['jwks.dispatcher', 'jwks.fetcher']);
    await dispatcher.close();
  });
});
