// @ts-check
import Koa from 'koa';
import { requireScopes, verify } from '@tollgate/koa';

const ORDERS = [
  { id: 'ord_2001', item: 'rye crackers', status: 'shipped' },
  { id: 'ord_2002', item: 'cultured butter', status: 'packing' },
];

/**
 * The orders service on Koa: a public health check, everything else behind a bearer token.
 *
 * @param {import('@tollgate/koa').VerifyMiddleware} [auth] The tollgate middleware. Default:
 *   `verify()`, configured by the `TOLLGATE_*` environment variables. Pass your own to share a
 *   verifier or set options (tests and the demo do).
 */
export function createApp(auth = verify()) {
  const app = new Koa();

  // Before verify(): no token needed. 503 until the signing keys could be fetched once.
  app.use(
    route('GET', '/health', (ctx) => {
      const { status } = auth.verifier.health();
      ctx.status = status === 'unavailable' ? 503 : 200;
      ctx.body = { status };
    }),
  );

  // Every route below needs a valid token; refusals are answered with RFC 6750 401/403/503.
  app.use(auth);

  app.use(
    route('GET', '/orders', requireScopes('orders:read'), (ctx) => {
      ctx.body = { user: ctx.state.auth?.claims.sub, orders: ORDERS };
    }),
  );
  app.use(
    route('POST', '/orders', requireScopes('orders:write'), (ctx) => {
      ctx.status = 201;
      ctx.body = { id: `ord_${Date.now()}`, createdBy: ctx.state.auth?.claims.sub };
    }),
  );

  return app;
}

/**
 * A route: runs `middleware` in order for one method and path, passes everything else on.
 * Koa has no router built in; in a larger service use `@koa/router` the same way:
 * `router.get('/orders', requireScopes('orders:read'), handler)`.
 *
 * @param {string} method
 * @param {string} path
 * @param {...import('koa').Middleware} middleware
 * @returns {import('koa').Middleware}
 */
function route(method, path, ...middleware) {
  return async (ctx, next) => {
    if (ctx.method !== method || ctx.path !== path) {
      await next();
      return;
    }
    /** @param {number} i */
    const run = async (i) => {
      const current = middleware[i];
      if (current !== undefined) await current(ctx, () => run(i + 1));
    };
    await run(0);
  };
}
