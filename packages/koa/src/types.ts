import type { AnyTollgateError, JwtClaims, RequestAuth } from '@tollgate/core';
import type { AdapterOptions } from '@tollgate/core/adapter';
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
  auth?: RequestAuth<C> | undefined;
}

declare module 'koa' {
  // Koa's extension point for ctx.state: every handler sees `ctx.state.auth` typed without ceremony.
  interface DefaultState {
    auth?: RequestAuth | undefined;
  }
}

/**
 * Takes over error rendering. Receives every tollgate error of `verify()` and of the guards
 * mounted after it; set `ctx.status`, `ctx.body` and headers, or throw to use Koa's error
 * handling. Errors that are not tollgate errors (bugs in your own `requireClaims` predicate)
 * skip it and are rethrown.
 */
export type ErrorHandler = (error: AnyTollgateError, ctx: Context) => void | Promise<void>;

/**
 * Adapter options of `verify()`, next to the verifier source: `credentialsOptional`, `locations`,
 * `realm`, `passErrors`, `onError` (an {@link ErrorHandler}) and `warmOnStart`, documented once on
 * the core's `AdapterOptions`. Every field is optional; an unknown one is refused at start-up.
 * With `passErrors`, Koa's default `ctx.onerror` answers with the error's status, headers and
 * message as a text body.
 */
export type VerifyOptions = AdapterOptions<ErrorHandler>;
