import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issuer } from './issuer.js';
import { startIssuer, startSharedIssuer } from './test-support.js';

describe('discovery and JWKS over HTTP', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startSharedIssuer();
  });
  afterAll(() => issuer?.close());

  it('serves the default tenant at the root of a 127.0.0.1 URL', () => {
    expect(issuer.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer.issuerUrl).toBe(issuer.baseUrl);
    expect(issuer.jwksUri).toBe(`${issuer.baseUrl}/.well-known/jwks.json`);
    expect(issuer.discoveryUrl).toBe(`${issuer.baseUrl}/.well-known/openid-configuration`);
    expect(issuer.tokenEndpoint).toBe(`${issuer.baseUrl}/token`);
    expect(issuer.tenant()).toMatchObject({
      name: 'default',
      algorithm: 'RS256',
      audience: 'api://default',
      clientIds: ['tollgate-dev'],
    });
  });

  it('publishes an OIDC / RFC 8414 discovery document whose issuer equals the issuer URL', async () => {
    const res = await fetch(issuer.discoveryUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toEqual({
      issuer: issuer.issuerUrl,
      jwks_uri: issuer.jwksUri,
      token_endpoint: issuer.tokenEndpoint,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['read', 'write'],
      dpop_signing_alg_values_supported: [
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
        'Ed25519',
      ],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'jti',
        'scope',
        'client_id',
        'cnf',
        'acr',
        'amr',
        'auth_time',
      ],
    });
  });

  it('publishes RFC 8414 authorization server metadata without the OpenID Connect fields', async () => {
    expect(issuer.metadataUrl).toBe(`${issuer.baseUrl}/.well-known/oauth-authorization-server`);
    const res = await fetch(issuer.metadataUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await res.json()).toEqual({
      issuer: issuer.issuerUrl,
      token_endpoint: issuer.tokenEndpoint,
      jwks_uri: issuer.jwksUri,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      scopes_supported: ['read', 'write'],
      dpop_signing_alg_values_supported: [
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
        'Ed25519',
      ],
    });
  });

  it('publishes public RSA signing keys only, with kid, kty, use and alg', async () => {
    const res = await fetch(issuer.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(Object.keys(key!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
    expect(key!.kid).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // 2048-bit modulus: 256 bytes, base64url without padding is 342 characters.
    expect(Buffer.from(key!.n as string, 'base64url')).toHaveLength(256);
  });

  it('answers 304 to a matching If-None-Match, in every list and weak form', async () => {
    const first = await fetch(issuer.jwksUri);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    issuer.resetStats();
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await fetch(issuer.jwksUri, { headers: { 'if-none-match': value } });
      expect(res.status, value).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(await res.text()).toBe('');
    }
    const miss = await fetch(issuer.jwksUri, { headers: { 'if-none-match': '"stale"' } });
    expect(miss.status).toBe(200);
    expect(issuer.stats()).toMatchObject({ notModified: 4, byEndpoint: { jwks: 5 } });
  });

  it('gives the discovery document an ETag too', async () => {
    const etag = (await fetch(issuer.discoveryUrl)).headers.get('etag')!;
    const res = await fetch(issuer.discoveryUrl, { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(304);
  });

  it('answers HEAD with headers and no body', async () => {
    const res = await fetch(issuer.jwksUri, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(300);
    expect(await res.text()).toBe('');
  });

  it('lists tenants at / and answers 404 and 405 as JSON', async () => {
    const index = await fetch(`${issuer.baseUrl}/`);
    expect(await index.json()).toEqual({
      tenants: [
        {
          name: 'default',
          issuer: issuer.issuerUrl,
          discovery: issuer.discoveryUrl,
          authorization_server_metadata: issuer.metadataUrl,
          jwks_uri: issuer.jwksUri,
          token_endpoint: issuer.tokenEndpoint,
        },
      ],
    });
    const missing = await fetch(`${issuer.baseUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
    const post = await fetch(issuer.jwksUri, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ error: 'method_not_allowed' });
    const get = await fetch(issuer.tokenEndpoint);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('publicUrl', () => {
  it('puts the public base URL in every issuer URL while listening on the local address', async () => {
    const issuer = await startIssuer({ publicUrl: 'http://issuer.internal:4010/' });
    expect(issuer.baseUrl).toBe('http://issuer.internal:4010');
    expect(issuer.issuerUrl).toBe('http://issuer.internal:4010');
    const doc = (await (
      await fetch(`http://127.0.0.1:${issuer.port}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: 'http://issuer.internal:4010',
      jwks_uri: 'http://issuer.internal:4010/.well-known/jwks.json',
    });
  });
});

describe('JWKS caching options', () => {
  it('changes the ETag when the key set changes (rotation)', async () => {
    const issuer = await startIssuer();
    const before = (await fetch(issuer.jwksUri)).headers.get('etag')!;
    await issuer.rotate();
    const res = await fetch(issuer.jwksUri, { headers: { 'if-none-match': before } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(before);
    expect(((await res.json()) as { keys: unknown[] }).keys).toHaveLength(2);
  });

  it('takes a configured max-age, or none, and can turn ETags off', async () => {
    const custom = await startIssuer({ jwksMaxAgeSec: 60, discoveryMaxAgeSec: 5 });
    expect((await fetch(custom.jwksUri)).headers.get('cache-control')).toBe('public, max-age=60');
    expect((await fetch(custom.discoveryUrl)).headers.get('cache-control')).toBe('public, max-age=5');
    const bare = await startIssuer({ jwksMaxAgeSec: null, etag: false });
    const res = await fetch(bare.jwksUri, { headers: { 'if-none-match': '*' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
  });
});
