import type { AnyTollgateError, DpopMode, JwtClaims, RequestAuth, Verifier, VerifierOptions } from '@tollgate/core';
import type { AdapterOptions, ResourceMetadataEndpoint } from '@tollgate/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  // Fastify's extension points: merging here types `request.auth`, `app.tollgate` and `config.tollgate` in every app that imports the plugin.
  interface FastifyRequest {
    /**
     * The verified token and how it was bound (`binding`: bearer, dpop, mtls), set by the plugin's
     * `onRequest` hook. `undefined` on public routes, and for anonymous requests when
     * `credentialsOptional` is on. Use `getAuth<C>(request)` for typed custom claims.
     */
    auth?: RequestAuth | undefined;
  }
  interface FastifyInstance {
    /** What the tollgate plugin registered: its verifier (stats, health, warm-up). */
    readonly tollgate: TollgateDecoration;
  }
  interface FastifyContextConfig {
    /** Per-route tollgate settings, e.g. `{ public: true }` or `{ dpop: 'required' }`. */
    tollgate?: TollgateRouteConfig | undefined;
  }
}

/** `app.tollgate`: what the plugin registered. */
export interface TollgateDecoration {
  /** The verifier the plugin uses: the one passed in `verifier`, or the one it built (closed with the app). */
  readonly verifier: Verifier;
  /** The RFC 9728 metadata the plugin serves and names in its challenges (path, URL, document), or `undefined` without a `resource`. */
  readonly metadata: ResourceMetadataEndpoint | undefined;
}

/**
 * Per-route settings, under `config.tollgate` of a route. Checked when the route is added: an
 * unknown field or value fails start-up.
 *
 * @example
 * app.get('/health', { config: { tollgate: { public: true } } }, () => 'ok');
 * app.post('/payments', { config: { tollgate: { dpop: 'required' } } }, pay);
 */
export interface TollgateRouteConfig {
  /** Skip authentication on this route: no token is read and `request.auth` stays unset. Default: `false`. */
  public?: boolean | undefined;
  /**
   * The DPoP mode of this route, overriding the plugin's `dpop.mode` (e.g. `'required'` on a
   * payment route while the rest of the API allows Bearer). Needs the plugin's `dpop` option with
   * an `origin`. Default: the plugin's mode.
   */
  dpop?: DpopMode | undefined;
}

/**
 * Takes over error rendering. Receives every tollgate error of the plugin's hook and of the
 * guards; answer with `reply.send()`, or throw to use Fastify's error handler. If it returns
 * without answering, the error goes to Fastify's error handler with `statusCode` and `headers`
 * set, as with `passErrors`. Errors that are not tollgate errors (bugs in your own
 * `requireClaims` predicate) skip it and go to Fastify's error handler.
 */
export type ErrorHandler = (
  error: AnyTollgateError,
  request: FastifyRequest,
  reply: FastifyReply,
) => void | Promise<void>;

/**
 * Options of the plugin: `verifier` (the core's verifier options, an existing `Verifier`, or
 * nothing for `TOLLGATE_*` environment variables) and the core's adapter options
 * (`credentialsOptional`, `locations`, `realm`, `passErrors`, `onError`, `warmOnStart`, `dpop`,
 * `mtls`, `resourceMetadata`), documented once on `AdapterOptions`. An unknown option fails start-up.
 *
 * @example
 * await app.register(tollgate, { verifier: { issuer: 'https://auth.example.com', audience: 'orders-api', algorithms: ['RS256'] }, realm: 'orders' });
 */
export interface TollgateOptions extends AdapterOptions<ErrorHandler> {
  /**
   * The core's verifier options (`createVerifier`), or an existing `Verifier` to share its key
   * caches. Default: built from the `TOLLGATE_*` environment variables, failing at start-up with
   * a message naming every missing one. A verifier the plugin builds is closed when the app
   * closes (`onClose`); one you pass in is yours to close.
   */
  verifier?: VerifierOptions | Verifier | undefined;
}

/**
 * `request.auth` with your claim type. Claims are verified by the core's policy, not checked
 * against `C`: declare only what your issuer guarantees.
 *
 * @example
 * interface OrdersClaims extends JwtClaims { tenant_id: string }
 * const auth = getAuth<OrdersClaims>(request); // auth?.claims.tenant_id is a string
 */
export function getAuth<C extends JwtClaims = JwtClaims>(request: FastifyRequest): RequestAuth<C> | undefined {
  return request.auth as RequestAuth<C> | undefined;
}
