// @ts-check
import express from 'express';
import { requireScopes, verify } from '@tollgate/express';

const ORDERS = [
  { id: 'ord_1001', item: 'sourdough loaf', status: 'shipped' },
  { id: 'ord_1002', item: 'salted butter', status: 'packing' },
];

/**
 * The orders service: a public health check, everything else behind a bearer token.
 *
 * @param {import('@tollgate/express').VerifyMiddleware} [auth] The tollgate middleware. Default:
 *   `verify()`, configured by the `TOLLGATE_*` environment variables. Pass your own to share a
 *   verifier or set options (tests and the demo do).
 */
export function createApp(auth = verify()) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());

  // Registered before verify(): no token needed. 503 until the signing keys could be fetched once.
  app.get('/health', (_req, res) => {
    const { status } = auth.verifier.health();
    res.status(status === 'unavailable' ? 503 : 200).json({ status });
  });

  // Every route below needs a valid token; refusals are answered with RFC 6750 401/403/503.
  app.use(auth);

  app.get('/orders', requireScopes('orders:read'), (req, res) => {
    res.json({ user: req.auth?.claims.sub, orders: ORDERS });
  });

  app.post('/orders', requireScopes('orders:write'), (req, res) => {
    // express.json() types the parsed body `any`: treat it as unknown and check the one field used.
    /** @type {unknown} */
    const body = req.body;
    const item =
      typeof body === 'object' && body !== null && 'item' in body && typeof body.item === 'string'
        ? body.item
        : 'unnamed item';
    res.status(201).json({ id: `ord_${Date.now()}`, item, createdBy: req.auth?.claims.sub });
  });

  return app;
}
