import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from './clock.js';
import { createDpopKey } from './dpop-key.js';
import type { Issuer } from './issuer.js';
import { basic, decodePart, startIssuer, startSharedIssuer } from './test-support.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const ORDERS = 'https://orders.example/api';
const BILLING = 'https://billing.example';

describe('resource indicators (RFC 8707) and step-up claims at the token endpoint', () => {
  let issuer: Issuer;
  let clock: TestClock;
  beforeAll(async () => {
    clock = createTestClock('2026-01-05T10:00:00Z');
    issuer = await startSharedIssuer({
      clock,
      algorithm: 'ES256',
      defaultTenant: {
        audience: 'api://default',
        clients: [
          {
            id: 'agent',
            secret: 'agent-secret',
            scopes: ['orders:read'],
            resources: [ORDERS, BILLING, 'urn:example:ledger'],
          },
          { id: 'plain', secret: 'plain-secret', scopes: ['orders:read'] },
          { id: 'strong', secret: 'strong-secret', acr: 'urn:example:mfa', amr: ['pwd', 'otp'] },
        ],
      },
    });
  });
  afterAll(() => issuer?.close());

  async function token(client: string, params: [string, string][] = [], headers: Record<string, string> = {}) {
    const body = new URLSearchParams([['grant_type', 'client_credentials'], ...params]).toString();
    return fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { ...FORM, authorization: basic(client, `${client}-secret`), ...headers },
      body,
    });
  }
  async function accessToken(res: Response): Promise<string> {
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }
  async function verify(jwt: string, audience: string) {
    const jwks = createLocalJWKSet((await (await fetch(issuer.jwksUri)).json()) as JSONWebKeySet);
    return (await jwtVerify(jwt, jwks, { issuer: issuer.issuerUrl, audience, currentDate: new Date(clock.now()) }))
      .payload;
  }

  it('puts one requested resource in aud, as a string', async () => {
    const payload = await verify(await accessToken(await token('agent', [['resource', ORDERS]])), ORDERS);
    expect(payload.aud).toBe(ORDERS);
  });

  it('puts several requested resources in aud, as a list without repeats (RFC 8707 §2)', async () => {
    const jwt = await accessToken(
      await token('agent', [
        ['resource', ORDERS],
        ['resource', 'urn:example:ledger'],
        ['resource', ORDERS],
      ]),
    );
    expect(decodePart(jwt, 1).aud).toEqual([ORDERS, 'urn:example:ledger']);
  });

  it('keeps the tenant audience when no resource is asked for', async () => {
    expect(decodePart(await accessToken(await token('agent')), 1).aud).toBe('api://default');
  });

  it.each<[string, string, [string, string][], RegExp]>([
    [
      'a resource the client may not ask for',
      'agent',
      [['resource', 'https://admin.example']],
      /may not ask for resource "https:\/\/admin\.example"/,
    ],
    [
      'one allowed and one refused resource',
      'agent',
      [
        ['resource', ORDERS],
        ['resource', 'https://admin.example'],
      ],
      /may not ask for resource/,
    ],
    [
      'a resource differing only by a trailing slash',
      'agent',
      [['resource', `${ORDERS}/`]],
      /may not ask for resource/,
    ],
    ['any resource from a client with no resources', 'plain', [['resource', ORDERS]], /may not ask for resource/],
    ['a relative resource', 'agent', [['resource', '/api']], /absolute URI without a fragment/],
    ['a resource with a fragment', 'agent', [['resource', `${ORDERS}#x`]], /absolute URI without a fragment/],
    ['an empty resource', 'agent', [['resource', '']], /absolute URI without a fragment/],
  ])('refuses %s with 400 invalid_target', async (_name, client, params, message) => {
    const res = await token(client, params);
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_target');
    expect(body.error_description).toMatch(message);
  });

  it('still refuses other repeated parameters', async () => {
    const res = await token('agent', [
      ['scope', 'orders:read'],
      ['scope', 'orders:read'],
    ]);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('binds a token for a resource with DPoP', async () => {
    const key = createDpopKey({ clock });
    const jwt = await accessToken(
      await token('agent', [['resource', BILLING]], { dpop: key.proof({ method: 'POST', url: issuer.tokenEndpoint }) }),
    );
    expect(await verify(jwt, BILLING)).toMatchObject({ aud: BILLING, cnf: { jkt: key.jkt } });
  });

  it('gives a client with acr/amr those claims and auth_time = the time of the request', async () => {
    clock.advance(30_000);
    const payload = await verify(await accessToken(await token('strong')), 'api://default');
    expect(payload).toMatchObject({
      acr: 'urn:example:mfa',
      amr: ['pwd', 'otp'],
      auth_time: Math.floor(clock.now() / 1000),
    });
    const plain = decodePart(await accessToken(await token('plain')), 1);
    for (const claim of ['acr', 'amr', 'auth_time']) expect(plain).not.toHaveProperty(claim);
  });

  it("lists the clients' acr values in discovery", async () => {
    const doc = (await (await fetch(issuer.discoveryUrl)).json()) as Record<string, unknown>;
    expect(doc.acr_values_supported).toEqual(['urn:example:mfa']);
  });

  it('mints acr, amr and auth_time directly with sign()', async () => {
    const payload = decodePart(
      await issuer.sign({ acr: 'urn:example:mfa', amr: ['hwk'], auth_time: 1_700_000_000 }),
      1,
    );
    expect(payload).toMatchObject({ acr: 'urn:example:mfa', amr: ['hwk'], auth_time: 1_700_000_000 });
  });
});

describe('RFC 8414 metadata of tenants with a path', () => {
  it('is served at /.well-known/oauth-authorization-server/tenants/<name> (RFC 8414 §3.1), counted as discovery', async () => {
    const issuer = await startIssuer({
      algorithm: 'ES256',
      tenants: [{ name: 'acme', clients: [{ id: 'c', secret: 's', scopes: ['orders:read'] }] }, { name: 'globex' }],
    });
    const acme = issuer.tenant('acme');
    expect(acme.metadataUrl).toBe(`${issuer.baseUrl}/.well-known/oauth-authorization-server/tenants/acme`);
    issuer.resetStats();
    const res = await fetch(acme.metadataUrl);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      issuer: acme.issuer,
      token_endpoint: acme.tokenEndpoint,
      jwks_uri: acme.jwksUri,
      scopes_supported: ['orders:read'],
    });
    const globex = (await (await fetch(issuer.tenant('globex').metadataUrl)).json()) as Record<string, unknown>;
    expect(globex).toMatchObject({ issuer: `${issuer.baseUrl}/tenants/globex`, scopes_supported: [] });
    expect((await fetch(`${acme.issuer}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect(issuer.stats().byTenant.acme).toMatchObject({ discovery: 1, other: 1 });
    const etag = res.headers.get('etag')!;
    expect((await fetch(acme.metadataUrl, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(acme.metadataUrl, { method: 'POST' })).status).toBe(405);
  });
});

describe('client configuration for resources and step-up', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a relative resource',
      { resources: ['/api'] },
      /clients\[0\]\.resources must be absolute URIs without a fragment \(RFC 8707 §2\); got "\/api"/,
    ],
    [
      'a resource with a fragment',
      { resources: ['https://a.example/#x'] },
      /clients\[0\]\.resources must be absolute URIs/,
    ],
    ['resources that are not a list', { resources: 'https://a.example' }, /clients\[0\]\.resources must be a list/],
    ['an empty acr', { acr: '' }, /clients\[0\]\.acr must be a non-empty string/],
    ['amr that is not a list', { amr: 'pwd' }, /clients\[0\]\.amr must be a list of non-empty strings/],
  ])('rejects %s', async (_name, fields, message) => {
    await expect(startIssuer({ defaultTenant: { clients: [{ id: 'c', secret: 's', ...fields }] } })).rejects.toThrow(
      message,
    );
  });
});
