import { createServer } from 'node:http';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningClock, listen, startIssuer, TEST_AUDIENCE, withTimeout, type TestIssuer } from './issuer.js';

describe('startIssuer', () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await startIssuer();
  });
  afterAll(() => idp.close());

  it('mints tokens with a default for every claim, verifiable against its JWKS', async () => {
    const token = await idp.mintToken();
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), {
      issuer: idp.issuerUrl,
      audience: TEST_AUDIENCE,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      iss: idp.issuerUrl,
      aud: 'orders-api',
      sub: 'test-user',
      scope: 'orders:read orders:write',
    });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof payload.jti).toBe('string');
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('lets overrides win and undefined remove a claim', async () => {
    const payload = decodeJwt(await idp.mintToken({ sub: 'alice', scope: undefined, tenant_role: 'admin' }));
    expect(payload.sub).toBe('alice');
    expect(payload).not.toHaveProperty('scope');
    expect(payload.tenant_role).toBe('admin');
  });

  it('mints on the moved clock', async () => {
    idp.clock.advance(-3600_000);
    try {
      const payload = decodeJwt(await idp.mintToken());
      expect(payload.exp! * 1000).toBeLessThan(Date.now());
    } finally {
      idp.clock.advance(3600_000);
    }
  });

  it('fails a start that exceeds its timeout', async () => {
    await expect(startIssuer({ startTimeoutMs: 0 })).rejects.toThrow('issuer start did not finish within 0 ms');
  });
});

describe('createRunningClock', () => {
  it('follows real time plus the offset tests set', () => {
    const clock = createRunningClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
    clock.advance(60_000);
    expect(clock.now() - Date.now()).toBeGreaterThan(59_000);
    clock.set('2020-01-01T00:00:00Z');
    expect(Math.abs(clock.now() - Date.parse('2020-01-01T00:00:00Z'))).toBeLessThan(50);
  });
});

describe('listen', () => {
  it('serves a request listener on 127.0.0.1 and closes with keep-alive connections open', async () => {
    const app = await listen((_req, res) => res.end('ok'));
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(app.url); // undici keeps this connection alive
    expect(await res.text()).toBe('ok');
    await withTimeout(app.close(), 2000, 'close');
    expect(app.server.listening).toBe(false);
    await app.close();
  });

  it('accepts an existing server', async () => {
    const app = await listen(createServer((_req, res) => res.end('server')));
    expect(await (await fetch(app.url)).text()).toBe('server');
    await app.close();
  });
});
