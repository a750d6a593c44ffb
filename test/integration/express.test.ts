import {
  createVerifier,
  type getAuth,
  requireAuthLevel,
  requireClaims,
  requireScopes,
  resourceMetadata,
  verify,
  type JwtClaims,
  type Verifier,
} from '@tollgate/express';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { authSummary, describeAdapterScenarios, type BuildApp } from '../support/adapter-scenarios.js';
import { bearer, request } from '../support/http.js';
import { listen, startIssuer, type Listening, type TestIssuer } from '../support/issuer.js';
import { describeResourceScenarios, STEP_UP, type ServeResourceApp } from '../support/resource-scenarios.js';

const build: BuildApp = (source, options) => {
  const app = express();
  const auth = verify(source, options);
  app.use(auth);
  app.get('/me', (req, res) => void res.json(authSummary(req.auth)));
  app.get('/orders', requireScopes('orders:read'), (req, res) => void res.json(authSummary(req.auth)));
  app.get(
    '/admin',
    requireClaims((claims) => claims.role === 'admin'),
    (req, res) => void res.json(authSummary(req.auth)),
  );
  return { listener: app, verifier: auth.verifier };
};

describeAdapterScenarios('express', build);

const serveResource: ServeResourceApp = (verifier, options) => {
  const app = express();
  const auth = verify(verifier, options);
  if (auth.metadata !== undefined) app.use(resourceMetadata(auth));
  app.use(auth);
  app.get('/me', (req, res) => void res.json({ sub: req.auth?.claims.sub }));
  app.get(
    '/step-up',
    requireAuthLevel(STEP_UP),
    (req, res) => void res.json({ sub: req.auth?.claims.sub, acr: req.auth?.claims.acr }),
  );
  return listen(app);
};

describeResourceScenarios('express', serveResource);

describe('express: taking over errors', () => {
  let idp: TestIssuer;
  let verifier: Verifier;
  const servers: Listening[] = [];
  const serve = async (app: express.Express) => {
    const server = await listen(app);
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

  it('passErrors hands typed errors to an error handler, guards included', async () => {
    const app = express();
    app.use(verify(verifier, { passErrors: true, realm: 'orders' }));
    app.get('/orders', requireScopes('orders:read'), (_req, res) => void res.send('ok'));
    const seen: unknown[] = [];
    const handler: ErrorRequestHandler = (
      err: { statusCode: number; headers: Record<string, string>; code: string },
      _req,
      res,
      _next,
    ) => {
      seen.push(err);
      res.status(err.statusCode).set(err.headers).json({ problem: err.code });
    };
    app.use(handler);
    const server = await serve(app);

    const missing = await request(server.url, '/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="orders"');
    expect(missing.json()).toEqual({ problem: 'ERR_TOKEN_MISSING' });
    expect(seen[0]).toMatchObject({
      name: 'TokenError',
      code: 'ERR_TOKEN_MISSING',
      status: 401,
      statusCode: 401,
      expose: true,
    });

    const scope = await request(server.url, '/orders', {
      authorization: bearer(await idp.mintToken({ scope: 'profile' })),
    });
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe(
      'Bearer realm="orders", error="insufficient_scope", error_description="The token lacks the scope(s): orders:read.", scope="orders:read"',
    );
    expect(seen[1]).toMatchObject({ name: 'ClaimError', code: 'ERR_CLAIM_SCOPE_INSUFFICIENT', statusCode: 403 });
  });

  it("passErrors works with Express's default error handler: status and challenge header", async () => {
    const app = express();
    app.use(verify(verifier, { passErrors: true }));
    app.get('/me', (_req, res) => void res.send('ok'));
    app.set('env', 'production'); // the default handler then sends the status text, not a stack trace
    const server = await serve(app);
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined); // Express logs every error outside env "test"

    const res = await request(server.url, '/me', {
      authorization: bearer(await idp.mintToken({ aud: 'billing-api' })),
    });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="Token \\"aud\\" does not name this service."',
    );
    expect(res.text).toContain('Unauthorized');
    expect(log).toHaveBeenCalledOnce();
    log.mockRestore();
  });

  it('onError renders every tollgate error, including 503s', async () => {
    const app = express();
    app.use(
      verify(verifier, {
        onError: (err, _req, res) => {
          res.status(err.status).type('text/plain').send(`custom ${err.code}`);
        },
      }),
    );
    app.get('/me', (_req, res) => void res.send('ok'));
    app.get(
      '/admin',
      requireClaims(() => false),
      (_req, res) => void res.send('ok'),
    );
    const server = await serve(app);
    expect((await request(server.url, '/me')).text).toBe('custom ERR_TOKEN_MISSING');
    const admin = await request(server.url, '/admin', { authorization: bearer(await idp.mintToken()) });
    expect({ status: admin.status, text: admin.text }).toEqual({ status: 403, text: 'custom ERR_CLAIM_FORBIDDEN' });
  });

  it('an onError that throws or rejects reaches the Express error handler', async () => {
    const app = express();
    app.use(verify(verifier, { onError: async () => Promise.reject(new Error('renderer broke')) }));
    app.use(((err: Error, _req, res, _next) => void res.status(500).send(err.message)) as ErrorRequestHandler);
    const server = await serve(app);
    const res = await request(server.url, '/me');
    expect({ status: res.status, text: res.text }).toEqual({ status: 500, text: 'renderer broke' });
  });

  it('an error thrown by a requireClaims predicate goes to next(err), not to the 403 path', async () => {
    const app = express();
    app.use(verify(verifier));
    app.get(
      '/me',
      requireClaims(() => {
        throw new Error('lookup failed');
      }),
      (_req, res) => void res.send('ok'),
    );
    app.use(
      ((err: Error, _req, res, _next) => void res.status(500).send(`app error: ${err.message}`)) as ErrorRequestHandler,
    );
    const server = await serve(app);
    const res = await request(server.url, '/me', { authorization: bearer(await idp.mintToken()) });
    expect({ status: res.status, text: res.text }).toEqual({ status: 500, text: 'app error: lookup failed' });
  });

  it('reads the token on a mounted router from the original URL', async () => {
    const app = express();
    const router = express.Router();
    router.use(verify(verifier, { locations: { query: 'access_token' } }));
    router.get('/me', (req, res) => void res.json(authSummary(req.auth)));
    app.use('/api', router);
    const server = await serve(app);
    const res = await request(server.url, `/api/me?access_token=${await idp.mintToken({ sub: 'mounted' })}`);
    expect(res.json()).toMatchObject({ sub: 'mounted' });
  });

  it('types req.auth and custom claims', () => {
    interface OrdersClaims extends JwtClaims {
      tenant_id: string;
    }
    // Checked by the type checker (pnpm typecheck), not at run time.
    expectTypeOf<NonNullable<express.Request['auth']>['claims']['sub']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<
      NonNullable<ReturnType<typeof getAuth<OrdersClaims>>>['claims']['tenant_id']
    >().toEqualTypeOf<string>();
  });
});
