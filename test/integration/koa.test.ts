import {
  createVerifier,
  requireAuthLevel,
  requireClaims,
  requireScopes,
  resourceMetadata,
  verify,
  type JwtClaims,
  type TollgateState,
  type Verifier,
} from '@tollgate/koa';
import Koa, { type Middleware, type ParameterizedContext } from 'koa';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { authSummary, describeAdapterScenarios, type BuildApp } from '../support/adapter-scenarios.js';
import { route } from '../support/koa-route.js';
import { bearer, request } from '../support/http.js';
import { listen, startIssuer, type Listening, type TestIssuer } from '../support/issuer.js';
import { nodeListener } from '../support/node-listener.js';
import { describeResourceScenarios, STEP_UP, type ServeResourceApp } from '../support/resource-scenarios.js';

const summary: Middleware = (ctx) => {
  ctx.body = authSummary(ctx.state.auth);
};

const build: BuildApp = (source, options) => {
  const app = new Koa();
  const auth = verify(source, options);
  app.use(auth);
  app.use(route('/me', summary));
  app.use(route('/orders', requireScopes('orders:read'), summary));
  app.use(
    route(
      '/admin',
      requireClaims((claims) => claims.role === 'admin'),
      summary,
    ),
  );
  return { listener: nodeListener(app.callback()), verifier: auth.verifier };
};

describeAdapterScenarios('koa', build);

const serveResource: ServeResourceApp = (verifier, options) => {
  const app = new Koa();
  const auth = verify(verifier, options);
  if (auth.metadata !== undefined) app.use(resourceMetadata(auth));
  app.use(auth);
  app.use(route('/me', (ctx) => void (ctx.body = { sub: ctx.state.auth?.claims.sub })));
  app.use(
    route(
      '/step-up',
      requireAuthLevel(STEP_UP),
      (ctx) => void (ctx.body = { sub: ctx.state.auth?.claims.sub, acr: ctx.state.auth?.claims.acr }),
    ),
  );
  return listen(nodeListener(app.callback()));
};

describeResourceScenarios('koa', serveResource);

describe('koa: error handling', () => {
  let idp: TestIssuer;
  let verifier: Verifier;
  const servers: Listening[] = [];
  const serve = async (app: Koa) => {
    const server = await listen(nodeListener(app.callback()));
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    idp = await startIssuer();
    verifier = createVerifier({
      issuer: idp.issuerUrl,
      audience: idp.audience,
      algorithms: ['RS256'],
      jwks: { cooldownMs: 0 },
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await verifier.close();
    await idp.close();
  });

  it("passErrors: Koa's default error handler sends the status, the challenge and the message", async () => {
    const app = new Koa();
    const emitted: unknown[] = [];
    app.on('error', (err) => emitted.push(err)); // replaces Koa's default logging
    app.use(verify(verifier, { passErrors: true }));
    app.use(route('/orders', requireScopes('orders:read'), summary));
    const server = await serve(app);

    const missing = await request(server.url, '/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(missing.headers['content-type']).toMatch(/^text\/plain/);
    expect(missing.text).toBe('Authentication is required: send "Authorization: Bearer <token>".');

    const scope = await request(server.url, '/orders', {
      authorization: bearer(await idp.mintToken({ scope: 'profile' })),
    });
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:read.", scope="orders:read"',
    );
    expect(scope.text).toBe('The token lacks the scope(s): orders:read.');
    expect(emitted).toMatchObject([
      { code: 'ERR_TOKEN_MISSING', status: 401, expose: true },
      { code: 'ERR_CLAIM_SCOPE_INSUFFICIENT', status: 403 },
    ]);
  });

  it('passErrors: a 503 keeps Retry-After and hides the internal message', async () => {
    const app = new Koa();
    const emitted: { code?: string; expose?: boolean }[] = [];
    app.on('error', (err: { code?: string; expose?: boolean }) => emitted.push(err));
    // Its own verifier: after the outage it backs off, which must not leak into other tests.
    const outage = createVerifier({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
    app.use(verify(outage, { passErrors: true }));
    app.use(summary);
    const server = await serve(app);
    expect((await request(server.url, '/', { authorization: bearer(await idp.mintToken()) })).status).toBe(200); // keys cached

    const fault = idp.issuer.faults.inject({ endpoint: 'jwks', kind: 'status500' });
    try {
      await idp.issuer.rotate();
      const res = await request(server.url, '/', { authorization: bearer(await idp.mintToken()) });
      expect({ status: res.status, text: res.text }).toEqual({ status: 503, text: 'Service Unavailable' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(emitted).toMatchObject([{ code: expect.stringMatching(/^ERR_JWKS_/), expose: false }]);
    } finally {
      fault.clear();
      await outage.close();
    }
  });

  it('passErrors: an upstream error middleware receives the typed error with status and headers', async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        const e = err as { status: number; headers: Record<string, string>; code: string };
        ctx.status = e.status;
        ctx.set(e.headers);
        ctx.body = { problem: e.code };
      }
    });
    app.use(verify(verifier, { passErrors: true, realm: 'orders' }));
    app.use(summary);
    const server = await serve(app);
    const res = await request(server.url, '/', { authorization: bearer(await idp.mintToken({ iat: 1, exp: 2 })) });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="orders", error="invalid_token", error_description="Token has expired; obtain a new one."',
    );
    expect(res.json()).toEqual({ problem: 'ERR_CLAIM_EXPIRED' });
  });

  it('onError renders tollgate errors of verify() and of guards', async () => {
    const app = new Koa();
    app.use(
      verify(verifier, {
        onError: (err, ctx) => {
          ctx.status = err.status;
          ctx.body = `custom ${err.code}`;
        },
      }),
    );
    app.use(
      route(
        '/admin',
        requireClaims(() => false),
        summary,
      ),
    );
    const server = await serve(app);
    expect((await request(server.url, '/admin')).text).toBe('custom ERR_TOKEN_MISSING');
    const admin = await request(server.url, '/admin', { authorization: bearer(await idp.mintToken()) });
    expect({ status: admin.status, text: admin.text }).toEqual({ status: 403, text: 'custom ERR_CLAIM_FORBIDDEN' });
  });

  it('does not catch errors of downstream middleware, nor non-tollgate errors of a requireClaims predicate', async () => {
    const app = new Koa();
    app.silent = true;
    app.use(verify(verifier));
    app.use(
      route(
        '/check',
        requireClaims(() => {
          throw new Error('lookup failed');
        }),
        summary,
      ),
    );
    app.use(route('/boom', () => Promise.reject(new Error('boom'))));
    const server = await serve(app);
    const token = await idp.mintToken();
    for (const path of ['/check', '/boom']) {
      const res = await request(server.url, path, { authorization: bearer(token) });
      expect({ status: res.status, text: res.text }).toEqual({ status: 500, text: 'Internal Server Error' });
    }
  });

  it('follows Koa conventions: named middleware, typed ctx.state.auth', () => {
    const middleware = verify(verifier);
    expect(middleware.name).toBe('tollgate');
    expect(requireScopes('a').name).toBe('tollgateGuard');

    interface OrdersClaims extends JwtClaims {
      tenant_id: string;
    }
    // Checked by the type checker (pnpm typecheck), not at run time.
    expectTypeOf<NonNullable<Koa.Context['state']['auth']>['claims']['sub']>().toEqualTypeOf<string | undefined>();
    type Typed = ParameterizedContext<TollgateState<OrdersClaims>>;
    expectTypeOf<NonNullable<Typed['state']['auth']>['claims']['tenant_id']>().toEqualTypeOf<string>();
  });
});
