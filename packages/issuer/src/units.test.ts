import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestClock, systemClock } from './clock.js';
import { parseDuration } from './duration.js';
import { etagMatches } from './http/reply.js';
import { generateKeyEntry, kidFor } from './keys.js';
import { applyRotationPolicy } from './rotation.js';
import { DAY_MS } from './test-support.js';

describe('kidFor', () => {
  const day = Date.parse('2025-11-24T23:59:59Z');
  it('names keys after their UTC creation date, with a suffix for repeats', () => {
    expect(kidFor(day, new Set())).toBe('2025-11-24');
    expect(kidFor(day, new Set(['2025-11-24']))).toBe('2025-11-24-2');
    expect(kidFor(day, new Set(['2025-11-24', '2025-11-24-2', '2025-11-24-3']))).toBe('2025-11-24-4');
    expect(kidFor(day + 1000, new Set(['2025-11-24']))).toBe('2025-11-25');
  });
});

describe('generateKeyEntry', () => {
  it('makes RSA-2048 keys with e=65537, P-256 and Ed25519 keys, and public JWKs without private members', async () => {
    const rsa = await generateKeyEntry('RS256', 0, new Set());
    expect(rsa.privateKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    expect(rsa.publicJwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: '1970-01-01', e: 'AQAB' });
    const ec = await generateKeyEntry('ES256', 0, new Set());
    expect(ec.privateKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(ec.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const ed = await generateKeyEntry('EdDSA', 0, new Set());
    expect(ed.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(ed.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    for (const entry of [rsa, ec, ed]) {
      const alg = entry.publicJwk.alg;
      expect(Object.keys(entry.publicJwk), alg).not.toContain('d');
      expect(entry.privateJwk.d, alg).toEqual(expect.any(String));
      // The published JWK is the key's real public half.
      const fromJwk = createPublicKey({ key: entry.publicJwk, format: 'jwk' });
      expect(
        fromJwk.equals(createPublicKey(entry.privateKey)),
        `${alg}: published JWK is the private key's public half`,
      ).toBe(true);
    }
  });
});

describe('applyRotationPolicy', () => {
  const policy = { maxAgeMs: 10 * DAY_MS, graceMs: DAY_MS, autoRotate: true };
  it('retires over-age keys and extra active keys of an algorithm, and drops keys past grace', async () => {
    const old = await generateKeyEntry('EdDSA', 0, new Set());
    const newer = await generateKeyEntry('EdDSA', 5 * DAY_MS, new Set(['1970-01-01']));
    const gone = { ...(await generateKeyEntry('EdDSA', 0, new Set(['1970-01-01']))), retiredAtMs: DAY_MS };
    const now = 6 * DAY_MS;
    const { entries, changed } = applyRotationPolicy([old, newer, gone], now, policy);
    expect(changed).toBe(true);
    expect(entries.map((e) => [e.kid, e.retiredAtMs])).toEqual([
      [newer.kid, undefined],
      [old.kid, now],
    ]);
    expect(applyRotationPolicy(entries, now, policy).changed).toBe(false);
    // Day 15: the old key's grace ended on day 7; the newer key turns 10 days old and retires.
    const later = applyRotationPolicy(entries, 15 * DAY_MS, policy).entries;
    expect(later.map((e) => [e.kid, e.retiredAtMs])).toEqual([[newer.kid, 15 * DAY_MS]]);
  });
});

describe('small helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('90d')).toBe(90 * DAY_MS);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    for (const bad of ['', 'd', '-1d', '1w', '1 d x']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('compares entity tags weakly, in lists, and with *', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches(' "b" ,  W/"a" ', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches('a', '"a"')).toBe(false);
  });

  it('moves a test clock only when told', () => {
    const clock = createTestClock('2025-01-01T00:00:00Z');
    const start = clock.now();
    expect(clock.now()).toBe(start);
    expect(clock.advance(DAY_MS)).toBe(start + DAY_MS);
    clock.set(new Date('2030-01-01T00:00:00Z'));
    expect(clock.now()).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(() => clock.advance(Number.NaN)).toThrow(TypeError);
    expect(() => createTestClock('not a date')).toThrow(/start is not a valid time/);
    expect(Math.abs(createTestClock().now() - systemClock.now())).toBeLessThan(1000);
  });
});
