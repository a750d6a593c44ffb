// Koa 3 apps: one GET /orders route behind each middleware.
import Koa from 'koa';
import koaJwt from 'koa-jwt';
import jwksRsa from 'jwks-rsa';
import { verify } from '@tollgate/koa';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { floorCheck } from './floor-check.mjs';

export const MODES = ['none', 'floor', 'tollgate', 'tollgate-cache', 'koa-jwt'];

export async function build(mode, ctx) {
  const app = new Koa();
  app.silent = true;
  let subOf = () => null;
  let verifier;
  if (mode === 'floor') {
    const check = floorCheck(ctx);
    app.use(async (context, next) => {
      const claims = check(context.get('authorization'));
      if (claims === undefined) {
        context.status = 401;
        context.set('www-authenticate', 'Bearer realm="api", error="invalid_token"');
        context.body = { error: 'invalid_token' };
        return;
      }
      context.state.auth = claims;
      await next();
    });
    subOf = (context) => context.state.auth.sub;
  } else if (mode === 'tollgate' || mode === 'tollgate-cache') {
    const middleware = verify(tollgateOptions(ctx, mode === 'tollgate-cache' ? { tokenCache: true } : {}));
    verifier = middleware.verifier;
    await verifier.ready();
    app.use(middleware);
    subOf = (context) => context.state.auth.claims.sub;
  } else if (mode === 'koa-jwt') {
    // The koa-jwt README recipe with jwks-rsa.
    app.use(
      koaJwt({
        secret: jwksRsa.koaJwtSecret({ cache: true, rateLimit: true, jwksRequestsPerMinute: 5, jwksUri: ctx.jwksUri }),
        audience: ctx.audience,
        issuer: ctx.issuer,
        algorithms: [ctx.alg],
      }),
    );
    subOf = (context) => context.state.user.sub;
  } else if (mode !== 'none') {
    throw new Error(`koa: unknown mode ${mode}`);
  }
  app.use(async (context) => {
    if (context.method === 'GET' && context.path === '/orders') context.body = { ok: true, sub: subOf(context) };
  });
  return { handler: app.callback(), verifier };
}
