/**
 * The adapters' peer ranges include Express 4 and Koa 2: the same scenarios
 * as express.test.ts / koa.test.ts, on those majors (installed under aliases).
 */
import * as expressAdapter from '@tollgate/express';
import * as koaAdapter from '@tollgate/koa';
import express4 from 'express4';
import koa2 from 'koa2';
import type { Middleware } from 'koa';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { authSummary, describeAdapterScenarios, type BuildApp } from '../support/adapter-scenarios.js';
import { listen } from '../support/issuer.js';
import { nodeListener } from '../support/node-listener.js';
import { route } from '../support/koa-route.js';
import { describeResourceScenarios, STEP_UP, type ServeResourceApp } from '../support/resource-scenarios.js';

const require = createRequire(import.meta.url);

describe('legacy majors are really installed', () => {
  it('runs Express 4 and Koa 2', () => {
    expect((require('express4/package.json') as { version: string }).version).toMatch(/^4\./);
    expect((require('koa2/package.json') as { version: string }).version).toMatch(/^2\./);
  });
});

const buildExpress4: BuildApp = (source, options) => {
  const app = express4();
  const auth = expressAdapter.verify(source, options);
  app.use(auth);
  app.get('/me', (req, res) => void res.json(authSummary(req.auth)));
  app.get('/orders', expressAdapter.requireScopes('orders:read'), (req, res) => void res.json(authSummary(req.auth)));
  app.get(
    '/admin',
    expressAdapter.requireClaims((claims) => claims.role === 'admin'),
    (req, res) => void res.json(authSummary(req.auth)),
  );
  return { listener: app, verifier: auth.verifier };
};

const summary: Middleware = (ctx) => {
  ctx.body = authSummary(ctx.state.auth);
};

const buildKoa2: BuildApp = (source, options) => {
  const app = new koa2();
  const auth = koaAdapter.verify(source, options);
  app.use(auth);
  app.use(route('/me', summary));
  app.use(route('/orders', koaAdapter.requireScopes('orders:read'), summary));
  app.use(
    route(
      '/admin',
      koaAdapter.requireClaims((claims) => claims.role === 'admin'),
      summary,
    ),
  );
  return { listener: nodeListener(app.callback()), verifier: auth.verifier };
};

describeAdapterScenarios('express 4', buildExpress4);
describeAdapterScenarios('koa 2', buildKoa2);

const serveExpress4: ServeResourceApp = (verifier, options) => {
  const app = express4();
  const auth = expressAdapter.verify(verifier, options);
  if (auth.metadata !== undefined) app.use(expressAdapter.resourceMetadata(auth));
  app.use(auth);
  app.get('/me', (req, res) => void res.json({ sub: req.auth?.claims.sub }));
  app.get(
    '/step-up',
    expressAdapter.requireAuthLevel(STEP_UP),
    (req, res) => void res.json({ sub: req.auth?.claims.sub, acr: req.auth?.claims.acr }),
  );
  return listen(app);
};

const serveKoa2: ServeResourceApp = (verifier, options) => {
  const app = new koa2();
  const auth = koaAdapter.verify(verifier, options);
  if (auth.metadata !== undefined) app.use(koaAdapter.resourceMetadata(auth));
  app.use(auth);
  app.use(route('/me', (ctx) => void (ctx.body = { sub: ctx.state.auth?.claims.sub })));
  app.use(
    route(
      '/step-up',
      koaAdapter.requireAuthLevel(STEP_UP),
      (ctx) => void (ctx.body = { sub: ctx.state.auth?.claims.sub, acr: ctx.state.auth?.claims.acr }),
    ),
  );
  return listen(nodeListener(app.callback()));
};

describeResourceScenarios('express 4', serveExpress4);
describeResourceScenarios('koa 2', serveKoa2);
