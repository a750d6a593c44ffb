import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as core from '@tollgate/core';
import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { DpopAlgorithm } from './algorithms.js';
import { certificateThumbprint } from './certificate-thumbprint.js';
import { createTestClock } from './clock.js';
import { createDpopKey } from './dpop-key.js';
import * as api from './index.js';
import { startIssuer } from './test-support.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Verifies a proof the way a resource server would: the embedded jwk is the only key. */
function verifyProof(proof: string, alg: DpopAlgorithm) {
  return jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [alg] });
}

describe.each<[DpopAlgorithm, Record<string, unknown>]>([
  ['ES256', { kty: 'EC', crv: 'P-256' }],
  ['RS256', { kty: 'RSA', e: 'AQAB' }],
  ['PS256', { kty: 'RSA', e: 'AQAB' }],
  ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
])('%s DPoP key', (alg, shape) => {
  const clock = createTestClock('2026-01-05T10:00:00Z');
  const key = createDpopKey({ alg, clock });

  it('makes proofs that verify with jose against the embedded public jwk, whose thumbprint is the jkt', async () => {
    const proof = key.proof({
      method: 'POST',
      url: 'https://api.example/orders/7?expand=items#top',
      accessToken: 'the-token',
    });
    const { payload, protectedHeader } = await verifyProof(proof, alg);
    expect(protectedHeader).toEqual({ typ: 'dpop+jwt', alg, jwk: key.publicJwk });
    expect(protectedHeader.jwk).toMatchObject(shape);
    for (const member of PRIVATE_MEMBERS) expect(protectedHeader.jwk).not.toHaveProperty(member);
    expect(await calculateJwkThumbprint(protectedHeader.jwk!)).toBe(key.jkt);
    expect(key.cnf).toEqual({ jkt: key.jkt });
    expect(payload).toEqual({
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      htm: 'POST',
      htu: 'https://api.example/orders/7',
      iat: Date.parse('2026-01-05T10:00:00Z') / 1000,
      ath: sha256('the-token'),
    });
  });

  it('gives every proof its own jti, and takes jti, iat and nonce when told', async () => {
    const a = decodeJwtPayload(key.proof({ method: 'GET', url: 'http://127.0.0.1:3000/' }));
    const b = decodeJwtPayload(key.proof({ method: 'GET', url: 'http://127.0.0.1:3000/' }));
    expect(a.jti).not.toBe(b.jti);
    expect(a).not.toHaveProperty('ath');
    expect(a).not.toHaveProperty('nonce');
    const fixed = key.proof({
      method: 'GET',
      url: new URL('http://127.0.0.1:3000/x'),
      jti: 'one',
      iat: 1000,
      nonce: 'n-1',
    });
    expect((await jwtVerify(fixed, EmbeddedJWK, { currentDate: new Date(1_000_000) })).payload).toEqual({
      jti: 'one',
      htm: 'GET',
      htu: 'http://127.0.0.1:3000/x',
      iat: 1000,
      nonce: 'n-1',
    });
  });
});

describe('createDpopKey()', () => {
  it('puts the ath of RFC 9449 §7.1 in a proof for that access token', () => {
    const proof = createDpopKey().proof({
      method: 'GET',
      url: 'https://resource.example.org/protectedresource',
      accessToken: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU',
    });
    expect(decodeJwtPayload(proof).ath).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
  });

  it('round-trips through privateJwk: same key, same jkt, alg read from the JWK', async () => {
    const original = createDpopKey({ alg: 'EdDSA' });
    expect(original.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', d: expect.any(String) });
    const loaded = createDpopKey({
      privateKey: JSON.parse(JSON.stringify(original.privateJwk)) as typeof original.privateJwk,
    });
    expect(loaded.alg).toBe('EdDSA');
    expect(loaded.jkt).toBe(original.jkt);
    await verifyProof(loaded.proof({ method: 'GET', url: 'http://localhost/' }), 'EdDSA');
    const fromKeyObject = createDpopKey({ privateKey: original.privateKey, alg: 'EdDSA' });
    expect(fromKeyObject.jkt).toBe(original.jkt);
  });

  it('lets negative tests change or remove any header member or claim', () => {
    const key = createDpopKey();
    const proof = key.proof({
      method: 'GET',
      url: 'http://localhost/',
      header: { typ: 'JWT', jwk: undefined, kid: 'x' },
      claims: { htm: 'get', iat: undefined },
    });
    expect(decodeProtectedHeader(proof)).toEqual({ typ: 'JWT', alg: 'ES256', kid: 'x' });
    const payload = decodeJwtPayload(proof);
    expect(payload.htm).toBe('get');
    expect(payload).not.toHaveProperty('iat');
  });

  it('refuses keys that do not fit the algorithm, unknown algorithms and relative URLs', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(() => createDpopKey({ alg: 'ES256', privateKey: rsa })).toThrow(/a rsa key cannot sign ES256 proofs/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => createDpopKey({ alg: 'RS256', privateKey: small })).toThrow(/at least 2048 bits; this one has 1024/);
    expect(() => createDpopKey({ privateKey: createPublicKey(rsa) })).toThrow(/must be a private key/);
    expect(() => createDpopKey({ alg: 'HS256' as DpopAlgorithm })).toThrow(
      /alg must be one of ES256, RS256, PS256, EdDSA; got "HS256"/,
    );
    expect(() => createDpopKey({ privateKey: { kty: 'EC', crv: 'P-256', x: 'x' } })).toThrow(
      /not a usable private JWK/,
    );
    expect(() => createDpopKey().proof({ method: 'GET', url: '/orders' })).toThrow(/needs an absolute URL/);
    expect(() => createDpopKey().proof({ method: '', url: 'http://localhost/' })).toThrow(/needs a method/);
  });
});

describe('bound tokens from sign()', () => {
  it('carry cnf.jkt of the DPoP key and verify with jose through the JWKS', async () => {
    const issuer = await startIssuer({ algorithm: 'ES256' });
    const key = createDpopKey();
    const token = await issuer.sign({ cnf: key.cnf });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      issuer: issuer.issuerUrl,
      audience: 'api://default',
      algorithms: ['ES256'],
    });
    expect(payload.cnf).toEqual({ jkt: key.jkt });
    const proof = decodeJwtPayload(key.proof({ method: 'GET', url: 'http://localhost/orders', accessToken: token }));
    expect(proof.ath).toBe(sha256(token));
  });

  it('carry cnf["x5t#S256"] of a client certificate', async () => {
    const issuer = await startIssuer({ algorithm: 'ES256' });
    const thumbprint = certificateThumbprint(CLIENT_CERT);
    // Computed with `openssl x509 -outform DER | openssl dgst -sha256 -binary | basenc --base64url`.
    expect(thumbprint).toBe('z6T1JoqXZTfwBto29nVun9E7s3WW68tsg1GeEKPg5Pc');
    expect(certificateThumbprint(Buffer.from(CLIENT_CERT.replace(/-----[^-]+-----|\s/g, ''), 'base64'))).toBe(
      thumbprint,
    );
    const token = await issuer.sign({ cnf: { 'x5t#S256': thumbprint } });
    expect(decodeJwtPayload(token).cnf).toEqual({ 'x5t#S256': thumbprint });
  });
});

describe('thumbprints and ath from the package entry', () => {
  it("are the core's, so a token bound here and a proof checked by a resource server agree", () => {
    expect([api.jwkThumbprint, api.accessTokenHash]).toEqual([core.jwkThumbprint, core.accessTokenHash]);
  });
});

/** The `ath` of a token, computed here rather than by the code under test. */
function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function decodeJwtPayload(jws: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

// A self-signed P-256 test certificate (public part only), made with
// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=tollgate-test-client`.
const CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUOJX63kv/fbieikfu6k+xP2YnDJgwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUdG9sbGdhdGUtdGVzdC1jbGllbnQwHhcNMjYxMjA0MTYwOTQw
WhcNMzYxMjAxMTYwOTQwWjAfMR0wGwYDVQQDDBR0b2xsZ2F0ZS10ZXN0LWNsaWVu
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCmhDHewJ6WxxIOMgs/jQofZCwwc
UEljoz2nk7E5YsRchjPznzrvXJrk9CpCzz30+2vGBYnvoS1gFcceRYRBzKmjUzBR
MB0GA1UdDgQWBBT94PbLhrAPOfT1nw0pHdZMRwPrmTAfBgNVHSMEGDAWgBT94PbL
hrAPOfT1nw0pHdZMRwPrmTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIGDFUgtwgaUVr2rGpx0gj+KWushXQkCDeCZUkn6c6o5MAiEAswTpisfVA+vr
07/xkVMM0cZm+BuMDTR+N+dC5v8BpZE=
-----END CERTIFICATE-----
`;
