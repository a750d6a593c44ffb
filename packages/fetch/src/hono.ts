/**
 * Hono middleware for tollgate: `app.use(verify())`, `c.get('auth')`, `requireScopes()`,
 * `resourceMetadata()`, RFC 6750 and DPoP responses. Needs `hono` (an optional peer dependency of `@tollgate/fetch`).
 * @packageDocumentation
 */
import {
  ConfigError,
  isTollgateError,
  requireAuthLevel as authLevelCheck,
  requireClaims as claimsCheck,
  requireScopes as scopesCheck,
  type AnyTollgateError,
  type AuthCheck,
  type AuthLevel,
  type JwtClaims,
  type RequestAuth,
  type VerifiedToken,
  type Verifier,
} from '@tollgate/core';
import {
  createGate,
  createResponder,
  fetchRequestFacts,
  resolveAdapterOptions,
  warmInBackground,
  type AdapterDescription,
  type AdapterOptions,
  type ResourceMetadataEndpoint,
  type Responder,
  type VerifierSource,
} from '@tollgate/core/adapter';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { toResponse } from './response.js';

declare module 'hono' {
  // Hono's extension point for c.get()/c.var: every handler sees `auth` typed without a generic.
  interface ContextVariableMap {
    /**
     * The verified token and how it was bound (`binding`: bearer, dpop, mtls), set by `verify()`.
     * `undefined` before `verify()` ran, and for anonymous requests when `credentialsOptional` is
     * on. Use `getAuth<C>(c)` for typed custom claims.
     */
    auth: RequestAuth | undefined;
  }
}

/**
 * Takes over error rendering: receives every tollgate error of `verify()` and of the guards after
 * it, and returns the `Response` to send. Errors that are not tollgate errors (bugs in your own
 * `requireClaims` predicate) skip it and reach Hono's `app.onError`.
 */
export type ErrorHandler = (error: AnyTollgateError, c: Context) => Response | Promise<Response>;

/**
 * Adapter options of `verify()`, next to the verifier source: `credentialsOptional`, `locations`,
 * `realm`, `passErrors`, `onError` (an {@link ErrorHandler}), `warmOnStart`, `dpop` and `mtls`,
 * documented once on the core's `AdapterOptions`. With `passErrors`, a refusal is thrown as Hono's
 * `HTTPException` carrying the core's `Response` (`getResponse()`) and the tollgate error as
 * `cause`, so `app.onError` sees it and Hono's default handler sends the core's answer.
 */
export type VerifyOptions = AdapterOptions<ErrorHandler>;

/** The middleware `verify()` returns, with the verifier it uses (warm it, read stats, close it) and the RFC 9728 metadata it names in its challenges (serve it with `resourceMetadata(auth)`). */
export type VerifyMiddleware = MiddlewareHandler & {
  readonly verifier: Verifier;
  readonly metadata: ResourceMetadataEndpoint | undefined;
};

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds the gate.
const GATE = Symbol.for('tollgate.hono.gate');
const HONO_ADAPTER: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, c)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};
// Guards mounted without verify() before them answer with the defaults.
const DEFAULT_RESPONDER: Responder = createResponder(resolveAdapterOptions({}, HONO_ADAPTER));

type WithGate = Context & { [GATE]?: Responder };

/** The Node TLS socket under `@hono/node-server` (`c.env.incoming`), for certificate-bound tokens. */
function nodeSocket(c: Context): object | undefined {
  const env = c.env as { incoming?: { socket?: object } } | undefined;
  return env?.incoming?.socket;
}

/** Answers a refusal: the user's `onError`, else an `HTTPException` with `passErrors`, else the core's response. */
async function handleError(error: unknown, c: Context): Promise<Response> {
  if (!isTollgateError(error)) throw error;
  const responder = (c as WithGate)[GATE] ?? DEFAULT_RESPONDER;
  const onError = responder.options.onError as ErrorHandler | undefined;
  if (onError !== undefined) return onError(error, c);
  const answer = responder.respond(error, { auth: c.get('auth') });
  const response = toResponse(answer);
  if (responder.options.passErrors)
    throw new HTTPException(answer.status as 401, { res: response, message: error.message, cause: error });
  return response;
}

/**
 * Verifies the request's token and sets `c.get('auth')`; refuses with an RFC 6750 (or RFC 9449
 * DPoP) response.
 *
 * `source` is the core's verifier options, an existing verifier (several middlewares then share
 * one key cache), or nothing: then `TOLLGATE_*` environment variables configure it. The verifier
 * is built here, once, so a bad configuration throws a `ConfigError` at start-up naming every
 * missing, invalid or unknown option, never per request.
 *
 * @example
 * app.use('/api/*', verify(undefined, { warmOnStart: true })); // TOLLGATE_ISSUER, TOLLGATE_AUDIENCE, ...
 * app.get('/api/orders', requireScopes('orders:read'), (c) => c.json({ user: c.get('auth')?.claims.sub }));
 * app.use('/payments/*', verify(verifier, { dpop: { mode: 'required', origin: 'https://api.example.com' } }));
 */
export function verify(source?: VerifierSource, options: VerifyOptions = {}): VerifyMiddleware {
  const gate = createGate(source, options, HONO_ADAPTER);
  warmInBackground(gate.verifier, gate.options);

  const accept = (c: Context, auth: RequestAuth | undefined) => {
    c.set('auth', auth);
    const headers = gate.successHeaders(auth);
    if (headers !== undefined) for (const [name, value] of Object.entries(headers)) c.header(name, value);
  };
  const tollgate: MiddlewareHandler = async function tollgate(c, next) {
    (c as WithGate)[GATE] = gate;
    try {
      const outcome = gate.authenticate(fetchRequestFacts(c.req.raw, nodeSocket(c)));
      // Fresh keys: no await, so a synchronous verification costs no extra microtask.
      accept(c, outcome instanceof Promise ? await outcome : outcome);
    } catch (error) {
      return handleError(error, c);
    }
    await next();
    return undefined;
  };
  return Object.defineProperties(tollgate, {
    verifier: { value: gate.verifier, enumerable: true },
    metadata: { value: gate.metadata, enumerable: true },
  }) as VerifyMiddleware;
}

/**
 * Serves the RFC 9728 protected resource metadata of a `verify()` middleware at its well-known
 * path: JSON, `Cache-Control`, `Access-Control-Allow-Origin: *`, GET and HEAD, and the CORS
 * preflight; every other request passes on. Mount it before a `verify()` that covers every path,
 * since clients read it without a token. Throws a `ConfigError` at start-up when the middleware
 * has no metadata (no `resource`, or `resourceMetadata: false`).
 *
 * @example
 * const auth = verify({ resource: 'https://api.example.com/mcp', issuer: 'https://auth.example.com', algorithms: ['RS256'] });
 * app.use(resourceMetadata(auth)); // GET /.well-known/oauth-protected-resource/mcp
 * app.use('/mcp', auth);
 */
export function resourceMetadata(middleware: VerifyMiddleware): MiddlewareHandler {
  const metadata = middleware.metadata;
  if (metadata === undefined) {
    throw new ConfigError(
      'resourceMetadata() needs a verify() middleware whose verifier has a resource (TOLLGATE_RESOURCE) and whose resourceMetadata option is not false.',
      ['resource'],
    );
  }
  return async function tollgateResourceMetadata(c, next) {
    const answer = metadata.answer(c.req.method, new URL(c.req.url).pathname);
    if (answer === undefined) {
      await next();
      return undefined;
    }
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
  };
}

/**
 * Turns a framework-neutral check on `c.get('auth')` into Hono middleware. A refusal is answered
 * the way the `verify()` before it is configured; with no `verify()` before it, `auth` is unset
 * and the answer is a 401.
 *
 * @example
 * app.post('/orders', toMiddleware(notSuspended), createOrder);
 */
export function toMiddleware(check: AuthCheck): MiddlewareHandler {
  return async function tollgateGuard(c, next) {
    try {
      await check(c.get('auth'));
    } catch (error) {
      return handleError(error, c);
    }
    await next();
    return undefined;
  };
}

/**
 * Requires every listed scope, read from the space-separated `scope` claim and the `scp` array.
 * Refuses with 403 `insufficient_scope` and `scope="<needed>"` in the challenge.
 *
 * @example
 * app.get('/orders', requireScopes('orders:read'), listOrders);
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler {
  return toMiddleware(scopesCheck(...scopes));
}

/**
 * Requires a predicate over the claims (may be async). `false` refuses with 403
 * `insufficient_scope`; throwing a tollgate error refuses with that error; any other error
 * reaches Hono's `app.onError`.
 *
 * @example
 * app.get('/admin', requireClaims<{ role?: string }>((claims) => claims.role === 'admin'), admin);
 */
export function requireClaims<C extends JwtClaims = JwtClaims>(
  predicate: (claims: C, auth: VerifiedToken<C>) => boolean | Promise<boolean>,
  description?: string,
): MiddlewareHandler {
  return toMiddleware(claimsCheck<C>(predicate, description));
}

/**
 * Requires a strong or recent enough login (RFC 9470 step-up); refuses with 401
 * `insufficient_user_authentication` and `acr_values` / `max_age` in the challenge.
 *
 * @example
 * app.post('/payments', requireAuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 }), pay);
 */
export function requireAuthLevel(level: AuthLevel): MiddlewareHandler {
  return toMiddleware(authLevelCheck(level));
}

/**
 * `c.get('auth')` with your claim type. Claims are verified by the core's policy, not checked
 * against `C`: declare only what your issuer guarantees.
 *
 * @example
 * interface OrdersClaims extends JwtClaims { tenant_id: string }
 * const auth = getAuth<OrdersClaims>(c); // auth?.claims.tenant_id is a string
 */
export function getAuth<C extends JwtClaims = JwtClaims>(c: Context): RequestAuth<C> | undefined {
  return c.get('auth') as RequestAuth<C> | undefined;
}

export type {
  AnyTollgateError,
  AuthCheck,
  AuthLevel,
  JwtClaims,
  RequestAuth,
  VerifiedToken,
  Verifier,
  VerifierOptions,
} from '@tollgate/core';
export type { ResourceMetadataEndpoint, VerifierSource } from '@tollgate/core/adapter';
