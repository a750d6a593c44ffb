// @ts-check
import Fastify from 'fastify';
import { requireScopes, tollgate } from '@tollgate/fastify';

const ORDERS = [
  { id: 'ord_6001', item: 'rye crackers', status: 'shipped' },
  { id: 'ord_6002', item: 'cultured butter', status: 'packing' },
];

/**
 * The orders service: a public health check, everything else behind a bearer token.
 *
 * @param {import('@tollgate/fastify').TollgateOptions} [options] The plugin's options. Default:
 *   none, so the verifier is configured by the `TOLLGATE_*` environment variables. Pass
 *   `{ verifier }` to share a verifier or set adapter options (tests do).
 */
export async function createApp(options = {}) {
  const app = Fastify();
  // Every route needs a valid token unless its config says otherwise; refusals are answered with RFC 6750 401/403/503.
  // A missing or invalid TOLLGATE_* variable rejects here, naming it.
  await app.register(tollgate, options);

  // No token needed. 503 until the signing keys could be fetched once.
  app.get('/health', { config: { tollgate: { public: true } } }, async (_request, reply) => {
    const { status } = app.tollgate.verifier.health();
    return reply.code(status === 'unavailable' ? 503 : 200).send({ status });
  });

  app.get('/orders', { preHandler: requireScopes('orders:read') }, async (request, reply) =>
    reply.send({ user: request.auth?.claims.sub, orders: ORDERS }),
  );

  app.post('/orders', { preHandler: requireScopes('orders:write') }, async (request, reply) => {
    const body = /** @type {{ item?: unknown } | undefined} */ (request.body);
    const item = typeof body?.item === 'string' ? body.item : 'unnamed item';
    return reply.code(201).send({ id: `ord_${Date.now()}`, item, createdBy: request.auth?.claims.sub });
  });

  return app;
}
