// Express 5 apps: one GET /orders route behind each middleware.
import express from 'express';
import { expressjwt } from 'express-jwt';
import { auth } from 'express-oauth2-jwt-bearer';
import jwksRsa from 'jwks-rsa';
import { verify } from '@tollgate/express';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { floorCheck } from './floor-check.mjs';

export const MODES = ['none', 'floor', 'tollgate', 'tollgate-cache', 'express-jwt', 'oauth2-bearer'];

export async function build(mode, ctx) {
  const app = express();
  let subOf = () => null;
  let verifier;
  if (mode === 'floor') {
    const check = floorCheck(ctx);
    app.use((req, res, next) => {
      const claims = check(req.headers.authorization);
      if (claims === undefined) {
        res
          .status(401)
          .set('www-authenticate', 'Bearer realm="api", error="invalid_token"')
          .json({ error: 'invalid_token' });
        return;
      }
      req.auth = claims;
      next();
    });
    subOf = (req) => req.auth.sub;
  } else if (mode === 'tollgate' || mode === 'tollgate-cache') {
    const middleware = verify(tollgateOptions(ctx, mode === 'tollgate-cache' ? { tokenCache: true } : {}));
    verifier = middleware.verifier;
    await verifier.ready();
    app.use(middleware);
    subOf = (req) => req.auth.claims.sub;
  } else if (mode === 'express-jwt') {
    // The express-jwt README recipe with jwks-rsa.
    app.use(
      expressjwt({
        secret: jwksRsa.expressJwtSecret({
          cache: true,
          rateLimit: true,
          jwksRequestsPerMinute: 5,
          jwksUri: ctx.jwksUri,
        }),
        audience: ctx.audience,
        issuer: ctx.issuer,
        algorithms: [ctx.alg],
      }),
    );
    subOf = (req) => req.auth.sub;
  } else if (mode === 'oauth2-bearer') {
    app.use(auth({ issuer: ctx.issuer, jwksUri: ctx.jwksUri, audience: ctx.audience, tokenSigningAlg: ctx.alg }));
    subOf = (req) => req.auth.payload.sub;
  } else if (mode !== 'none') {
    throw new Error(`express: unknown mode ${mode}`);
  }
  app.get('/orders', (req, res) => {
    res.json({ ok: true, sub: subOf(req) });
  });
  // Refusals from express-jwt / express-oauth2-jwt-bearer arrive as errors with a status.
  app.use((err, req, res, _next) => {
    res.status(err.status ?? err.statusCode ?? 500).json({ error: err.code ?? 'error' });
  });
  return { handler: app, verifier };
}
