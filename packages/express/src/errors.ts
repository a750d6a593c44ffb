import { isTollgateError } from '@tollgate/core';
import {
  createResponder,
  resolveAdapterOptions,
  type AdapterDescription,
  type Responder,
} from '@tollgate/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorHandler } from './types.js';

/**
 * The gate of the `verify()` that let a request in sits on `res.locals` (under a symbol, so
 * templates never see it), for the guards after it. Not on `req`: Express gives every request its
 * prototype with `Object.setPrototypeOf`, after which each property added to a request builds it a
 * hidden class of its own (several µs per property in a CPU profile of the request path; `req.auth`
 * is the one property tollgate adds), while `res.locals` is a null-prototype dictionary where a
 * key is a hash insert. `Symbol.for`, so a guard from a second copy of this package (ESM + CJS)
 * finds it.
 */
const GATE = Symbol.for('tollgate.express.gate');
type Locals = { [GATE]?: Responder } | undefined;

/** How `verify()` introduces itself to the core's option check. */
export const EXPRESS_ADAPTER: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, req, res, next)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};

// Guards mounted without verify() before them answer with the defaults.
const DEFAULT_RESPONDER: Responder = createResponder(resolveAdapterOptions({}, EXPRESS_ADAPTER));

/** Leaves the gate of `verify()` with the response, so the guards after it answer the same way. */
export function setGate(res: Response, gate: Responder): void {
  const locals = res.locals as Locals;
  // Express always sets `res.locals`; without it (a hand-made response) guards answer with the defaults.
  if (locals !== undefined) locals[GATE] = gate;
}

/**
 * Answers a failed `verify()` or guard: the user's `onError`, else `next(err)` with `passErrors`,
 * else the core's response. Never throws and never returns a rejected promise (Express 4 would not
 * catch it). `verify()` passes its own gate; a guard answers like the `verify()` before it.
 */
export function handleError(
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
  responder: Responder = (res.locals as Locals)?.[GATE] ?? DEFAULT_RESPONDER,
): void {
  if (!isTollgateError(error)) {
    next(error);
    return;
  }
  const onError = responder.options.onError as ErrorHandler | undefined;
  if (onError !== undefined) {
    try {
      const result = onError(error, req, res, next);
      if (result !== undefined) Promise.resolve(result).catch(next);
    } catch (thrown) {
      next(thrown);
    }
    return;
  }
  if (responder.options.passErrors || res.headersSent) {
    next(responder.httpError(error, { auth: req.auth }));
    return;
  }
  const response = responder.respond(error, { auth: req.auth });
  res.status(response.status).set(response.headers).json(response.body);
}
