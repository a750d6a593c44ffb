// A real OpenID provider (panva's oidc-provider) on 127.0.0.1 issues RFC 9068 JWT access tokens
// through real client_credentials requests with resource indicators; tollgate verifies them
// through OIDC discovery alone, keeps verifying while the provider restarts with a rotated key
// set, and stops accepting the old key once it left the JWKS and the key set was refreshed.
import { createHmac, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, type Verifier } from '@tollgate/core';
import type ProviderClass from 'oidc-provider';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { withTimeout } from '../support/issuer.js';
import { MemoryAdapter } from './oidc-provider-memory-adapter.js';

const AUDIENCE = 'orders-api';
const CLIENT = { id: 'orders-client', secret: 'orders-client-secret-0123456789abcdef' };
const RESOURCES = { rs: 'urn:tollgate:orders:rs256', es: 'urn:tollgate:orders:es256' } as const;
/** tollgate's freshness for a JWKS without Cache-Control (oidc-provider sends none): JWKS_DEFAULTS.defaultMaxAgeSec. */
const DEFAULT_MAX_AGE_MS = 600_000;

type PrivateJwk = Record<string, unknown> & { kid: string };

function privateJwk(kind: 'rsa' | 'ec', kid: string): PrivateJwk {
  const { privateKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: kind === 'rsa' ? 'RS256' : 'ES256', use: 'sig' };
}

interface RunningProvider {
  readonly issuer: string;
  readonly port: number;
  /** Requests per path since this provider instance started. */
  readonly requests: Map<string, number>;
  /** The client's own connection pool for this provider instance, closed with it. */
  readonly client: Agent;
  close(): Promise<void>;
}

let Provider: typeof ProviderClass;

/** Starts oidc-provider with `keys` (first RSA key signs RS256 tokens) on 127.0.0.1, on `port` or a free one. */
async function startProvider(keys: readonly PrivateJwk[], port = 0): Promise<RunningProvider> {
  const requests = new Map<string, number>();
  // The issuer URL needs the port, so the server listens first and the provider is attached after.
  const route: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    if (route.handler) route.handler(req, res);
    else res.writeHead(503).end();
  });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port }, () => resolve());
    }),
    10_000,
    'oidc-provider start',
  );
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'orders:read orders:write',
      },
    ],
    scopes: ['orders:read', 'orders:write'],
    jwks: { keys },
    cookies: { keys: ['interop-cookie-signing-key-0123456789'] },
    ttl: { ClientCredentials: () => 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCES.rs,
        useGrantedResource: () => true,
        // RFC 9068 JWT access tokens: accessTokenFormat 'jwt', one audience, signed RS256 or ES256 per resource.
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'orders:read orders:write',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: resource === RESOURCES.es ? 'ES256' : 'RS256' } },
        }),
      },
    },
  });
  route.handler = provider.callback();
  const client = new Agent();
  return {
    issuer,
    port: (server.address() as AddressInfo).port,
    requests,
    client,
    close: async () => {
      await client.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** A real client_credentials request (RFC 6749 4.4) with a resource indicator (RFC 8707). */
async function requestToken(
  provider: RunningProvider,
  resource: string = RESOURCES.rs,
  scope = 'orders:read',
): Promise<string> {
  const response = await request(`${provider.issuer}/token`, {
    dispatcher: provider.client,
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(),
  });
  const body = (await response.body.json()) as { access_token?: string; token_type?: string };
  if (response.statusCode !== 200 || typeof body.access_token !== 'string')
    throw new Error(`token request failed: ${response.statusCode} ${JSON.stringify(body)}`);
  expect(body.token_type).toBe('Bearer');
  return body.access_token;
}

const header = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let consoleSpies: MockInstance[] = [];
let provider: RunningProvider | undefined;
const verifiers: Verifier[] = [];
const offset = { ms: 0 };
const keys = {
  rsA: privateJwk('rsa', 'rsa-2026-a'),
  rsB: privateJwk('rsa', 'rsa-2026-b'),
  esA: privateJwk('ec', 'ec-2026-a'),
};

beforeAll(async () => {
  // oidc-provider prints notices at import (Node version) and at first use; keep the test output clean.
  consoleSpies = [
    vi.spyOn(console, 'warn').mockImplementation(() => undefined),
    vi.spyOn(console, 'info').mockImplementation(() => undefined),
  ];
  ({ default: Provider } = await import('oidc-provider'));
  provider = await startProvider([keys.rsA, keys.esA]);
});

afterAll(async () => {
  await Promise.all(verifiers.map((v) => v.close()));
  await provider?.close();
  for (const spy of consoleSpies) spy.mockRestore();
});

function discoveryVerifier(issuer: string, extra: { audience?: string } = {}): Verifier {
  const verifier = createVerifier({
    issuer,
    audience: extra.audience ?? AUDIENCE,
    algorithms: ['RS256', 'ES256'],
    typ: 'at+jwt',
    requiredClaims: ['sub', 'jti', 'client_id'],
    clock: () => Date.now() + offset.ms,
  });
  verifiers.push(verifier);
  return verifier;
}

describe('oidc-provider JWT access tokens, verified through discovery alone', () => {
  let verifier: Verifier;
  let firstRs: string;
  let firstEs: string;

  it('verifies RS256 and ES256 access tokens from real client_credentials requests', async () => {
    const running = provider as RunningProvider;
    verifier = discoveryVerifier(running.issuer);
    firstRs = await requestToken(running, RESOURCES.rs);
    firstEs = await requestToken(running, RESOURCES.es, 'orders:read orders:write');
    expect(header(firstRs)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: keys.rsA.kid });

    const rs = await verifier.verify(firstRs);
    expect(rs).toMatchObject({ alg: 'RS256', kid: keys.rsA.kid, keySource: 'jwks', issuer: running.issuer });
    expect(rs.claims).toMatchObject({
      iss: running.issuer,
      aud: AUDIENCE,
      sub: CLIENT.id,
      client_id: CLIENT.id,
      scope: 'orders:read',
    });
    const es = await verifier.verify(firstEs);
    expect(es).toMatchObject({ alg: 'ES256', kid: keys.esA.kid });
    expect(es.claims.scope).toBe('orders:read orders:write');
    // Discovery once, JWKS once, then both tokens from the cached key set.
    expect(running.requests.get('/.well-known/openid-configuration')).toBe(1);
    expect(running.requests.get('/jwks')).toBe(1);
  });

  it("refuses tampered copies of the provider's tokens", async () => {
    const [h = '', p = '', s = ''] = firstRs.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    await expect(
      verifier.verify(`${h}.${b64({ ...claims, scope: 'orders:read orders:write' })}.${s}`),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_SIGNATURE_INVALID' });
    await expect(verifier.verify(`${h}.${b64({ ...claims, aud: 'billing-api' })}.${s}`)).rejects.toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
    });
    await expect(verifier.verify(`${b64({ ...header(firstRs), typ: 'JWT' })}.${p}.${s}`)).rejects.toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
    });
    await expect(verifier.verify(`${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`)).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
    // The provider's published RSA key (PEM) as an HMAC secret: the classic confusion, refused before any key lookup.
    const running = provider as RunningProvider;
    const published = (await (await request(`${running.issuer}/jwks`, { dispatcher: running.client })).body.json()) as {
      keys: (JsonWebKey & { kid: string })[];
    };
    const rsaJwk = published.keys.find((k) => k.kid === keys.rsA.kid) as JsonWebKey;
    const pem = createPublicKey({ key: rsaJwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    const confusedInput = `${b64({ ...header(firstRs), alg: 'HS256' })}.${p}`;
    const confused = `${confusedInput}.${createHmac('sha256', pem).update(confusedInput).digest('base64url')}`;
    await expect(verifier.verify(confused)).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
  });

  it('enforces its own policy on genuine provider tokens', async () => {
    const running = provider as RunningProvider;
    const otherService = discoveryVerifier(running.issuer, { audience: 'billing-api' });
    await expect(otherService.verify(firstRs)).rejects.toMatchObject({ code: 'ERR_CLAIM_MISMATCH', claim: 'aud' });
    // An issuer configured with a trailing slash: the token's iss does not match it (refused before any
    // network call), and warming up fails loudly on the discovered issuer instead of trusting it.
    const misconfigured = discoveryVerifier(`${running.issuer}/`);
    await expect(misconfigured.verify(firstRs)).rejects.toMatchObject({ code: 'ERR_CLAIM_MISMATCH', claim: 'iss' });
    await expect(misconfigured.ready()).rejects.toMatchObject({ code: 'ERR_DISCOVERY_ISSUER_MISMATCH', status: 503 });
  });

  it('keeps verifying across a key rotation: new kid first, old key still published', async () => {
    const before = provider as RunningProvider;
    await before.close();
    provider = await startProvider([keys.rsB, keys.rsA, keys.esA], before.port);
    const running = provider;

    const rotated = await requestToken(running, RESOURCES.rs);
    expect(header(rotated).kid).toBe(keys.rsB.kid);
    // Unknown kid: exactly one JWKS refetch from the restarted provider, then the token verifies.
    await expect(verifier.verify(rotated)).resolves.toMatchObject({ kid: keys.rsB.kid, alg: 'RS256' });
    expect(running.requests.get('/jwks')).toBe(1);
    // Tokens signed before the rotation still verify during the grace period.
    await expect(verifier.verify(firstRs)).resolves.toMatchObject({ kid: keys.rsA.kid });
    await expect(verifier.verify(firstEs)).resolves.toMatchObject({ kid: keys.esA.kid });
    expect(running.requests.get('/jwks')).toBe(1);
  });

  it('stops accepting the old key once it left the JWKS and the key set was refreshed', async () => {
    const before = provider as RunningProvider;
    const rotated = await requestToken(before, RESOURCES.rs);
    await before.close();
    provider = await startProvider([keys.rsB, keys.esA], before.port);
    const running = provider;

    // Until the cached key set's max-age passes, the removed key may still verify (documented in SECURITY.md).
    await expect(verifier.verify(firstRs)).resolves.toMatchObject({ kid: keys.rsA.kid });
    offset.ms += DEFAULT_MAX_AGE_MS + 1000;
    await expect(verifier.verify(firstRs)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(running.requests.get('/jwks')).toBeGreaterThanOrEqual(1);
    await expect(verifier.verify(rotated)).resolves.toMatchObject({ kid: keys.rsB.kid });
    await expect(verifier.verify(firstEs)).resolves.toMatchObject({ kid: keys.esA.kid });
    // Fresh tokens from the restarted provider verify as well.
    await expect(verifier.verify(await requestToken(running, RESOURCES.es))).resolves.toMatchObject({ alg: 'ES256' });
  });
});
