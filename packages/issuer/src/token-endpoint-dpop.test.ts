import { request } from 'node:http';
import { DPOP_NONCE_DEFAULTS, DPOP_PROOF_DEFAULTS } from '@tollgate/core';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DpopAlgorithm } from './algorithms.js';
import { createTestClock, type TestClock } from './clock.js';
import { createDpopKey, type DpopKey, type DpopProofOptions } from './dpop-key.js';
import type { Issuer } from './issuer.js';
import { basic, decodePart, form, startIssuer, startSharedIssuer } from './test-support.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const AUTH = { authorization: basic('orders', 'orders-secret') };
const CLIENTS = [
  { id: 'orders', secret: 'orders-secret', scopes: ['orders:read'] },
  { id: 'partner', secret: 'partner-secret', scopes: ['orders:read'], requireDpop: true },
];

function post(url: string, headers: Record<string, string> = {}, body = form({ grant_type: 'client_credentials' })) {
  return fetch(url, { method: 'POST', headers: { ...FORM, ...AUTH, ...headers }, body });
}

async function expectError(res: Response, error: string): Promise<string> {
  expect(res.status).toBe(400);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  return body.error_description;
}

describe('DPoP at the token endpoint', () => {
  let issuer: Issuer;
  let clock: TestClock;
  let url: string;
  let key: DpopKey;
  const proof = (options: Partial<DpopProofOptions> = {}, with_ = key) =>
    with_.proof({ method: 'POST', url, ...options });
  const jwks = async () => createLocalJWKSet((await (await fetch(issuer.jwksUri)).json()) as JSONWebKeySet);

  beforeAll(async () => {
    clock = createTestClock('2026-01-05T10:00:00Z');
    issuer = await startSharedIssuer({ clock, algorithm: 'ES256', defaultTenant: { clients: CLIENTS } });
    url = issuer.tokenEndpoint;
    key = createDpopKey({ clock });
  });
  afterAll(() => issuer?.close());

  it('binds the token to the proof key: cnf.jkt, token_type DPoP', async () => {
    const res = await post(url, { dpop: proof() });
    expect(res.status).toBe(200);
    expect(res.headers.get('dpop-nonce')).toBeNull();
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body).toMatchObject({ token_type: 'DPoP', expires_in: 900, scope: 'orders:read' });
    const { payload } = await jwtVerify(body.access_token, await jwks(), {
      issuer: issuer.issuerUrl,
      currentDate: new Date(clock.now()),
    });
    expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk) });
    expect(payload).toMatchObject({ sub: 'orders', client_id: 'orders' });
  });

  it('issues Bearer tokens without cnf when there is no DPoP header', async () => {
    const body = (await (await post(url)).json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(decodePart(body.access_token, 1)).not.toHaveProperty('cnf');
  });

  it.each<DpopAlgorithm>(['RS256', 'PS256', 'EdDSA'])('accepts %s proofs', async (alg) => {
    const other = createDpopKey({ alg, clock });
    const res = await post(url, { dpop: proof({}, other) });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    expect(decodePart(token, 1).cnf).toEqual({ jkt: other.jkt });
  });

  it('accepts an htu with query or fragment, and one spelled with upper-case scheme and host', async () => {
    expect((await post(url, { dpop: proof({ url: `${url}?x=1#f` }) })).status).toBe(200);
    expect((await post(url, { dpop: proof({ claims: { htu: url.replace('http://', 'HTTP://') } }) })).status).toBe(200);
  });

  it('refuses a replayed proof, and takes the same jti from another key', async () => {
    const once = proof({ jti: 'replay-me' });
    expect((await post(url, { dpop: once })).status).toBe(200);
    expect(await expectError(await post(url, { dpop: once }), 'invalid_dpop_proof')).toBe(
      'This DPoP proof was already used; make a fresh proof (with a new jti) for every request.',
    );
    expect(await expectError(await post(url, { dpop: proof({ jti: 'replay-me' }) }), 'invalid_dpop_proof')).toMatch(
      /already used/,
    );
    expect((await post(url, { dpop: proof({ jti: 'replay-me' }, createDpopKey({ clock })) })).status).toBe(200);
  });

  it('honours the iat window: 300 s back, 5 s ahead', async () => {
    const now = Math.floor(clock.now() / 1000);
    expect((await post(url, { dpop: proof({ iat: now - 300 }) })).status).toBe(200);
    expect((await post(url, { dpop: proof({ iat: now + 5 }) })).status).toBe(200);
    expect(await expectError(await post(url, { dpop: proof({ iat: now - 301 }) }), 'invalid_dpop_proof')).toMatch(
      /made more than 300 s ago/,
    );
    expect(await expectError(await post(url, { dpop: proof({ iat: now + 6 }) }), 'invalid_dpop_proof')).toMatch(
      /iat is in the future/,
    );
  });

  it('refuses every malformed or mismatching proof with invalid_dpop_proof, and keeps serving', async () => {
    const other = createDpopKey({ clock });
    const rsa = createDpopKey({ alg: 'RS256', clock });
    const valid = proof();
    const [h, p, s] = valid.split('.') as [string, string, string];
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: [string, string, RegExp][] = [
      ['GET instead of POST', proof({ method: 'GET' }), /htm must be the request method, exactly "POST"/],
      ['lower-case htm', proof({ method: 'post' }), /htm must be the request method, exactly "POST"/],
      ['another path', proof({ url: `${issuer.baseUrl}/other` }), /htu does not match the request URI/],
      ['another port', proof({ url: url.replace(/:\d+\//, ':1/') }), /htu does not match the request URI/],
      ['another host', proof({ url: url.replace('127.0.0.1', 'localhost') }), /htu does not match the request URI/],
      ['https instead of http', proof({ url: url.replace('http:', 'https:') }), /htu does not match the request URI/],
      ['userinfo in htu', proof({ url: url.replace('http://', 'http://user@') }), /htu .*userinfo/],
      ['htu missing', proof({ claims: { htu: undefined } }), /needs an "htu" string/],
      ['typ JWT', proof({ header: { typ: 'JWT' } }), /"typ": "dpop\+jwt"/],
      ['no typ', proof({ header: { typ: undefined } }), /"typ": "dpop\+jwt"/],
      [
        'alg HS256',
        proof({ header: { alg: 'HS256' } }),
        new RegExp(`alg is not accepted; sign proofs with one of: ${DPOP_PROOF_DEFAULTS.algorithms.join(', ')}\\.`),
      ],
      ['alg none', `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${p}.${s}`, /alg is not accepted/],
      ['alg of another key type', proof({ header: { alg: 'RS256' } }), /alg RS256 does not fit its jwk/],
      ['RSA jwk for ES256', proof({ header: { jwk: rsa.publicJwk } }), /alg ES256 does not fit its jwk/],
      [
        'private jwk',
        proof({ header: { jwk: { ...key.publicJwk, d: key.privateJwk.d } } }),
        /contains private or symmetric key material/,
      ],
      ['no jwk', proof({ header: { jwk: undefined } }), /has no "jwk" object/],
      [
        'jku instead of jwk',
        proof({ header: { jwk: undefined, jku: 'https://attacker.example/jwks' } }),
        /names its key by "jku", "x5u" or "x5c"/,
      ],
      ['x5c next to jwk', proof({ header: { x5c: ['MIIB'] } }), /names its key by "jku", "x5u" or "x5c"/],
      [
        'broken jwk',
        proof({ header: { jwk: { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } } }),
        /not canonical base64url of the right size/,
      ],
      [
        'signed by another key',
        `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: other.publicJwk })}.${p}.${s}`,
        /signature does not verify/,
      ],
      [
        'payload changed after signing',
        `${h}.${b64({ ...decodePart(valid, 1), htm: 'POST', jti: 'x' })}.${s}`,
        /signature does not verify/,
      ],
      ['empty signature', `${h}.${p}.`, /hold one compact JWS/],
      [
        'PS256 signature with its leading zero byte removed',
        stripLeadingZero(createDpopKey({ alg: 'PS256', clock }), url),
        /signature does not verify/,
      ],
      ['no iat', proof({ claims: { iat: undefined } }), /needs an "iat" number/],
      ['string iat', proof({ claims: { iat: String(Math.floor(clock.now() / 1000)) } }), /needs an "iat" number/],
      ['no jti', proof({ claims: { jti: undefined } }), /needs a "jti" string of 1 to 256 characters/],
      ['long jti', proof({ jti: 'j'.repeat(257) }), /needs a "jti" string of 1 to 256 characters/],
      ['expired', proof({ claims: { exp: Math.floor(clock.now() / 1000) - 5 } }), /has expired/],
      ['not valid yet', proof({ claims: { nbf: Math.floor(clock.now() / 1000) + 6 } }), /not valid yet/],
      ['two proofs in one header', `${proof()}, ${proof()}`, /hold one compact JWS/],
      ['garbage', 'not-a-jws', /hold one compact JWS/],
      ['JSON array header', `${b64([1])}.${p}.${s}`, /hold one compact JWS/],
      ['oversized', proof({ claims: { pad: 'x'.repeat(9000) } }), /over the 8192-byte limit/],
    ];
    const answers: [string, string][] = [];
    for (const [name, dpop] of cases)
      answers.push([name, await expectError(await post(url, { dpop }), 'invalid_dpop_proof')]);
    // One comparison of every case, so a failure lists each proof whose refusal was wrong.
    expect(answers).toEqual(
      cases.map(([name, , message]): [string, unknown] => [name, expect.stringMatching(message)]),
    );
    expect((await post(url, { dpop: proof() })).status).toBe(200);
  });

  it('refuses two DPoP header lines', async () => {
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...FORM, ...AUTH, dpop: [proof(), proof()] } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(form({ grant_type: 'client_credentials' }));
    });
    expect(status.status).toBe(400);
    expect(JSON.parse(status.body)).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: 'The request carries 2 DPoP headers; send exactly one.',
    });
  });

  it('refuses token requests without a proof from a client that must use DPoP', async () => {
    const partner = { authorization: basic('partner', 'partner-secret') };
    expect(await expectError(await post(url, partner), 'invalid_dpop_proof')).toMatch(/must send a DPoP proof/);
    const res = await post(url, { ...partner, dpop: proof() });
    expect(((await res.json()) as { token_type: string }).token_type).toBe('DPoP');
  });

  it('still authenticates the client first: a proof does not replace client credentials', async () => {
    const res = await post(url, { authorization: basic('orders', 'wrong'), dpop: proof() });
    expect(res.status).toBe(401);
  });

  it('advertises the algorithms of its proof policy, the core defaults, in discovery and metadata', async () => {
    const advertised = async (docUrl: string) =>
      ((await (await fetch(docUrl)).json()) as Record<string, unknown>).dpop_signing_alg_values_supported;
    expect(await advertised(issuer.discoveryUrl)).toEqual(DPOP_PROOF_DEFAULTS.algorithms);
    expect(await advertised(issuer.metadataUrl)).toEqual(DPOP_PROOF_DEFAULTS.algorithms);
  });
});

describe('DPoP server nonces at the token endpoint', () => {
  const clients = [{ id: 'orders', secret: 'orders-secret', scopes: ['orders:read'] }];

  it('answers use_dpop_nonce with a DPoP-Nonce, then accepts a proof carrying it', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const issuer = await startIssuer({ clock, algorithm: 'ES256', dpopNonce: true, defaultTenant: { clients } });
    const key = createDpopKey({ clock });
    const url = issuer.tokenEndpoint;

    const first = await post(url, { dpop: key.proof({ method: 'POST', url }) });
    expect(await expectError(first, 'use_dpop_nonce')).toMatch(/DPoP-Nonce/);
    const nonce = first.headers.get('dpop-nonce')!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const second = await post(url, { dpop: key.proof({ method: 'POST', url, nonce }) });
    expect(second.status).toBe(200);
    expect(second.headers.get('dpop-nonce')).toBe(nonce);
    const token = ((await second.json()) as { access_token: string }).access_token;
    expect(decodePart(token, 1).cnf).toEqual({ jkt: key.jkt });

    expect(
      await expectError(
        await post(url, { dpop: key.proof({ method: 'POST', url, nonce: 'made-up' }) }),
        'use_dpop_nonce',
      ),
    ).toMatch(/nonce is unknown or stale/);
    // A nonce stays good for the rest of its step and the next one, then the server hands out another.
    clock.advance(DPOP_NONCE_DEFAULTS.stepSec * 1000);
    const later = await post(url, { dpop: key.proof({ method: 'POST', url, nonce }) });
    expect(later.status).toBe(200);
    expect(later.headers.get('dpop-nonce')).not.toBe(nonce);
    clock.advance(DPOP_NONCE_DEFAULTS.stepSec * 1000);
    const stale = await post(url, { dpop: key.proof({ method: 'POST', url, nonce }) });
    await expectError(stale, 'use_dpop_nonce');
    expect(stale.headers.get('dpop-nonce')).not.toBe(nonce);
    // Bearer requests need no nonce.
    expect((await post(url)).status).toBe(200);
  });

  it('applies per tenant: a tenant can turn the issuer default off, nonces are per tenant', async () => {
    const issuer = await startIssuer({
      algorithm: 'ES256',
      dpopNonce: true,
      tenants: [
        { name: 'strict', clients },
        { name: 'relaxed', clients, dpopNonce: false },
      ],
    });
    const key = createDpopKey();
    const strict = issuer.tenant('strict').tokenEndpoint;
    const relaxed = issuer.tenant('relaxed').tokenEndpoint;
    expect((await post(relaxed, { dpop: key.proof({ method: 'POST', url: relaxed }) })).status).toBe(200);
    const asked = await post(strict, { dpop: key.proof({ method: 'POST', url: strict }) });
    const nonce = asked.headers.get('dpop-nonce')!;
    expect((await post(strict, { dpop: key.proof({ method: 'POST', url: strict, nonce }) })).status).toBe(200);
    const other = await startIssuer({
      algorithm: 'ES256',
      tenants: [
        { name: 'a', clients, dpopNonce: true },
        { name: 'b', clients, dpopNonce: true },
      ],
    });
    const a = other.tenant('a').tokenEndpoint;
    const b = other.tenant('b').tokenEndpoint;
    const nonceA = (await post(a, { dpop: key.proof({ method: 'POST', url: a }) })).headers.get('dpop-nonce')!;
    await expectError(await post(b, { dpop: key.proof({ method: 'POST', url: b, nonce: nonceA }) }), 'use_dpop_nonce');
  });
});

describe('DPoP behind a public URL', () => {
  it('expects htu on the published token endpoint, not on the address the request reached', async () => {
    const issuer = await startIssuer({
      algorithm: 'ES256',
      publicUrl: 'https://auth.example',
      defaultTenant: { clients: [{ id: 'orders', secret: 'orders-secret' }] },
    });
    const key = createDpopKey();
    const local = `http://127.0.0.1:${issuer.port}/token`;
    expect(issuer.tokenEndpoint).toBe('https://auth.example/token');
    await expectError(await post(local, { dpop: key.proof({ method: 'POST', url: local }) }), 'invalid_dpop_proof');
    const res = await post(local, { dpop: key.proof({ method: 'POST', url: issuer.tokenEndpoint }) });
    expect(res.status).toBe(200);
    expect(decodeProtectedHeader(((await res.json()) as { access_token: string }).access_token).alg).toBe('ES256');
  });
});

/** A proof whose RSA signature starts with a zero byte, re-encoded without it: OpenSSL takes it for PSS. */
function stripLeadingZero(key: DpopKey, url: string): string {
  for (;;) {
    const proof = key.proof({ method: 'POST', url });
    const [h, p, s] = proof.split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    if (signature[0] === 0) return `${h}.${p}.${signature.subarray(1).toString('base64url')}`;
  }
}
