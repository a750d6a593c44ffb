// Regression tests for the findings of the outside review of the core (issue 12) that are about
// state over time, fetching or configuration rather than one token, run against the real
// mini-issuer and real servers. Token-shaped findings (2, 5, 6) are rows of the corpus (group
// `review`); each test here failed before its fix.
import { gzipSync } from 'node:zlib';
import { createVerifier, type Verifier } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startJwksServer,
  type JwksServer,
  type JwksServerOptions,
} from '../../packages/core/src/testing/jwks-server.mjs';
import { startIssuer, type TestIssuer } from '../support/issuer.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(
    opened
      .splice(0)
      .reverse()
      .map((o) => o.close()),
  );
});

async function issuer(options: Parameters<typeof startIssuer>[0] = {}): Promise<TestIssuer> {
  const idp = await startIssuer(options);
  opened.push(idp);
  return idp;
}

function verifierFor(idp: TestIssuer, extra: Record<string, unknown> = {}): Verifier {
  const verifier = createVerifier({
    issuer: idp.issuerUrl,
    audience: idp.audience,
    algorithms: ['RS256'],
    clock: () => idp.clock.now(),
    logger: false,
    ...extra,
  });
  opened.push(verifier);
  return verifier;
}

async function jwksServer(options: JwksServerOptions = {}): Promise<JwksServer> {
  const server = await startJwksServer(options);
  opened.push(server);
  return server;
}

describe('finding 1: a token-cache hit obeys the key set freshness of a miss', () => {
  it('refuses a cached token once its key has left the JWKS, though only cached tokens arrive', async () => {
    const idp = await issuer({ jwksMaxAgeSec: 60, keyGraceMs: 1_000_000 });
    const verifier = verifierFor(idp, { tokenCache: true });
    const removed: unknown[] = [];
    verifier.on('keys:removed', (event) => removed.push(event.kids));
    const token = await idp.mintToken({ exp: Math.floor(idp.clock.now() / 1000) + 86_400 });
    await verifier.verify(token);
    await expect(verifier.verify(token)).resolves.toMatchObject({ cached: true });
    await idp.issuer.rotate();
    idp.clock.advance(1_001_000); // past the grace period: the old key leaves the JWKS; past the JWKS max-age too
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(removed).toHaveLength(1);
  });
});

describe('finding 3: every redirect hop obeys the https rule', () => {
  it('refuses a redirect from the JWKS URL to plain http on a non-loopback host, before requesting it', async () => {
    const idp = await issuer();
    // 127.0.0.2 reaches this machine but is not one of the loopback names allowed over http.
    const elsewhere = await jwksServer({ keys: (await idp.issuer.jwks()).keys, host: '127.0.0.2' });
    const redirecting = await jwksServer();
    redirecting.jwksBehaviour = { kind: 'redirect', location: elsewhere.jwksUri };
    const verifier = createVerifier({
      jwksUri: redirecting.jwksUri,
      audience: idp.audience,
      algorithms: ['RS256'],
      jwks: { maxRedirects: 3 },
      logger: false,
    });
    opened.push(verifier);
    await expect(verifier.verify(await idp.mintToken())).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('finding 4: verified claims are immutable', () => {
  it('hands out deep-frozen claims, so one request cannot change what the next sees', async () => {
    const idp = await issuer();
    const verifier = verifierFor(idp, { tokenCache: true });
    const token = await idp.mintToken({ roles: ['reader'] });
    const first = await verifier.verify(token);
    expect(() => (first.claims.roles as string[]).push('admin')).toThrow(TypeError);
    expect(() => Object.assign(first.claims, { scope: 'admin' })).toThrow(TypeError);
    const second = await verifier.verify(token);
    expect([second.cached, second.claims.roles, second.claims.scope]).toEqual([
      true,
      ['reader'],
      'orders:read orders:write',
    ]);
  });
});

describe('finding 7: hs256.notAfter in seconds is refused, not read as 1970', () => {
  it('names the unit it expects', () => {
    expect(() =>
      createVerifier({
        jwksUri: 'https://auth.example.com/jwks',
        audience: 'a',
        algorithms: ['RS256', 'HS256'],
        hs256: { secrets: ['s'.repeat(32)], notAfter: 1_767_225_600 },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        options: ['hs256.notAfter'],
        message: expect.stringContaining('1767225600000'),
      }),
    );
  });
});

describe('finding 8: key servers that send a UTF-8 BOM or gzip', () => {
  it('loads a gzip-encoded JWKS that starts with a BOM', async () => {
    const idp = await issuer();
    const body = gzipSync(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(await idp.issuer.jwks()))]),
    );
    const server = await jwksServer();
    server.jwksBehaviour = {
      kind: 'raw',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    };
    const verifier = createVerifier({
      jwksUri: server.jwksUri,
      audience: idp.audience,
      algorithms: ['RS256'],
      logger: false,
    });
    opened.push(verifier);
    await expect(verifier.verify(await idp.mintToken())).resolves.toMatchObject({ alg: 'RS256', keySource: 'jwks' });
  });
});
