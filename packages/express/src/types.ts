import type { AnyTollgateError, JwtClaims, RequestAuth } from '@tollgate/core';
import type { AdapterOptions } from '@tollgate/core/adapter';
import type { NextFunction, Request, Response } from 'express';

declare global {
  // Express's own extension point (see @types/express-serve-static-core); merging here types `req.auth` in every handler.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified token and how it was bound (`binding`: bearer, dpop, mtls), set by `verify()`.
       * `undefined` before `verify()` ran, and for anonymous requests when `credentialsOptional` is
       * on. Use `getAuth<C>(req)` for typed custom claims.
       */
      auth?: RequestAuth | undefined;
    }
  }
}

/**
 * Takes over error rendering. Receives every tollgate error of `verify()` and of the guards
 * mounted after it; it must answer, or call `next(err)`. Errors that are not tollgate errors
 * (bugs in your own `requireClaims` predicate) skip it and go to `next(err)`.
 */
export type ErrorHandler = (
  error: AnyTollgateError,
  req: Request,
  res: Response,
  next: NextFunction,
) => void | Promise<void>;

/**
 * Adapter options of `verify()`, next to the verifier source: `credentialsOptional`, `locations`,
 * `realm`, `passErrors`, `onError` (an {@link ErrorHandler}) and `warmOnStart`, documented once on
 * the core's `AdapterOptions`. Every field is optional; an unknown one is refused at start-up.
 */
export type VerifyOptions = AdapterOptions<ErrorHandler>;

/**
 * `req.auth` with your claim type. Claims are verified by the core's policy, not checked against
 * `C`: declare only what your issuer guarantees.
 *
 * @example
 * interface OrdersClaims extends JwtClaims { tenant_id: string }
 * const auth = getAuth<OrdersClaims>(req); // auth?.claims.tenant_id is a string
 */
export function getAuth<C extends JwtClaims = JwtClaims>(req: Request): RequestAuth<C> | undefined {
  return req.auth as RequestAuth<C> | undefined;
}
