import { ConfigError, type DpopMode } from '@tollgate/core';
import { createGate, nodeRequestFacts, warmInBackground, type Gate, type RequestAuth } from '@tollgate/core/adapter';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { FASTIFY_ADAPTER, GATE, handleError, type Decoration, type Done } from './errors.js';
import type { TollgateOptions, TollgateRouteConfig } from './types.js';

const ROUTE_FIELDS: ReadonlySet<string> = new Set(['public', 'dpop'] satisfies (keyof TollgateRouteConfig)[]);
const DPOP_MODES: ReadonlySet<unknown> = new Set(['off', 'allowed', 'required'] satisfies DpopMode[]);

/** Refuses a `config.tollgate` the hook could misread, when the route is added (so at start-up). */
function checkRouteConfig(route: Pick<RouteOptions, 'method' | 'url' | 'config'>, gate: Gate): void {
  const declared = (route.config as { tollgate?: unknown } | undefined)?.tollgate;
  if (declared === undefined) return;
  const at = `config.tollgate of ${String(route.method)} ${route.url}`;
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) {
    throw new ConfigError(`${at} must be an object such as { public: true } or { dpop: 'required' }.`, [
      'config.tollgate',
    ]);
  }
  const problems: string[] = [];
  for (const key of Object.keys(declared))
    if (!ROUTE_FIELDS.has(key)) problems.push(`${at}: "${key}" is not a route setting; use public or dpop.`);
  const { public: isPublic, dpop } = declared as TollgateRouteConfig;
  if (isPublic !== undefined && typeof isPublic !== 'boolean') problems.push(`${at}: public must be true or false.`);
  if (dpop !== undefined && !DPOP_MODES.has(dpop)) problems.push(`${at}: dpop must be 'off', 'allowed' or 'required'.`);
  // A route that asks for DPoP where the plugin cannot check proofs must not quietly take bearer tokens.
  else if (dpop !== undefined && dpop !== 'off' && gate.options.dpop === null) {
    problems.push(
      `${at}: dpop '${dpop}' needs the plugin's dpop option with an origin, e.g. { dpop: { mode: 'off', origin: 'https://api.example.com' } }.`,
    );
  }
  if (problems.length > 0)
    throw new ConfigError(`Invalid route settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`, [
      'config.tollgate',
    ]);
}

const tollgatePlugin: FastifyPluginCallback<TollgateOptions> = (fastify, options, done) => {
  if (fastify.hasDecorator('tollgate')) {
    done(
      new ConfigError(
        '@tollgate/fastify is already registered on this app: register it once, and mark routes that need no token with config: { tollgate: { public: true } }.',
        ['tollgate'],
      ),
    );
    return;
  }
  let gate: Gate;
  try {
    gate = createGate(options.verifier, options, FASTIFY_ADAPTER);
  } catch (error) {
    done(error as Error);
    return;
  }
  warmInBackground(gate.verifier, gate.options);

  const accept = (request: FastifyRequest, reply: FastifyReply, next: Done, auth: RequestAuth | undefined) => {
    if (auth !== undefined) request.auth = auth;
    const headers = gate.successHeaders(auth);
    if (headers !== undefined) void reply.headers(headers);
    next();
  };
  // Route settings checked once: when the route is added, or, for a route added before the
  // plugin (onRoute never saw it), on its first request.
  const checked = new WeakSet<object>();
  const check = (route: Pick<RouteOptions, 'method' | 'url' | 'config'>) => {
    checkRouteConfig(route, gate);
    const declared = (route.config as { tollgate?: unknown } | undefined)?.tollgate;
    if (typeof declared === 'object' && declared !== null) checked.add(declared);
  };

  // A callback hook, not an async one: a token verified synchronously (fresh keys) costs no promise.
  const onRequest: onRequestHookHandler = function tollgate(request, reply, next) {
    const route = request.routeOptions.config?.tollgate;
    if (route !== undefined && !checked.has(route)) {
      try {
        check({ method: request.method, url: request.routeOptions.url ?? request.url, config: { tollgate: route } });
      } catch (error) {
        // A configuration mistake, not a refusal: Fastify's error handler logs it and answers 500.
        next(error as Error);
        return;
      }
    }
    if (route?.public === true) {
      next();
      return;
    }
    let outcome: RequestAuth | undefined | Promise<RequestAuth | undefined>;
    try {
      outcome = gate.authenticate(nodeRequestFacts(request.raw), route);
    } catch (error) {
      handleError(error, request, reply, next);
      return;
    }
    if (outcome instanceof Promise)
      outcome.then(
        (auth) => accept(request, reply, next, auth),
        (error: unknown) => handleError(error, request, reply, next),
      );
    else accept(request, reply, next, outcome);
  };

  const decoration: Decoration = { verifier: gate.verifier, metadata: gate.metadata, [GATE]: gate };
  fastify.decorate('tollgate', decoration);
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  fastify.addHook('onRoute', check);
  fastify.addHook('onRequest', onRequest);
  // RFC 9728: clients read the metadata without a token, so its route is public.
  const metadata = gate.metadata;
  if (metadata !== undefined) {
    fastify.route({
      method: ['GET', 'HEAD', 'OPTIONS'],
      url: metadata.path,
      exposeHeadRoute: false,
      config: { tollgate: { public: true } },
      handler: (request, reply) => {
        const answer = metadata.answer(request.method, request.url);
        if (answer === undefined) return reply.callNotFound();
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      },
    });
  }
  // Only a verifier the plugin built is closed; one passed in belongs to the caller.
  if (gate.verifier !== options.verifier) {
    fastify.addHook('onClose', (_instance, closed) => {
      gate.verifier.close().then(() => closed(), closed);
    });
  }
  done();
};

/**
 * The tollgate plugin: verifies the token of every request in an `onRequest` hook, sets
 * `request.auth`, and refuses with an RFC 6750 (or RFC 9449 DPoP) response. Wrapped with
 * `fastify-plugin`, so it covers the app it is registered on, not only a child context.
 *
 * `verifier` is the core's verifier options, an existing verifier, or nothing: then `TOLLGATE_*`
 * environment variables configure it. A bad configuration fails start-up (`app.ready()`,
 * `app.listen()`) with a `ConfigError` naming every problem, never a request. Routes opt out
 * with `config: { tollgate: { public: true } }`; guards go in `preHandler`. When the verifier has
 * a `resource`, the plugin also serves its RFC 9728 metadata at the well-known path (GET, HEAD
 * and the CORS preflight, no token needed; `resourceMetadata: false` turns it off).
 *
 * @example
 * await app.register(tollgate, { warmOnStart: true }); // TOLLGATE_ISSUER, TOLLGATE_AUDIENCE, ...
 * await app.register(tollgate, { verifier: { issuer: 'https://auth.example.com', audience: 'orders-api', algorithms: ['RS256'] } });
 * app.get('/orders', { preHandler: requireScopes('orders:read') }, async (request) => listOrders(request.auth!.claims.sub));
 * app.get('/health', { config: { tollgate: { public: true } } }, async () => 'ok');
 */
export const tollgate = fp(tollgatePlugin, { name: '@tollgate/fastify', fastify: '4.x || 5.x' });
