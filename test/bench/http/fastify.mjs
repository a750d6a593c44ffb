// Fastify 5 apps: one GET /orders route behind each authentication hook.
import { createServer } from 'node:http';
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import buildGetJwks from 'get-jwks';
import { tollgate } from '@tollgate/fastify';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { floorCheck } from './floor-check.mjs';

export const MODES = ['none', 'floor', 'tollgate', 'tollgate-cache', 'fastify-jwt'];

export async function build(mode, ctx) {
  // The child serves the request handler on its own server; serverFactory hands it over.
  let handler;
  const app = Fastify({
    serverFactory: (fastifyHandler) => {
      handler = fastifyHandler;
      return createServer(fastifyHandler);
    },
  });
  let subOf = () => null;
  let verifier;
  if (mode === 'floor') {
    const check = floorCheck(ctx);
    app.addHook('onRequest', (request, reply, done) => {
      const claims = check(request.headers.authorization);
      if (claims === undefined) {
        reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="api", error="invalid_token"')
          .send({ error: 'invalid_token' });
        return;
      }
      request.claims = claims;
      done();
    });
    subOf = (request) => request.claims.sub;
  } else if (mode === 'tollgate' || mode === 'tollgate-cache') {
    await app.register(tollgate, {
      verifier: tollgateOptions(ctx, mode === 'tollgate-cache' ? { tokenCache: true } : {}),
    });
    verifier = app.tollgate.verifier;
    await verifier.ready();
    subOf = (request) => request.auth.claims.sub;
  } else if (mode === 'fastify-jwt') {
    // The get-jwks README recipe for @fastify/jwt, given the JWKS host as `domain` and its path
    // (the recipe derives both from payload.iss, which here is not where the JWKS is served).
    const url = new URL(ctx.jwksUri);
    const getJwks = buildGetJwks({ jwksPath: url.pathname });
    await app.register(fastifyJwt, {
      decode: { complete: true },
      secret: (_request, token) =>
        getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: url.origin }),
      verify: { algorithms: [ctx.alg], allowedIss: ctx.issuer, allowedAud: ctx.audience, requiredClaims: ['exp'] },
    });
    app.addHook('onRequest', async (request, reply) => {
      try {
        await request.jwtVerify();
      } catch (error) {
        return reply.send(error);
      }
    });
    subOf = (request) => request.user.sub;
  } else if (mode !== 'none') {
    throw new Error(`fastify: unknown mode ${mode}`);
  }
  app.get('/orders', (request, reply) => {
    reply.send({ ok: true, sub: subOf(request) });
  });
  await app.ready();
  return { handler, verifier };
}
