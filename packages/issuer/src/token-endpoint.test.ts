import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issuer } from './issuer.js';
import { basic, form, startSharedIssuer } from './test-support.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('POST /token (client credentials)', () => {
  let issuer: Issuer;
  let url: string;
  beforeAll(async () => {
    issuer = await startSharedIssuer({
      tenants: [
        {
          name: 'shop',
          algorithm: 'ES256',
          audience: 'https://api.shop.example',
          typ: 'at+jwt',
          tokenLifetimeSec: 600,
          clients: [
            { id: 'orders', secret: 'orders-secret', scopes: ['orders:read', 'orders:write'] },
            { id: 'odd id:x%', secret: 'pässword with spaces+plus', scopes: [] },
            { id: 'web', secret: 'web-secret', scopes: ['profile'], grantTypes: ['authorization_code'] },
          ],
        },
      ],
    });
    url = issuer.tenant('shop').tokenEndpoint;
  });
  afterAll(() => issuer?.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { ...FORM, ...headers }, body });

  async function expectError(res: Response, status: number, error: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe(error);
    expect(typeof body.error_description).toBe('string');
    return body;
  }

  it('issues an at+jwt access token to a client_secret_basic client, verifiable with jose', async () => {
    const res = await post(form({ grant_type: 'client_credentials' }), {
      authorization: basic('orders', 'orders-secret'),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'orders:read orders:write' });
    const token = body.access_token as string;
    const shop = issuer.tenant('shop');
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(shop.jwksUri)), {
      issuer: shop.issuer,
      audience: 'https://api.shop.example',
      typ: 'at+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: shop.issuer,
      sub: 'orders',
      client_id: 'orders',
      aud: 'https://api.shop.example',
      scope: 'orders:read orders:write',
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(typeof payload.jti).toBe('string');
  });

  it('accepts client_secret_post and narrows scope to what was asked', async () => {
    const res = await post(
      form({
        grant_type: 'client_credentials',
        client_id: 'orders',
        client_secret: 'orders-secret',
        scope: 'orders:read',
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('orders:read');
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(issuer.tenant('shop').jwksUri)));
    expect(payload.scope).toBe('orders:read');
  });

  it('URL-decodes Basic credentials (RFC 6749 §2.3.1) and omits scope when the client has none', async () => {
    const res = await post(form({ grant_type: 'client_credentials' }), {
      authorization: basic('odd id:x%', 'pässword with spaces+plus'),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string };
    expect(body).not.toHaveProperty('scope');
    const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(payload.sub).toBe('odd id:x%');
    expect(payload).not.toHaveProperty('scope');
  });

  it('answers invalid_client with 401 and a Basic challenge for bad credentials', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['wrong secret (basic)', { authorization: basic('orders', 'nope') }, ''],
      ['unknown client (basic)', { authorization: basic('ghost', 'orders-secret') }, ''],
      ['wrong secret (post)', {}, '&client_id=orders&client_secret=nope'],
      ['no authentication', {}, ''],
      ['client_id without secret', {}, '&client_id=orders'],
      ['Bearer scheme', { authorization: 'Bearer abc' }, ''],
      ['Basic without colon', { authorization: `Basic ${Buffer.from('orders').toString('base64')}` }, ''],
      ['Basic with bad base64', { authorization: 'Basic %%%' }, ''],
      [
        'Basic with bad percent-encoding',
        { authorization: `Basic ${Buffer.from('orders:%zz').toString('base64')}` },
        '',
      ],
      ['empty Basic', { authorization: 'Basic ' }, ''],
    ];
    for (const [name, headers, extra] of cases) {
      const res = await post(`grant_type=client_credentials${extra}`, headers);
      const body = await expectError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate'), name).toMatch(
        /^Basic realm="http:\/\/127\.0\.0\.1:\d+\/tenants\/shop", charset="UTF-8"$/,
      );
      expect(JSON.stringify(body)).not.toContain('orders-secret');
    }
  });

  it('answers invalid_request for two authentication methods, missing grant_type, repeated parameters', async () => {
    await expectError(
      await post(form({ grant_type: 'client_credentials', client_secret: 'orders-secret' }), {
        authorization: basic('orders', 'orders-secret'),
      }),
      400,
      'invalid_request',
    );
    await expectError(
      await post(form({ grant_type: 'client_credentials', client_id: 'web' }), {
        authorization: basic('orders', 'orders-secret'),
      }),
      400,
      'invalid_request',
    );
    await expectError(
      await post(form({ client_id: 'orders', client_secret: 'orders-secret' })),
      400,
      'invalid_request',
    );
    await expectError(
      await post('grant_type=client_credentials&grant_type=client_credentials', {
        authorization: basic('orders', 'orders-secret'),
      }),
      400,
      'invalid_request',
    );
  });

  it('answers unsupported_grant_type, unauthorized_client and invalid_scope', async () => {
    const auth = { authorization: basic('orders', 'orders-secret') };
    await expectError(
      await post(form({ grant_type: 'password', username: 'a', password: 'b' }), auth),
      400,
      'unsupported_grant_type',
    );
    await expectError(
      await post(form({ grant_type: 'client_credentials' }), { authorization: basic('web', 'web-secret') }),
      400,
      'unauthorized_client',
    );
    await expectError(
      await post(form({ grant_type: 'client_credentials', scope: 'orders:read admin' }), auth),
      400,
      'invalid_scope',
    );
    await expectError(await post(form({ grant_type: 'client_credentials', scope: '   ' }), auth), 400, 'invalid_scope');
    await expectError(await post(form({ grant_type: 'client_credentials', scope: 'a"b' }), auth), 400, 'invalid_scope');
  });

  it('rejects wrong content types and oversized bodies with 4xx JSON, and keeps serving', async () => {
    const auth = { authorization: basic('orders', 'orders-secret') };
    const json = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: '{"grant_type":"client_credentials"}',
    });
    await expectError(json, 400, 'invalid_request');
    const none = await fetch(url, { method: 'POST', headers: auth, body: 'grant_type=client_credentials' });
    await expectError(none, 400, 'invalid_request');
    const huge = await post(`grant_type=client_credentials&pad=${'x'.repeat(100_000)}`, auth);
    await expectError(huge, 413, 'invalid_request');
    const binary = await fetch(url, {
      method: 'POST',
      headers: { ...FORM, ...auth },
      body: new Uint8Array([0xff, 0xfe, 0x00, 0x26, 0x3d, 0x25]),
    });
    await expectError(binary, 400, 'invalid_request');
    const ok = await post(form({ grant_type: 'client_credentials' }), auth);
    expect(ok.status).toBe(200);
    expect(decodeProtectedHeader(((await ok.json()) as { access_token: string }).access_token).alg).toBe('ES256');
  });

  it('counts token requests per endpoint and tenant', async () => {
    issuer.resetStats();
    await post(form({ grant_type: 'client_credentials' }), { authorization: basic('orders', 'orders-secret') });
    await post('');
    const stats = issuer.stats();
    expect(stats.byEndpoint).toEqual({ discovery: 0, jwks: 0, token: 2, other: 0 });
    expect(stats.byTenant.shop).toEqual({ discovery: 0, jwks: 0, token: 2, other: 0 });
  });
});
