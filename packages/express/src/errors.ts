import { DEFAULT_REALM, errorResponse, isTollgateError, type AnyTollgateError, type ErrorResponse } from '@tollgate/core';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorHandler } from './types.js';

/** How errors are answered; `verify()` leaves its own on the request so later guards answer alike. */
export interface Responder {
  readonly realm: string;
  readonly passErrors: boolean;
  readonly onError: ErrorHandler | undefined;
}

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds it.
const RESPONDER = Symbol.for('tollgate.express.responder');
const DEFAULT_RESPONDER: Responder = Object.freeze({ realm: DEFAULT_REALM, passErrors: false, onError: undefined });

type WithResponder = Request & { [RESPONDER]?: Responder };

export function setResponder(req: Request, responder: Responder): void {
  (req as WithResponder)[RESPONDER] = responder;
}

/** Fields Express's final handler and http-errors-style handlers read. */
export interface HttpErrorFields {
  statusCode: number;
  headers: Record<string, string>;
  expose: boolean;
}

/** A tollgate error as `passErrors` hands it on: the typed error plus the HTTP fields. */
export type HttpTollgateError = AnyTollgateError & HttpErrorFields;

/**
 * Gives the error what framework error pipelines read: status code, headers and whether the
 * message is safe to show. 5xx messages name JWKS URLs and network causes, so they are not exposed.
 */
function asHttpError(error: AnyTollgateError, response: ErrorResponse): HttpTollgateError {
  return Object.assign(error, { statusCode: response.status, headers: { ...response.headers }, expose: response.status < 500 });
}

/**
 * Answers a failed `verify()` or guard: the user's `onError`, else `next(err)` with `passErrors`,
 * else the RFC 6750 response. Never throws and never returns a rejected promise (Express 4 would
 * not catch it).
 */
export function handleError(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!isTollgateError(error)) {
    next(error);
    return;
  }
  const responder = (req as WithResponder)[RESPONDER] ?? DEFAULT_RESPONDER;
  if (responder.onError !== undefined) {
    try {
      const result = responder.onError(error, req, res, next);
      if (result !== undefined) Promise.resolve(result).catch(next);
    } catch (thrown) {
      next(thrown);
    }
    return;
  }
  const response = errorResponse(error, { realm: responder.realm });
  if (responder.passErrors || res.headersSent) {
    next(asHttpError(error, response));
    return;
  }
  res.status(response.status).set(response.headers).json(response.body);
}
