import { DEFAULT_REALM, errorResponse, isTollgateError, type AnyTollgateError, type ErrorResponse } from '@tollgate/core';
import type { Context } from 'koa';
import type { ErrorHandler } from './types.js';

/** How errors are answered; `verify()` leaves its own on the context so later guards answer alike. */
export interface Responder {
  readonly realm: string;
  readonly passErrors: boolean;
  readonly onError: ErrorHandler | undefined;
}

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds it.
const RESPONDER = Symbol.for('tollgate.koa.responder');
const DEFAULT_RESPONDER: Responder = Object.freeze({ realm: DEFAULT_REALM, passErrors: false, onError: undefined });

type WithResponder = Context & { [RESPONDER]?: Responder };

export function setResponder(ctx: Context, responder: Responder): void {
  (ctx as WithResponder)[RESPONDER] = responder;
}

/** Fields Koa's `ctx.onerror` and http-errors-style handlers read. */
export interface HttpErrorFields {
  statusCode: number;
  headers: Record<string, string>;
  expose: boolean;
}

/** A tollgate error as `passErrors` hands it on: the typed error plus the HTTP fields. */
export type HttpTollgateError = AnyTollgateError & HttpErrorFields;

/**
 * Gives the error what Koa's error handling reads: status, headers and whether the message is safe
 * to show. 5xx messages name JWKS URLs and network causes, so they are not exposed.
 */
function asHttpError(error: AnyTollgateError, response: ErrorResponse): HttpTollgateError {
  return Object.assign(error, { statusCode: response.status, headers: { ...response.headers }, expose: response.status < 500 });
}

/** Answers a failed `verify()` or guard: the user's `onError`, else a throw with `passErrors`, else the RFC 6750 response. */
export async function handleError(error: unknown, ctx: Context): Promise<void> {
  if (!isTollgateError(error)) throw error;
  const responder = (ctx as WithResponder)[RESPONDER] ?? DEFAULT_RESPONDER;
  if (responder.onError !== undefined) {
    await responder.onError(error, ctx);
    return;
  }
  const response = errorResponse(error, { realm: responder.realm });
  if (responder.passErrors) throw asHttpError(error, response);
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}
