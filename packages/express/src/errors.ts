import { errorResponse, isTollgateError, toHttpError } from '@tollgate/core';
import { resolveAdapterOptions, type AdapterDescription, type ResolvedAdapterOptions } from '@tollgate/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorHandler } from './types.js';

/** How errors are answered; `verify()` leaves its own on the request so later guards answer alike. */
export type Responder = Pick<ResolvedAdapterOptions<ErrorHandler>, 'realm' | 'passErrors' | 'onError'>;

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds it.
const RESPONDER = Symbol.for('tollgate.express.responder');
/** How `verify()` introduces itself to the core's option check. */
export const EXPRESS_ADAPTER: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, req, res, next)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};

// Guards mounted without verify() before them answer with the defaults.
const DEFAULT_RESPONDER: Responder = resolveAdapterOptions<ErrorHandler>({}, EXPRESS_ADAPTER);

type WithResponder = Request & { [RESPONDER]?: Responder };

export function setResponder(req: Request, responder: Responder): void {
  (req as WithResponder)[RESPONDER] = responder;
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
  if (responder.passErrors || res.headersSent) {
    next(toHttpError(error, { realm: responder.realm }));
    return;
  }
  const response = errorResponse(error, { realm: responder.realm });
  res.status(response.status).set(response.headers).json(response.body);
}
