// @tollgate/fastify on Fastify 5 and Fastify 4 (installed as `fastify4`): the shared adapter
// scenarios, then what is Fastify's own: route config, preHandler guards, the error handler, onClose.
import { createRequire } from 'node:module';
import {
  createVerifier,
  getAuth,
  requireAuthLevel,
  requireClaims,
  requireScopes,
  tollgate,
  type JwtClaims,
  type TollgateOptions,
  type Verifier,
} from '@tollgate/fastify';
import { createDpopKey } from '@tollgate/issuer';
import fastify5, { type FastifyInstance, type FastifyRequest } from 'fastify';
import fastify4 from 'fastify4';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { authSummary, describeAdapterScenarios, type BuildApp } from '../support/adapter-scenarios.js';
import { describeResourceScenarios, STEP_UP, type ServeResourceApp } from '../support/resource-scenarios.js';
import { bearer, request } from '../support/http.js';
import { listen, startIssuer, type Listening, type TestIssuer } from '../support/issuer.js';

// Fastify 4's types are its own; the plugin's declaration merging targets the current major's.
type Factory = (options?: Record<string, unknown>) => FastifyInstance;
const majors: [string, Factory][] = [
  ['fastify 5', fastify5],
  ['fastify 4', fastify4 as unknown as Factory],
];

it('tests both majors', () => {
  const require = createRequire(import.meta.url);
  expect(
    ['fastify/package.json', 'fastify4/package.json'].map(
      (name) => (require(name) as { version: string }).version.split('.')[0],
    ),
  ).toEqual(['5', '4']);
});

/** A Fastify app with the plugin and `routes`, ready, with its own server not yet listening. */
async function fastifyApp(
  factory: Factory,
  options: TollgateOptions,
  routes: (app: FastifyInstance) => void = () => undefined,
): Promise<FastifyInstance> {
  const app = factory();
  await app.register(tollgate, options);
  routes(app);
  await app.ready();
  return app;
}

for (const [name, factory] of majors) {
  const build: BuildApp = async (source, options) => {
    const app = await fastifyApp(factory, { verifier: source, ...options }, (app) => {
      app.get('/me', async (request) => authSummary(request.auth));
      app.get('/orders', { preHandler: requireScopes('orders:read') }, async (request) => authSummary(request.auth));
      app.get('/admin', { preHandler: requireClaims((claims) => claims.role === 'admin') }, async (request) =>
        authSummary(request.auth),
      );
    });
    return { listener: app.server, verifier: app.tollgate.verifier, close: () => app.close() };
  };

  describeAdapterScenarios(name, build);

  // The plugin serves the metadata itself: registering it is the one line.
  const serveResource: ServeResourceApp = async (verifier, options) => {
    const app = await fastifyApp(factory, { verifier, ...options }, (app) => {
      app.get('/me', async (request) => ({ sub: request.auth?.claims.sub }));
      app.get('/step-up', { preHandler: requireAuthLevel(STEP_UP) }, async (request) => ({
        sub: request.auth?.claims.sub,
        acr: request.auth?.claims.acr,
      }));
    });
    const server = await listen(app.server);
    return { url: server.url, close: async () => (await server.close(), await app.close()) };
  };

  describeResourceScenarios(name, serveResource);

  describe(`${name}: routes, guards and errors`, () => {
    let idp: TestIssuer;
    let verifier: Verifier;
    const opened: { close(): Promise<unknown> }[] = [];
    const serve = async (
      options: TollgateOptions,
      routes: (app: FastifyInstance) => void,
    ): Promise<Listening & { app: FastifyInstance }> => {
      const app = await fastifyApp(factory, { verifier, ...options }, routes);
      const server = await listen(app.server);
      opened.push(server, app);
      return Object.assign(server, { app });
    };

    beforeAll(async () => {
      idp = await startIssuer();
      verifier = createVerifier({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
    });
    afterAll(async () => {
      for (const one of opened.splice(0)) await one.close();
      await verifier.close();
      await idp.close();
    });

    it('skips authentication on a route with config.tollgate.public, and guards there refuse', async () => {
      const server = await serve({}, (app) => {
        app.get('/health', { config: { tollgate: { public: true } } }, async (request) => ({
          auth: request.auth ?? null,
        }));
        app.get(
          '/public-orders',
          { config: { tollgate: { public: true } }, preHandler: requireScopes('orders:read') },
          async () => 'never',
        );
        app.get('/me', async (request) => authSummary(request.auth));
      });
      const health = await request(server.url, '/health', { authorization: 'Bearer not-even-a-jwt' });
      expect({ status: health.status, body: health.json() }).toEqual({ status: 200, body: { auth: null } });
      const guarded = await request(server.url, '/public-orders', { authorization: bearer(await idp.mintToken()) });
      expect({ status: guarded.status, challenge: guarded.headers['www-authenticate'] }).toEqual({
        status: 401,
        challenge: 'Bearer realm="api"',
      });
      expect((await request(server.url, '/me')).status).toBe(401);
    });

    it('refuses unknown paths without a token before answering 404', async () => {
      const server = await serve({}, (app) => void app.get('/me', async () => 'ok'));
      expect((await request(server.url, '/nowhere')).status).toBe(401);
      expect((await request(server.url, '/nowhere', { authorization: bearer(await idp.mintToken()) })).status).toBe(
        404,
      );
    });

    it('authenticates routes added before the plugin in the same context', async () => {
      const app = factory();
      app.get('/early', async (request) => authSummary(request.auth));
      await app.register(tollgate, { verifier });
      await app.ready();
      const server = await listen(app.server);
      opened.push(server, app);
      expect((await request(server.url, '/early')).status).toBe(401);
      expect(
        (await request(server.url, '/early', { authorization: bearer(await idp.mintToken({ sub: 'early' })) })).json(),
      ).toMatchObject({ sub: 'early' });
    });

    it("applies a route's DPoP mode: DPoP required there, Bearer accepted elsewhere", async () => {
      const server = await serve({ dpop: { mode: 'allowed', origin: { fromRequest: 'host' } } }, (app) => {
        app.get('/payments', { config: { tollgate: { dpop: 'required' } } }, async (request) => ({
          binding: request.auth?.binding,
          jkt: request.auth?.jkt,
        }));
        app.get('/me', async (request) => ({ binding: request.auth?.binding }));
      });
      const plain = await idp.mintToken();
      expect((await request(server.url, '/me', { authorization: bearer(plain) })).json()).toEqual({
        binding: 'bearer',
      });

      const refused = await request(server.url, '/payments', { authorization: bearer(plain) });
      expect({ status: refused.status, code: refused.json().code }).toEqual({ status: 401, code: 'ERR_DPOP_REQUIRED' });
      expect(refused.headers['www-authenticate']).toMatch(/^DPoP realm="api", algs="[^"]+", error="invalid_token"/);

      const key = createDpopKey();
      const bound = await idp.mintToken({ cnf: key.cnf });
      const proof = key.proof({ method: 'GET', url: `${server.url}/payments`, accessToken: bound });
      const paid = await request(server.url, '/payments', { authorization: `DPoP ${bound}`, headers: { dpop: proof } });
      expect({ status: paid.status, body: paid.json() }).toEqual({
        status: 200,
        body: { binding: 'dpop', jkt: key.jkt },
      });
      const replayed = await request(server.url, '/payments', {
        authorization: `DPoP ${bound}`,
        headers: { dpop: proof },
      });
      expect({ status: replayed.status, code: replayed.json().code }).toEqual({
        status: 401,
        code: 'ERR_DPOP_PROOF_REPLAYED',
      });
    });

    it('checks config.tollgate when the route is added: start-up fails naming the route', async () => {
      const start = (routes: (app: FastifyInstance) => void) => fastifyApp(factory, { verifier }, routes);
      await expect(
        start((app) => void app.post('/pay', { config: { tollgate: { dpop: 'required' } } }, async () => 'ok')),
      ).rejects.toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG_INVALID',
          message: expect.stringContaining(
            "config.tollgate of POST /pay: dpop 'required' needs the plugin's dpop option",
          ),
        }),
      );
      await expect(
        start(
          (app) =>
            void app.get('/h', { config: { tollgate: { pubic: true, public: 'yes' } as never } }, async () => 'ok'),
        ),
      ).rejects.toThrow(
        expect.objectContaining({
          message:
            'Invalid route settings:\n  - config.tollgate of GET /h: "pubic" is not a route setting; use public or dpop.\n  - config.tollgate of GET /h: public must be true or false.',
        }),
      );
    });

    it('refuses an insufficient login with a step-up challenge', async () => {
      const server = await serve({}, (app) => {
        app.get(
          '/transfer',
          { preHandler: requireAuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 }) },
          async () => 'ok',
        );
      });
      const now = Math.floor(Date.now() / 1000);
      const weak = await request(server.url, '/transfer', {
        authorization: bearer(await idp.mintToken({ acr: 'urn:example:pwd', auth_time: now })),
      });
      expect({ status: weak.status, code: weak.json().code }).toEqual({
        status: 401,
        code: 'ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT',
      });
      expect(weak.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
      expect(weak.headers['www-authenticate']).toContain('acr_values="urn:example:mfa", max_age=300');
      const strong = await request(server.url, '/transfer', {
        authorization: bearer(await idp.mintToken({ acr: 'urn:example:mfa', auth_time: now })),
      });
      expect(strong.status).toBe(200);
    });

    it("passErrors hands typed errors to Fastify's error handler, guards included", async () => {
      const seen: unknown[] = [];
      const server = await serve({ passErrors: true, realm: 'orders' }, (app) => {
        app.setErrorHandler(
          (error: Error & { statusCode: number; headers: Record<string, string>; code: string }, _request, reply) => {
            seen.push(error);
            void reply.code(error.statusCode).headers(error.headers).send({ problem: error.code });
          },
        );
        app.get('/orders', { preHandler: requireScopes('orders:read') }, async () => 'ok');
      });
      const missing = await request(server.url, '/orders');
      expect({ status: missing.status, challenge: missing.headers['www-authenticate'], body: missing.json() }).toEqual({
        status: 401,
        challenge: 'Bearer realm="orders"',
        body: { problem: 'ERR_TOKEN_MISSING' },
      });
      const scope = await request(server.url, '/orders', {
        authorization: bearer(await idp.mintToken({ scope: 'profile' })),
      });
      expect(scope.status).toBe(403);
      expect(scope.headers['www-authenticate']).toBe(
        'Bearer realm="orders", error="insufficient_scope", error_description="The token lacks the scope(s): orders:read.", scope="orders:read"',
      );
      expect(seen).toEqual([
        expect.objectContaining({ name: 'TokenError', code: 'ERR_TOKEN_MISSING', statusCode: 401, expose: true }),
        expect.objectContaining({ name: 'ClaimError', code: 'ERR_CLAIM_SCOPE_INSUFFICIENT', statusCode: 403 }),
      ]);
    });

    it("passErrors works with Fastify's default error handler: status and challenge header", async () => {
      const server = await serve({ passErrors: true }, (app) => void app.get('/me', async () => 'ok'));
      const res = await request(server.url, '/me', {
        authorization: bearer(await idp.mintToken({ aud: 'billing-api' })),
      });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="Token \\"aud\\" does not name this service."',
      );
      expect(res.json()).toMatchObject({ statusCode: 401, code: 'ERR_CLAIM_MISMATCH' });
    });

    it('onError renders every tollgate error; one that does not answer leaves the error to Fastify, never lets the request through', async () => {
      const server = await serve(
        {
          onError: (error, request, reply) => {
            if (request.url === '/silent') return;
            void reply.code(error.status).type('text/plain').send(`custom ${error.code}`);
          },
        },
        (app) => {
          app.get('/me', async () => 'ok');
          app.get('/silent', async () => 'let through');
          app.get('/admin', { preHandler: requireClaims(() => false) }, async () => 'ok');
        },
      );
      expect((await request(server.url, '/me')).text).toBe('custom ERR_TOKEN_MISSING');
      const admin = await request(server.url, '/admin', { authorization: bearer(await idp.mintToken()) });
      expect({ status: admin.status, text: admin.text }).toEqual({ status: 403, text: 'custom ERR_CLAIM_FORBIDDEN' });
      const silent = await request(server.url, '/silent');
      expect({
        status: silent.status,
        challenge: silent.headers['www-authenticate'],
        code: silent.json().code,
      }).toEqual({ status: 401, challenge: 'Bearer realm="api"', code: 'ERR_TOKEN_MISSING' });
    });

    it("an error thrown by a requireClaims predicate goes to Fastify's error handler as it is", async () => {
      const server = await serve({}, (app) => {
        app.setErrorHandler(
          (error: Error, _request, reply) => void reply.code(500).send(`app error: ${error.message}`),
        );
        app.get(
          '/me',
          {
            preHandler: requireClaims(() => {
              throw new Error('lookup failed');
            }),
          },
          async () => 'ok',
        );
      });
      const res = await request(server.url, '/me', { authorization: bearer(await idp.mintToken()) });
      expect({ status: res.status, text: res.text }).toEqual({ status: 500, text: 'app error: lookup failed' });
    });

    it('closes the verifier it built when the app closes, and never one passed in', async () => {
      const built = await fastifyApp(factory, {
        verifier: { issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] },
      });
      const closeBuilt = vi.spyOn(built.tollgate.verifier, 'close');
      await built.close();
      expect(closeBuilt).toHaveBeenCalledOnce();

      const shared = await fastifyApp(factory, { verifier });
      const closeShared = vi.spyOn(verifier, 'close');
      await shared.close();
      expect(closeShared).not.toHaveBeenCalled();
      closeShared.mockRestore();
    });

    it('checks config.tollgate of a route added before the plugin on its first request, and never serves it when invalid', async () => {
      const app = factory();
      app.get('/early', { config: { tollgate: { dpop: 'required' } } }, async () => 'served without DPoP');
      await app.register(tollgate, { verifier });
      await app.ready();
      const server = await listen(app.server);
      opened.push(server, app);
      for (let i = 0; i < 2; i++) {
        const res = await request(server.url, '/early', { authorization: bearer(await idp.mintToken()) });
        expect({ status: res.status, code: res.json().code }).toEqual({ status: 500, code: 'ERR_CONFIG_INVALID' });
      }
    });

    it('refuses a second registration on the same app', async () => {
      const app = factory();
      await app.register(tollgate, { verifier });
      await expect(app.register(tollgate, { verifier })).rejects.toThrow(/tollgate/);
    });
  });
}

describe('fastify: types', () => {
  it('types request.auth, custom claims, route config and the plugin options', () => {
    interface OrdersClaims extends JwtClaims {
      tenant_id: string;
    }
    const handler = (request: FastifyRequest) => {
      expectTypeOf(request.auth?.claims.sub).toEqualTypeOf<string | undefined>();
      expectTypeOf(request.auth?.binding).toEqualTypeOf<'bearer' | 'dpop' | 'mtls' | undefined>();
      expectTypeOf(getAuth<OrdersClaims>(request)?.claims.tenant_id).toEqualTypeOf<string | undefined>();
      expectTypeOf(request.routeOptions.config.tollgate?.public).toEqualTypeOf<boolean | undefined>();
    };
    const routes = (app: FastifyInstance) => {
      app.get<{ Params: { id: string } }>(
        '/orders/:id',
        { preHandler: [requireScopes('orders:read')], config: { tollgate: { dpop: 'required' } } },
        async (request) => request.params.id,
      );
      // @ts-expect-error: dpop is a mode
      app.get('/x', { config: { tollgate: { dpop: 'always' } } }, async () => 'x');
      expectTypeOf(app.tollgate.verifier).toEqualTypeOf<Verifier>();
    };
    // @ts-expect-error: passErrors is a boolean
    const options: TollgateOptions = { passErrors: 'yes' };
    expect([handler, routes, options]).toHaveLength(3);
  });
});
