// @tollgate/fetch: the shared adapter scenarios for the Hono middleware and for a plain Fetch
// handler (the Next.js route-handler pattern), both served by @hono/node-server on real HTTP.
import {
  createAuthenticator,
  createVerifier,
  requireAuthLevel as authLevelCheck,
  requireClaims as claimsCheck,
  requireScopes as scopesCheck,
  type AuthCheck,
  type Verifier,
} from '@tollgate/fetch';
import {
  type getAuth,
  requireAuthLevel,
  requireClaims,
  requireScopes,
  resourceMetadata,
  verify,
} from '@tollgate/fetch/hono';
import { createDpopKey } from '@tollgate/issuer';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context, type ContextVariableMap } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { authSummary, describeAdapterScenarios, type BuildApp } from '../support/adapter-scenarios.js';
import { describeResourceScenarios, STEP_UP, type ServeResourceApp } from '../support/resource-scenarios.js';
import { bearer, request } from '../support/http.js';
import { listen, startIssuer, type Listening, type TestIssuer } from '../support/issuer.js';
import { nodeListener } from '../support/node-listener.js';

const buildHono: BuildApp = (source, options) => {
  const app = new Hono();
  const auth = verify(source, options);
  app.use(auth);
  app.get('/me', (c) => c.json(authSummary(c.get('auth'))));
  app.get('/orders', requireScopes('orders:read'), (c) => c.json(authSummary(c.get('auth'))));
  app.get(
    '/admin',
    requireClaims((claims) => claims.role === 'admin'),
    (c) => c.json(authSummary(c.get('auth'))),
  );
  return { listener: nodeListener(getRequestListener(app.fetch)), verifier: auth.verifier };
};

describeAdapterScenarios('hono', buildHono);

/** Route handlers as a Next.js app writes them: one `authenticateRequest` call each, with the route's checks. */
const buildFetch: BuildApp = (source, options) => {
  const tollgate = createAuthenticator(source, options);
  const routes: Record<string, AuthCheck[]> = {
    '/me': [],
    '/orders': [scopesCheck('orders:read')],
    '/admin': [claimsCheck((claims) => claims.role === 'admin')],
  };
  const handler = async (request: Request): Promise<Response> => {
    const checks = routes[new URL(request.url).pathname];
    if (checks === undefined) return new Response('not found', { status: 404 });
    const auth = await tollgate.authenticateRequest(request, { checks });
    if (auth instanceof Response) return auth;
    return Response.json(authSummary(auth));
  };
  return { listener: nodeListener(getRequestListener(handler)), verifier: tollgate.verifier };
};

describeAdapterScenarios('fetch', buildFetch);

const serveHonoResource: ServeResourceApp = (verifier, options) => {
  const app = new Hono();
  const auth = verify(verifier, options);
  if (auth.metadata !== undefined) app.use(resourceMetadata(auth));
  app.use(auth);
  app.get('/me', (c) => c.json({ sub: c.get('auth')?.claims.sub }));
  app.get('/step-up', requireAuthLevel(STEP_UP), (c) =>
    c.json({ sub: c.get('auth')?.claims.sub, acr: c.get('auth')?.claims.acr }),
  );
  return listen(nodeListener(getRequestListener(app.fetch)));
};

describeResourceScenarios('hono', serveHonoResource);

/** The metadata from a route handler at its path, as a Next.js app serves it; the other routes authenticate. */
const serveFetchResource: ServeResourceApp = (verifier, options) => {
  const tollgate = createAuthenticator(verifier, options);
  const routes: Record<string, AuthCheck[]> = { '/me': [], '/step-up': [authLevelCheck(STEP_UP)] };
  return listen(
    nodeListener(
      getRequestListener(async (request) => {
        const path = new URL(request.url).pathname;
        if (path === tollgate.metadata?.path)
          return tollgate.metadataResponse(request) ?? new Response(null, { status: 405 });
        const auth = await tollgate.authenticateRequest(request, { checks: routes[path] ?? [] });
        if (auth instanceof Response) return auth;
        return Response.json({ sub: auth?.claims.sub, acr: path === '/step-up' ? auth?.claims.acr : undefined });
      }),
    ),
  );
};

describeResourceScenarios('fetch', serveFetchResource);

describe('fetch and hono: beyond the scenarios', () => {
  let idp: TestIssuer;
  let verifier: Verifier;
  const servers: Listening[] = [];
  const serve = async (fetchHandler: (request: Request) => Response | Promise<Response>) => {
    const server = await listen(nodeListener(getRequestListener(fetchHandler)));
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    idp = await startIssuer();
    verifier = createVerifier({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await verifier.close();
    await idp.close();
  });

  it('authenticateRequest works on a Request made by hand, as a route handler receives it', async () => {
    const tollgate = createAuthenticator(verifier);
    const token = await idp.mintToken({ sub: 'next-user' });
    const auth = await tollgate.authenticateRequest(
      new Request('https://shop.example/api/orders', { headers: { authorization: bearer(token) } }),
    );
    expect(auth).toMatchObject({ binding: 'bearer', claims: { sub: 'next-user' } });

    const refused = await tollgate.authenticateRequest(new Request('https://shop.example/api/orders'), {
      checks: [scopesCheck('orders:read')],
    });
    expect(refused).toBeInstanceOf(Response);
    const response = refused as Response;
    expect({
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      type: response.headers.get('content-type'),
      body: (await response.json()) as unknown,
    }).toEqual({
      status: 401,
      challenge: 'Bearer realm="api"',
      type: 'application/json',
      body: { error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' },
    });
  });

  it('authenticateRequest: onError renders, passErrors rejects with the typed error, a bug in a check rejects as it is', async () => {
    const rendered = createAuthenticator(verifier, {
      onError: (error) => new Response(`custom ${error.code}`, { status: error.status }),
    });
    const custom = (await rendered.authenticateRequest(new Request('http://a/'))) as Response;
    expect([custom.status, await custom.text()]).toEqual([401, 'custom ERR_TOKEN_MISSING']);

    const passing = createAuthenticator(verifier, { passErrors: true, realm: 'orders' });
    await expect(passing.authenticateRequest(new Request('http://a/'))).rejects.toMatchObject({
      code: 'ERR_TOKEN_MISSING',
      statusCode: 401,
      headers: { 'www-authenticate': 'Bearer realm="orders"' },
    });

    const broken = claimsCheck(() => {
      throw new Error('lookup failed');
    });
    const token = await idp.mintToken();
    await expect(
      createAuthenticator(verifier).authenticateRequest(
        new Request('http://a/', { headers: { authorization: bearer(token) } }),
        { checks: [broken] },
      ),
    ).rejects.toThrow('lookup failed');
  });

  it('authenticateRequest: a per-call DPoP mode, refused where no DPoP origin is configured', async () => {
    const tollgate = createAuthenticator(verifier, { dpop: { mode: 'allowed', origin: { fromRequest: 'host' } } });
    const server = await serve(async (request) => {
      const auth = await tollgate.authenticateRequest(request, {
        dpop: new URL(request.url).pathname === '/pay' ? 'required' : undefined,
      });
      return auth instanceof Response ? auth : Response.json({ binding: auth?.binding });
    });
    const plain = await idp.mintToken();
    expect((await request(server.url, '/me', { authorization: bearer(plain) })).json()).toEqual({ binding: 'bearer' });
    const refused = await request(server.url, '/pay', { authorization: bearer(plain) });
    expect([
      refused.status,
      refused.json().code,
      refused.headers['www-authenticate']?.startsWith('DPoP realm="api"'),
    ]).toEqual([401, 'ERR_DPOP_REQUIRED', true]);

    const key = createDpopKey();
    const bound = await idp.mintToken({ cnf: key.cnf });
    const paid = await request(server.url, '/pay', {
      authorization: `DPoP ${bound}`,
      headers: { dpop: key.proof({ method: 'GET', url: `${server.url}/pay`, accessToken: bound }) },
    });
    expect([paid.status, paid.json()]).toEqual([200, { binding: 'dpop' }]);

    await expect(
      createAuthenticator(verifier).authenticateRequest(new Request('http://a/'), { dpop: 'required' }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });

  it('hono: passErrors throws an HTTPException carrying the core response, with the tollgate error as cause', async () => {
    const seen: unknown[] = [];
    const app = new Hono();
    app.use(verify(verifier, { passErrors: true, realm: 'orders' }));
    app.get('/orders', requireScopes('orders:read'), (c) => c.text('ok'));
    app.onError((error, c) => {
      seen.push(error);
      return error instanceof HTTPException ? error.getResponse() : c.text('unexpected', 500);
    });
    const server = await serve(app.fetch);
    const missing = await request(server.url, '/orders');
    expect([missing.status, missing.headers['www-authenticate'], missing.json().code]).toEqual([
      401,
      'Bearer realm="orders"',
      'ERR_TOKEN_MISSING',
    ]);
    const scope = await request(server.url, '/orders', {
      authorization: bearer(await idp.mintToken({ scope: 'profile' })),
    });
    expect([scope.status, scope.json().code]).toEqual([403, 'ERR_CLAIM_SCOPE_INSUFFICIENT']);
    expect(seen).toEqual([expect.any(HTTPException), expect.any(HTTPException)]);
    expect((seen as HTTPException[]).map((e) => [e.status, (e.cause as { code: string }).code])).toEqual([
      [401, 'ERR_TOKEN_MISSING'],
      [403, 'ERR_CLAIM_SCOPE_INSUFFICIENT'],
    ]);

    // Hono's default error handler sends the exception's response as it is.
    const plain = new Hono();
    plain.use(verify(verifier, { passErrors: true }));
    plain.get('/me', (c) => c.text('ok'));
    const res = await request((await serve(plain.fetch)).url, '/me');
    expect([res.status, res.headers['www-authenticate'], res.json()]).toEqual([
      401,
      'Bearer realm="api"',
      { error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' },
    ]);
  });

  it('hono: onError renders every tollgate error; a bug in a predicate reaches app.onError', async () => {
    const app = new Hono();
    app.use(verify(verifier, { onError: (error, c) => c.text(`custom ${error.code}`, error.status as 401) }));
    app.get('/me', (c) => c.text('ok'));
    app.get('/step-up', requireAuthLevel({ acr: 'urn:example:mfa' }), (c) => c.text('ok'));
    app.get(
      '/broken',
      requireClaims(() => {
        throw new Error('lookup failed');
      }),
      (c) => c.text('ok'),
    );
    app.onError((error, c) => c.text(`app error: ${error.message}`, 500));
    const server = await serve(app.fetch);
    expect((await request(server.url, '/me')).text).toBe('custom ERR_TOKEN_MISSING');
    const token = await idp.mintToken();
    const weak = await request(server.url, '/step-up', { authorization: bearer(token) });
    expect([weak.status, weak.text]).toEqual([401, 'custom ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT']);
    const broken = await request(server.url, '/broken', { authorization: bearer(token) });
    expect([broken.status, broken.text]).toEqual([500, 'app error: lookup failed']);
  });

  it('hono: types c.get("auth") and custom claims', () => {
    interface OrdersClaims {
      [claim: string]: unknown;
      tenant_id: string;
    }
    // Checked by the type checker (pnpm typecheck), not at run time.
    expectTypeOf<NonNullable<ContextVariableMap['auth']>['claims']['sub']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NonNullable<Context['var']['auth']>['binding']>().toEqualTypeOf<'bearer' | 'dpop' | 'mtls'>();
    expectTypeOf<
      NonNullable<ReturnType<typeof getAuth<OrdersClaims>>>['claims']['tenant_id']
    >().toEqualTypeOf<string>();
  });
});
