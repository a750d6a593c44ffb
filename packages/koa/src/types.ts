import type { AnyTollgateError, JwtClaims, TokenLocations, VerifiedToken } from '@tollgate/core';
import type { Context } from 'koa';

/**
 * What `verify()` adds to `ctx.state`. `auth` is unset before `verify()` ran and for anonymous
 * requests when `credentialsOptional` is on. Give `C` to type your custom claims.
 *
 * @example
 * interface OrdersClaims extends JwtClaims { tenant_id: string }
 * router.get('/orders', (ctx: ParameterizedContext<TollgateState<OrdersClaims>>) => { ctx.state.auth?.claims.tenant_id });
 */
export interface TollgateState<C extends JwtClaims = JwtClaims> {
  auth?: VerifiedToken<C> | undefined;
}

declare module 'koa' {
  // Koa's extension point for ctx.state: every handler sees `ctx.state.auth` typed without ceremony.
  interface DefaultState {
    auth?: VerifiedToken | undefined;
  }
}

/**
 * Takes over error rendering. Receives every tollgate error of `verify()` and of the guards
 * mounted after it; set `ctx.status`, `ctx.body` and headers, or throw to use Koa's error
 * handling. Errors that are not tollgate errors (bugs in your own `requireClaims` predicate)
 * skip it and are rethrown.
 */
export type ErrorHandler = (error: AnyTollgateError, ctx: Context) => void | Promise<void>;

/** Adapter options of `verify()`, next to the verifier source. Every field is optional. */
export interface VerifyOptions {
  /**
   * Let requests without a token through with `ctx.state.auth` unset. A token that is present but
   * bad is still refused. Guards after `verify()` refuse anonymous requests with 401.
   * Default: `false`.
   */
  credentialsOptional?: boolean | undefined;
  /**
   * Also read the token from a cookie and/or a query parameter, e.g. `{ cookie: 'access_token' }`.
   * The `Authorization: Bearer` header is always read; a token in more than one place is a 400.
   * Default: the header only.
   */
  locations?: TokenLocations | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default: `'api'` (core `DEFAULT_REALM`). */
  realm?: string | undefined;
  /**
   * Throw tollgate errors into Koa's error handling instead of answering. The error keeps its class
   * and `code` and carries `status`, `statusCode`, `headers` (the RFC 6750 challenge or
   * `Retry-After`) and `expose` (false for 5xx), so Koa's default `ctx.onerror` sends the right
   * status and headers with the message as a text body. Default: `false` (tollgate answers with
   * a JSON body).
   */
  passErrors?: boolean | undefined;
  /** Renders tollgate errors yourself; see {@link ErrorHandler}. Cannot be combined with `passErrors`. Default: none. */
  onError?: ErrorHandler | undefined;
}
