import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { SigningAlgorithm } from './algorithms.js';
import { createTestClock } from './clock.js';
import { IssuerConfigError } from './errors.js';
import type { Issuer } from './issuer.js';
import { decodePart, startIssuer } from './test-support.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

async function verifyRemote(issuer: Issuer, token: string, tenant?: string) {
  const info = issuer.tenant(tenant);
  const jwks = createRemoteJWKSet(new URL(info.jwksUri));
  return jwtVerify(token, jwks, { issuer: info.issuer, audience: info.audience as string });
}

describe.each<[Exclude<SigningAlgorithm, 'HS256'>, Record<string, unknown>]>([
  ['RS256', { kty: 'RSA', e: 'AQAB' }],
  ['ES256', { kty: 'EC', crv: 'P-256' }],
  ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
])('%s tokens from sign()', (alg, keyShape) => {
  it('verify with plain jose through the published JWKS', async () => {
    const issuer = await startIssuer({ algorithm: alg });
    const token = await issuer.sign();
    const { payload, protectedHeader } = await verifyRemote(issuer, token);

    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ ...keyShape, use: 'sig', alg });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(keys[0]).not.toHaveProperty(member);
    expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: keys[0]!.kid });

    expect(payload).toMatchObject({
      iss: issuer.issuerUrl,
      sub: 'test-user',
      aud: 'api://default',
      scope: 'read write',
    });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('sign() overrides', () => {
  it('lets claims replace or remove any default', async () => {
    const issuer = await startIssuer();
    const token = await issuer.sign({
      sub: 'alice',
      scope: 'orders:read',
      aud: ['a', 'b'],
      jti: undefined,
      tenant_id: 'acme',
    });
    const payload = decodePart(token, 1);
    expect(payload).toMatchObject({ sub: 'alice', scope: 'orders:read', aud: ['a', 'b'], tenant_id: 'acme' });
    expect(payload).not.toHaveProperty('jti');
    const { payload: verified } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      audience: 'b',
    });
    expect(verified.sub).toBe('alice');
  });

  it('mints expired tokens that jose rejects as expired', async () => {
    const issuer = await startIssuer();
    const now = Math.floor(Date.now() / 1000);
    const expired = await issuer.sign({ iat: now - 3600, exp: now - 60 });
    await expect(verifyRemote(issuer, expired)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    const short = await issuer.sign({}, { expiresInSec: 30 });
    const payload = decodePart(short, 1);
    expect((payload.exp as number) - (payload.iat as number)).toBe(30);
    const noExp = decodePart(await issuer.sign({ exp: undefined }), 1);
    expect(noExp).not.toHaveProperty('exp');
  });

  it('lets the header say anything, e.g. typ at+jwt, an unknown kid, or another alg', async () => {
    const issuer = await startIssuer();
    const typed = await issuer.sign({}, { header: { typ: 'at+jwt' } });
    const { protectedHeader } = await verifyRemote(issuer, typed);
    expect(protectedHeader.typ).toBe('at+jwt');

    const unknownKid = await issuer.sign({}, { header: { kid: 'no-such-key' } });
    await expect(verifyRemote(issuer, unknownKid)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });

    const noKid = await issuer.sign({}, { header: { kid: undefined, typ: undefined } });
    expect(decodeProtectedHeader(noKid)).toEqual({ alg: 'RS256' });

    const lying = await issuer.sign({}, { header: { alg: 'RS512' } });
    expect(decodeProtectedHeader(lying).alg).toBe('RS512');
    await expect(verifyRemote(issuer, lying)).rejects.toThrow();
  });

  it('mints unsigned alg "none" tokens', async () => {
    const issuer = await startIssuer();
    const token = await issuer.sign({}, { alg: 'none' });
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.$/); // an empty signature part
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'none', typ: 'JWT' });
    await expect(verifyRemote(issuer, token)).rejects.toThrow();
  });

  it('creates and publishes a key for another asymmetric alg on demand', async () => {
    const issuer = await startIssuer();
    const token = await issuer.sign({}, { alg: 'ES256' });
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    await verifyRemote(issuer, token);
    const keys = await issuer.keys();
    expect(keys.map((k) => [k.alg, k.status, k.signing])).toEqual(
      expect.arrayContaining([
        ['RS256', 'active', true],
        ['ES256', 'active', false],
      ]),
    );
  });

  it('signs with a chosen published key by kid, e.g. the retired one', async () => {
    const clock = createTestClock('2025-11-24T12:00:00Z');
    const issuer = await startIssuer({ clock });
    const [oldKey] = await issuer.keys();
    await issuer.rotate();
    const token = await issuer.sign({}, { kid: oldKey!.kid });
    expect(decodeProtectedHeader(token).kid).toBe(oldKey!.kid);
    const jwks = createLocalJWKSet(await issuer.jwks());
    await jwtVerify(token, jwks, { currentDate: new Date(clock.now()) });
    await expect(issuer.sign({}, { kid: 'nope' })).rejects.toThrow(
      /has no key "nope"; published: 2025-11-24-2, 2025-11-24/,
    );
    await expect(issuer.sign({}, { kid: oldKey!.kid, alg: 'ES256' })).rejects.toThrow(/signs RS256, not ES256/);
  });

  it('takes iat and exp from the injected clock', async () => {
    const clock = createTestClock('2030-01-01T00:00:00Z');
    const issuer = await startIssuer({ clock });
    const payload = decodePart(await issuer.sign(), 1);
    expect(payload.iat).toBe(Date.parse('2030-01-01T00:00:00Z') / 1000);
    clock.advance(60_000);
    expect(decodePart(await issuer.sign(), 1).iat).toBe(Date.parse('2030-01-01T00:01:00Z') / 1000);
  });
});

describe('HS256', () => {
  const secretBytes = new TextEncoder().encode(SECRET);

  it('signs with the configured secret, without kid, and never publishes it', async () => {
    const issuer = await startIssuer({ defaultTenant: { algorithm: 'HS256', hs256Secret: SECRET } });
    const token = await issuer.sign();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, secretBytes, {
      issuer: issuer.issuerUrl,
      audience: 'api://default',
      algorithms: ['HS256'],
    });
    expect(payload.sub).toBe('test-user');

    const jwksText = await (await fetch(issuer.jwksUri)).text();
    expect(JSON.parse(jwksText)).toEqual({ keys: [] });
    expect(jwksText).not.toContain('oct');
    const discovery = (await (await fetch(issuer.discoveryUrl)).json()) as Record<string, unknown>;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['HS256']);
    expect(await issuer.keys()).toEqual([]);
  });

  it('reads the secret from an environment variable', async () => {
    const issuer = await startIssuer({
      defaultTenant: { algorithm: 'HS256', hs256SecretEnv: 'JWT_SECRET' },
      env: { JWT_SECRET: SECRET },
    });
    await jwtVerify(await issuer.sign(), secretBytes, { algorithms: ['HS256'] });
  });

  it('can sign with another secret, which verifiers with the real one reject', async () => {
    const issuer = await startIssuer({ defaultTenant: { algorithm: 'HS256', hs256Secret: SECRET } });
    const forged = await issuer.sign({}, { secret: 'x'.repeat(40) });
    await expect(jwtVerify(forged, secretBytes)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('refuses secrets under 32 bytes with a message that names the field but not the secret', async () => {
    const short = 'only-31-bytes-long-secret-value';
    expect(short).toHaveLength(31);
    const attempt = startIssuer({ defaultTenant: { algorithm: 'HS256', hs256Secret: short } });
    await expect(attempt).rejects.toBeInstanceOf(IssuerConfigError);
    await expect(attempt).rejects.toThrow(
      /defaultTenant\.hs256Secret: the HS256 secret is 31 bytes; HS256 needs at least 32 bytes/,
    );
    await expect(attempt).rejects.not.toThrow(short);
    const fromEnv = startIssuer({ defaultTenant: { algorithm: 'HS256', hs256SecretEnv: 'S' }, env: { S: 'short' } });
    await expect(fromEnv).rejects.toThrow(/defaultTenant\.hs256SecretEnv \(from S\): the HS256 secret is 5 bytes/);
  });

  it('is never implicit: HS256 without a secret, or a missing variable, fails at start', async () => {
    await expect(startIssuer({ algorithm: 'HS256' })).rejects.toThrow(
      /defaultTenant\.algorithm is HS256, which needs a shared secret/,
    );
    await expect(
      startIssuer({ defaultTenant: { algorithm: 'HS256', hs256SecretEnv: 'MISSING' }, env: {} }),
    ).rejects.toThrow(/defaultTenant\.hs256SecretEnv names MISSING, which is not set/);
    const issuer = await startIssuer();
    await expect(issuer.sign({}, { alg: 'HS256' })).rejects.toThrow(/has no HS256 secret/);
  });
});
