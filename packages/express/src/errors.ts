import { isTollgateError } from '@tollgate/core';
import {
  createResponder,
  resolveAdapterOptions,
  type AdapterDescription,
  type Responder,
} from '@tollgate/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorHandler } from './types.js';

const REGISTRY = Symbol.for('tollgate.express.gates');

/**
 * The gate of the `verify()` that let each request in, for the guards after it. A WeakMap, not a
 * property on `req`: Express gives every request its prototype with `Object.setPrototypeOf`, after
 * which each property added to a request builds it a hidden class of its own (about 4 µs per
 * property in an A/B of the request path; `req.auth` is the one property tollgate adds). Kept on
 * `globalThis` under `Symbol.for`, so a guard from a second copy of this package (ESM + CJS) finds it.
 */
const GATES: WeakMap<object, Responder> = ((globalThis as { [REGISTRY]?: WeakMap<object, Responder> })[REGISTRY] ??=
  new WeakMap());
/** How `verify()` introduces itself to the core's option check. */
export const EXPRESS_ADAPTER: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, req, res, next)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};

// Guards mounted without verify() before them answer with the defaults.
const DEFAULT_RESPONDER: Responder = createResponder(resolveAdapterOptions({}, EXPRESS_ADAPTER));

/** Leaves the gate of `verify()` on the request, so the guards after it answer the same way. */
export function setGate(req: Request, gate: Responder): void {
  GATES.set(req, gate);
}

/**
 * Answers a failed `verify()` or guard: the user's `onError`, else `next(err)` with `passErrors`,
 * else the core's response. Never throws and never returns a rejected promise (Express 4 would not
 * catch it).
 */
export function handleError(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!isTollgateError(error)) {
    next(error);
    return;
  }
  const responder = GATES.get(req) ?? DEFAULT_RESPONDER;
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
