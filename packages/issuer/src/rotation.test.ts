import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from './clock.js';
import type { Issuer } from './issuer.js';
import { DAY_MS, startIssuer } from './test-support.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const GRACE_MS = 900_000 + DAY_MS; // default: longest token lifetime (15 min) + 1 day

async function servedKids(issuer: Issuer, tenant?: string): Promise<string[]> {
  const res = await fetch(issuer.tenant(tenant).jwksUri);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}

/** Verifies against the JWKS as served right now, at the issuer's clock time. */
async function verifyNow(issuer: Issuer, clock: TestClock, token: string) {
  const jwks = (await (await fetch(issuer.jwksUri)).json()) as JSONWebKeySet;
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: issuer.issuerUrl,
    audience: 'api://default',
    currentDate: new Date(clock.now()),
  });
}

describe('key ids', () => {
  it('are the creation date, with -2, -3 for more keys on the same day', async () => {
    const clock = createTestClock('2025-11-24T08:00:00Z');
    const issuer = await startIssuer({ clock });
    expect(await servedKids(issuer)).toEqual(['2025-11-24']);
    await issuer.rotate();
    await issuer.rotate();
    expect(await servedKids(issuer)).toEqual(['2025-11-24-3', '2025-11-24-2', '2025-11-24']);
    clock.advance(DAY_MS);
    expect((await issuer.rotate()).kid).toBe('2025-11-25');
  });
});

describe('manual rotation', () => {
  it('signs new tokens with the new kid while the old key stays published', async () => {
    const clock = createTestClock('2025-11-24T08:00:00Z');
    const issuer = await startIssuer({ clock });
    const before = await issuer.sign({}, { expiresInSec: 2 * 86_400 });
    clock.advance(DAY_MS);
    const rotated = await issuer.rotate();
    expect(rotated).toMatchObject({
      kid: '2025-11-25',
      alg: 'RS256',
      status: 'active',
      signing: true,
      createdAtMs: clock.now(),
    });
    const after = await issuer.sign();
    expect(decodeProtectedHeader(before).kid).toBe('2025-11-24');
    expect(decodeProtectedHeader(after).kid).toBe('2025-11-25');
    expect(await servedKids(issuer)).toEqual(['2025-11-25', '2025-11-24']);
    await verifyNow(issuer, clock, before);
    await verifyNow(issuer, clock, after);
    const keys = await issuer.keys();
    expect(keys[1]).toMatchObject({
      kid: '2025-11-24',
      status: 'retired',
      signing: false,
      retiredAtMs: clock.now(),
      removeAtMs: clock.now() + GRACE_MS,
    });
  });

  it('refuses to rotate an HS256 tenant (its secret comes from configuration)', async () => {
    const issuer = await startIssuer({ defaultTenant: { algorithm: 'HS256', hs256Secret: SECRET } });
    await expect(issuer.rotate()).rejects.toThrow(/signs with HS256; rotate its shared secret in the configuration/);
  });
});

describe('automatic rotation and grace period', () => {
  it('rotates at 90 days on the next request, keeps the old key for the grace period, then drops it', async () => {
    const clock = createTestClock('2025-11-24T08:00:00Z');
    const issuer = await startIssuer({ clock });
    const oldToken = await issuer.sign({}, { expiresInSec: 120 * 86_400 });
    const [initial] = await issuer.keys();
    expect(initial).toMatchObject({
      kid: '2025-11-24',
      status: 'active',
      rotateAtMs: Date.parse('2025-11-24T08:00:00Z') + 90 * DAY_MS,
    });

    clock.advance(89 * DAY_MS);
    expect(await servedKids(issuer)).toEqual(['2025-11-24']);

    clock.advance(2 * DAY_MS); // day 91
    expect(await servedKids(issuer)).toEqual(['2026-02-23', '2025-11-24']);
    expect(decodeProtectedHeader(await issuer.sign()).kid).toBe('2026-02-23');
    await verifyNow(issuer, clock, oldToken);

    clock.advance(GRACE_MS - 1000);
    expect(await servedKids(issuer)).toEqual(['2026-02-23', '2025-11-24']);
    clock.advance(2000);
    expect(await servedKids(issuer)).toEqual(['2026-02-23']);
    await expect(verifyNow(issuer, clock, oldToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect((await issuer.keys()).map((k) => k.kid)).toEqual(['2026-02-23']);
  });

  it('honours custom max age and grace, and can be switched off', async () => {
    const clock = createTestClock('2025-01-01T00:00:00Z');
    const issuer = await startIssuer({ clock, keyMaxAgeMs: 7 * DAY_MS, keyGraceMs: 2 * DAY_MS });
    clock.advance(7 * DAY_MS);
    expect(await servedKids(issuer)).toEqual(['2025-01-08', '2025-01-01']);
    clock.advance(2 * DAY_MS);
    expect(await servedKids(issuer)).toEqual(['2025-01-08']);

    const manualClock = createTestClock('2025-01-01T00:00:00Z');
    const manual = await startIssuer({ clock: manualClock, autoRotate: false });
    manualClock.advance(365 * DAY_MS);
    expect(await servedKids(manual)).toEqual(['2025-01-01']);
    expect((await manual.keys())[0]).not.toHaveProperty('rotateAtMs');
  });

  it('refuses a grace period that tokens could outlive', async () => {
    await expect(startIssuer({ keyGraceMs: 900_000 })).rejects.toThrow(
      /keyGraceMs must be longer than the longest token lifetime \(900000 ms\)/,
    );
    await expect(startIssuer({ defaultTenant: { tokenLifetimeSec: 7200 }, keyGraceMs: 3_600_000 })).rejects.toThrow(
      /7200000 ms/,
    );
  });
});

describe('changing the algorithm at run time', () => {
  it('moves a tenant from HS256 to RS256 (the migration) and on to ES256', async () => {
    const clock = createTestClock('2025-11-24T08:00:00Z');
    const issuer = await startIssuer({ clock, defaultTenant: { algorithm: 'HS256', hs256Secret: SECRET } });
    const hsToken = await issuer.sign();
    expect(await servedKids(issuer)).toEqual([]);

    await issuer.setAlgorithm('RS256');
    expect(issuer.tenant().algorithm).toBe('RS256');
    const rsToken = await issuer.sign();
    expect(decodeProtectedHeader(rsToken)).toMatchObject({ alg: 'RS256', kid: '2025-11-24' });
    expect(await servedKids(issuer)).toEqual(['2025-11-24']);
    await verifyNow(issuer, clock, rsToken);
    // Old HS256 tokens still verify with the secret, which is what a migrating verifier needs.
    await jwtVerify(hsToken, new TextEncoder().encode(SECRET), { currentDate: new Date(clock.now()) });

    await issuer.setAlgorithm('ES256');
    const esToken = await issuer.sign();
    expect(decodeProtectedHeader(esToken)).toMatchObject({ alg: 'ES256', kid: '2025-11-24-2' });
    const keys = await issuer.keys();
    expect(keys.map((k) => [k.kid, k.alg, k.status])).toEqual([
      ['2025-11-24-2', 'ES256', 'active'],
      ['2025-11-24', 'RS256', 'retired'],
    ]);
    await verifyNow(issuer, clock, rsToken);
    const discovery = (await (await fetch(issuer.discoveryUrl)).json()) as Record<string, unknown>;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256']);
  });

  it('refuses HS256 for a tenant without a secret, and unknown algorithms', async () => {
    const issuer = await startIssuer();
    await expect(issuer.setAlgorithm('HS256')).rejects.toThrow(/has no HS256 secret/);
    await expect(issuer.setAlgorithm('RS512' as 'RS256')).rejects.toThrow(/must be one of RS256, ES256, EdDSA, HS256/);
    expect(issuer.tenant().algorithm).toBe('RS256');
  });
});

describe('concurrency', () => {
  it('creates one key when many requests need it at once', async () => {
    const issuer = await startIssuer({ algorithm: 'EdDSA' });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => issuer.sign({}, { alg: 'ES256' })));
    const kids = new Set(tokens.map((t) => decodeProtectedHeader(t).kid));
    expect(kids.size).toBe(1);
    const results = await Promise.all(Array.from({ length: 10 }, () => issuer.rotate()));
    expect(new Set(results.map((k) => k.kid)).size).toBe(10);
    expect((await issuer.keys()).filter((k) => k.status === 'active').map((k) => k.alg)).toEqual(['EdDSA']);
  });
});
