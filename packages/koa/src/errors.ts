import { errorResponse, isTollgateError, toHttpError } from '@tollgate/core';
import { resolveAdapterOptions, type AdapterDescription, type ResolvedAdapterOptions } from '@tollgate/core/adapter';
import type { Context } from 'koa';
import type { ErrorHandler } from './types.js';

/** How errors are answered; `verify()` leaves its own on the context so later guards answer alike. */
export type Responder = Pick<ResolvedAdapterOptions<ErrorHandler>, 'realm' | 'passErrors' | 'onError'>;

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds it.
const RESPONDER = Symbol.for('tollgate.koa.responder');
/** How `verify()` introduces itself to the core's option check. */
export const KOA_ADAPTER: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, ctx)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};

// Guards mounted without verify() before them answer with the defaults.
const DEFAULT_RESPONDER: Responder = resolveAdapterOptions<ErrorHandler>({}, KOA_ADAPTER);

type WithResponder = Context & { [RESPONDER]?: Responder };

export function setResponder(ctx: Context, responder: Responder): void {
  (ctx as WithResponder)[RESPONDER] = responder;
}

/** Answers a failed `verify()` or guard: the user's `onError`, else a throw with `passErrors`, else the RFC 6750 response. */
export async function handleError(error: unknown, ctx: Context): Promise<void> {
  if (!isTollgateError(error)) throw error;
  const responder = (ctx as WithResponder)[RESPONDER] ?? DEFAULT_RESPONDER;
  if (responder.onError !== undefined) {
    await responder.onError(error, ctx);
    return;
  }
  if (responder.passErrors) throw toHttpError(error, { realm: responder.realm });
  const response = errorResponse(error, { realm: responder.realm });
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}
