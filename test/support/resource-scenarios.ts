// The scenarios of a resource server that describes itself, run by every HTTP adapter (Express,
// Koa, NestJS on both platforms) against a real issuer: RFC 9728 metadata at the well-known path,
// `resource_metadata` in every challenge, tokens for another resource refused (RFC 8707), and
// step-up (RFC 9470). Tokens come from the issuer's token endpoint, as a client would get them.
// Expected challenges are spelled out by hand, not built with the core's helpers.
import { createVerifier, type ResourceMetadataOptions, type Verifier } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, request, type TestResponse } from './http.js';
import { startIssuer, type TestIssuer } from './issuer.js';

/** The resource the apps are for; not their address (metadata is found by path, tokens by `aud`). */
export const RESOURCE = 'https://orders.example/api';
export const METADATA_PATH = '/.well-known/oauth-protected-resource/api';
export const METADATA_URL = `https://orders.example${METADATA_PATH}`;
/** What `GET /step-up` requires (`requireAuthLevel` / `@AuthLevel`). */
export const STEP_UP = { acr: 'urn:example:mfa', maxAgeSec: 300 } as const;

/**
 * Serves an app for `verifier` with the adapter's options, with the metadata mounted the one-line
 * way the adapter's README shows (when the adapter has any), token verification on every route, and:
 * - `GET /me`: 200 with `{ sub }` of the token
 * - `GET /step-up`: the `STEP_UP` check, then 200 with `{ sub, acr }`
 */
export type ServeResourceApp = (
  verifier: Verifier,
  options: { resourceMetadata?: ResourceMetadataOptions | false },
) => Promise<{ url: string; close(): Promise<void> }>;

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const OTHER = 'https://billing.example/api';
const SCOPES = ['orders:read'];

export function describeResourceScenarios(name: string, serve: ServeResourceApp): void {
  describe(`${name}: a resource that describes itself (RFC 9728, RFC 8707, RFC 9470)`, () => {
    let idp: TestIssuer;
    let verifier: Verifier;
    let app: { url: string; close(): Promise<void> };
    const opened: { close(): Promise<void> }[] = [];

    /** A token from the issuer's token endpoint (client credentials, client_secret_basic), for `resource` when given. */
    const tokenFor = async (client: 'agent' | 'strong', resource?: string): Promise<string> => {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        ...(resource === undefined ? {} : { resource }),
      });
      const res = await fetch(idp.issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
        body,
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const challenge = (res: TestResponse) => res.headers['www-authenticate'];

    beforeAll(async () => {
      idp = await startIssuer({
        defaultTenant: {
          clients: [
            { id: 'agent', secret: 'agent-secret', scopes: SCOPES, resources: [RESOURCE, OTHER] },
            {
              id: 'strong',
              secret: 'strong-secret',
              scopes: SCOPES,
              resources: [RESOURCE],
              acr: STEP_UP.acr,
              amr: ['pwd', 'otp'],
            },
          ],
        },
      });
      opened.push(idp);
      verifier = createVerifier({ resource: RESOURCE, issuer: idp.issuerUrl, algorithms: ['RS256'] });
      opened.push(verifier);
      app = await serve(verifier, { resourceMetadata: { scopesSupported: SCOPES, resourceName: 'Orders API' } });
      opened.push(app);
    });
    afterAll(async () => {
      await Promise.all(opened.reverse().map((o) => o.close()));
    });

    it('serves the metadata document at the RFC 9728 path, without a token, cacheable and readable cross-origin', async () => {
      const res = await request(app.url, METADATA_PATH);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [idp.issuerUrl],
        scopes_supported: SCOPES,
        bearer_methods_supported: ['header'],
        resource_name: 'Orders API',
      });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('public, max-age=3600');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      const head = await request(app.url, METADATA_PATH, { method: 'HEAD' });
      expect({ status: head.status, text: head.text, type: head.headers['content-type'] }).toEqual({
        status: 200,
        text: '',
        type: expect.stringMatching(/^application\/json/),
      });
      const preflight = await request(app.url, METADATA_PATH, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://inspector.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'mcp-protocol-version',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(preflight.headers['access-control-allow-headers']).toBe('*');
    });

    it('answers a request without a token with 401 naming the metadata', async () => {
      const res = await request(app.url, '/me');
      expect(res.status).toBe(401);
      expect(challenge(res)).toBe(`Bearer realm="api", resource_metadata="${METADATA_URL}"`);
    });

    it('answers a bad token with 401 invalid_token naming the metadata', async () => {
      const res = await request(app.url, '/me', { authorization: bearer('not-a-jwt') });
      expect(res.status).toBe(401);
      expect(challenge(res)).toMatch(
        new RegExp(
          `^Bearer realm="api", error="invalid_token", error_description="[^"]+", resource_metadata="${METADATA_URL.replace(/[./]/g, '\\$&')}"$`,
        ),
      );
    });

    it('accepts a token minted for this resource, and refuses one for another resource or for no resource', async () => {
      const mine = await request(app.url, '/me', { authorization: bearer(await tokenFor('agent', RESOURCE)) });
      expect({ status: mine.status, body: mine.json() }).toEqual({ status: 200, body: { sub: 'agent' } });
      for (const token of [await tokenFor('agent', OTHER), await tokenFor('agent')]) {
        const res = await request(app.url, '/me', { authorization: bearer(token) });
        expect({ status: res.status, body: res.json() }).toEqual({
          status: 401,
          body: {
            error: 'invalid_token',
            error_description: 'Token "aud" does not name this service.',
            code: 'ERR_CLAIM_MISMATCH',
          },
        });
        expect(challenge(res)).toBe(
          `Bearer realm="api", error="invalid_token", error_description="Token \\"aud\\" does not name this service.", resource_metadata="${METADATA_URL}"`,
        );
      }
    });

    it('asks for a stronger login with 401 insufficient_user_authentication, acr_values and max_age', async () => {
      const res = await request(app.url, '/step-up', { authorization: bearer(await tokenFor('agent', RESOURCE)) });
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 401,
        body: {
          error: 'insufficient_user_authentication',
          error_description:
            'This resource needs a stronger login (acr urn:example:mfa); authenticate again with acr_values.',
          code: 'ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT',
        },
      });
      expect(challenge(res)).toBe(
        `Bearer realm="api", error="insufficient_user_authentication", error_description="This resource needs a stronger login (acr urn:example:mfa); authenticate again with acr_values.", acr_values="urn:example:mfa", max_age=300, resource_metadata="${METADATA_URL}"`,
      );
    });

    it('asks for a fresh login when auth_time is older than max_age', async () => {
      const stale = await idp.mintToken({
        sub: 'strong',
        aud: RESOURCE,
        acr: STEP_UP.acr,
        auth_time: Math.floor(Date.now() / 1000) - 3600,
      });
      const res = await request(app.url, '/step-up', { authorization: bearer(stale) });
      expect(res.status).toBe(401);
      expect(challenge(res)).toBe(
        `Bearer realm="api", error="insufficient_user_authentication", error_description="This resource needs a login within the last 300 s; authenticate again (max_age=300).", acr_values="urn:example:mfa", max_age=300, resource_metadata="${METADATA_URL}"`,
      );
    });

    it('accepts a token with the right acr and a fresh auth_time', async () => {
      const res = await request(app.url, '/step-up', { authorization: bearer(await tokenFor('strong', RESOURCE)) });
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 200,
        body: { sub: 'strong', acr: STEP_UP.acr },
      });
    });

    it('with resourceMetadata: false, serves no document and names none, and still refuses tokens for another resource', async () => {
      const plain = await serve(verifier, { resourceMetadata: false });
      opened.push(plain);
      expect((await request(plain.url, METADATA_PATH)).status).not.toBe(200);
      expect(challenge(await request(plain.url, '/me'))).toBe('Bearer realm="api"');
      expect((await request(plain.url, '/me', { authorization: bearer(await tokenFor('agent', OTHER)) })).status).toBe(
        401,
      );
    });
  });
}
