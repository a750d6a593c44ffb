import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, RevocationList, type RevocationCheck, type Verifier, type VerifierOptions } from './index.js';
import { manualClock } from './testing/clock.js';
import { startJwksServer, type JwksServer } from './testing/jwks-server.mjs';
import { makeKey, sign, type TestKey } from './testing/keys.js';

const AUD = 'orders';
let key: TestKey;
let server: JwksServer;
const open: Verifier[] = [];
const clock = manualClock(Date.UTC(2026, 11, 4, 12));
const nowSec = () => Math.floor(clock.now() / 1000);

beforeAll(async () => {
  key = makeKey('ES256', 'k1');
  server = await startJwksServer({ keys: [key.publicJwk] });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
});

function make(revocation: RevocationCheck, options: Partial<VerifierOptions> = {}): Verifier {
  const v = createVerifier({
    jwksUri: server.jwksUri,
    audience: AUD,
    algorithms: ['ES256'],
    clock: clock.now,
    revocation,
    ...options,
  });
  open.push(v);
  return v;
}

const token = (claims: Record<string, unknown> = {}) =>
  sign(key, { aud: AUD, sub: 'alice', client_id: 'shop', jti: 'j-1', exp: nowSec() + 600, iat: nowSec(), ...claims });

describe('revocation on every verification', () => {
  it('refuses a revoked jti, also when the token sits in the token cache', async () => {
    const list = new RevocationList({ clock: clock.now });
    const v = make(list, { tokenCache: true });
    const t = await token();
    await v.verify(t);
    await expect(v.verify(t)).resolves.toMatchObject({ cached: true });
    list.revoke({ jti: 'j-1', exp: nowSec() + 600 });
    await expect(v.verify(t)).rejects.toMatchObject({
      code: 'ERR_TOKEN_REVOKED',
      status: 401,
      bearerError: 'invalid_token',
    });
    await expect(v.verify(await token({ jti: 'j-2' }))).resolves.toMatchObject({ claims: { jti: 'j-2' } });
    expect(v.stats().refusedByCode).toEqual({ ERR_TOKEN_REVOKED: 1 });
  });

  it('refuses tokens of a subject or client issued before the revocation, and accepts those issued after', async () => {
    const list = new RevocationList({ clock: clock.now });
    const v = make(list);
    const before = await token();
    clock.advance(1000);
    list.revoke({ sub: 'alice' });
    await expect(v.verify(before)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    clock.advance(1000);
    await expect(v.verify(await token({ jti: 'later' }))).resolves.toMatchObject({ claims: { sub: 'alice' } });
    const bobs = await token({ sub: 'bob', jti: 'b-1' });
    clock.advance(1000);
    list.revoke({ clientId: 'shop' });
    await expect(v.verify(bobs)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it('shows the revocation list in health(): a degraded mirror makes the verifier stale, never unavailable', async () => {
    let status: 'ok' | 'degraded' = 'ok';
    const check: RevocationCheck = {
      revoked: () => undefined,
      state: () => ({
        status,
        rules: 3,
        syncedAt: clock.now(),
        degradedSince: status === 'ok' ? null : clock.now(),
        lastError: status === 'ok' ? undefined : 'ECONNREFUSED',
      }),
    };
    const v = make(check);
    await v.ready();
    expect(v.health()).toMatchObject({ status: 'ready', revocation: { status: 'ok', rules: 3 } });
    status = 'degraded';
    expect(v.health()).toMatchObject({
      status: 'stale',
      revocation: { status: 'degraded', lastError: 'ECONNREFUSED' },
    });
  });

  it('refuses a revocation option without revoked()', () => {
    expect(() => make({} as RevocationCheck)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', options: ['revocation'] }),
    );
  });
});
