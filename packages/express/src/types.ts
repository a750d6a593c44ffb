import type { AnyTollgateError, JwtClaims, TokenLocations, VerifiedToken } from '@tollgate/core';
import type { NextFunction, Request, Response } from 'express';

declare global {
  // Express's own extension point (see @types/express-serve-static-core); merging here types `req.auth` in every handler.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified token, set by `verify()`. `undefined` before `verify()` ran, and for anonymous
       * requests when `credentialsOptional` is on. Use `getAuth<C>(req)` for typed custom claims.
       */
      auth?: VerifiedToken | undefined;
    }
  }
}

/**
 * Takes over error rendering. Receives every tollgate error of `verify()` and of the guards
 * mounted after it; it must answer, or call `next(err)`. Errors that are not tollgate errors
 * (bugs in your own `requireClaims` predicate) skip it and go to `next(err)`.
 */
export type ErrorHandler = (error: AnyTollgateError, req: Request, res: Response, next: NextFunction) => void | Promise<void>;

/** Adapter options of `verify()`, next to the verifier source. Every field is optional. */
export interface VerifyOptions {
  /**
   * Let requests without a token through with `req.auth` unset. A token that is present but bad
   * is still refused. Guards after `verify()` refuse anonymous requests with 401.
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
   * Hand tollgate errors to `next(err)` instead of answering. The error keeps its class and `code`
   * and gets `status`, `statusCode`, `headers` (the RFC 6750 challenge or `Retry-After`) and
   * `expose` (false for 5xx), so Express's default handler and http-errors-style handlers send
   * the right status and headers. Default: `false` (tollgate answers with a JSON body).
   */
  passErrors?: boolean | undefined;
  /** Renders tollgate errors yourself; see {@link ErrorHandler}. Cannot be combined with `passErrors`. Default: none. */
  onError?: ErrorHandler | undefined;
}

/**
 * `req.auth` with your claim type. Claims are verified by the core's policy, not checked against
 * `C`: declare only what your issuer guarantees.
 *
 * @example
 * interface OrdersClaims extends JwtClaims { tenant_id: string }
 * const auth = getAuth<OrdersClaims>(req); // auth?.claims.tenant_id is a string
 */
export function getAuth<C extends JwtClaims = JwtClaims>(req: Request): VerifiedToken<C> | undefined {
  return req.auth as VerifiedToken<C> | undefined;
}
