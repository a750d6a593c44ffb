// @ts-check
import express from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { requireScopes, verify } from '@tollgate/express';
import { registerTollgateMetrics } from './metrics.mjs';

/**
 * An orders service with a Prometheus endpoint: `GET /metrics` and `GET /health` are public,
 * `GET /orders` needs a token with `orders:read`.
 *
 * @param {import('@tollgate/express').VerifyMiddleware} [auth] default: `verify()` from `TOLLGATE_*` variables
 */
export function createApp(auth = verify()) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerTollgateMetrics(auth.verifier, registry);

  const app = express();
  app.disable('x-powered-by');

  // Public routes first. Protect /metrics at the network level (it names your JWKS URL).
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/health', (_req, res) => {
    const { status } = auth.verifier.health();
    res.status(status === 'unavailable' ? 503 : 200).json({ status });
  });

  app.use(auth);
  app.get('/orders', requireScopes('orders:read'), (req, res) => {
    res.json({ user: req.auth?.claims.sub, orders: [] });
  });
  return app;
}
