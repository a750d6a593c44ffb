import { isTollgateError } from '@tollgate/core';
import {
  createResponder,
  resolveAdapterOptions,
  type AdapterDescription,
  type Responder,
} from '@tollgate/core/adapter';
import type { Context } from 'koa';
import type { ErrorHandler, TollgateState } from './types.js';

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds it.
const GATE = Symbol.for('tollgate.koa.gate');
/** How `verify()` introduces itself to the core's option check. */
export const KOA_ADAPTER: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, ctx)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};

// Guards mounted without verify() before them answer with the defaults.
const DEFAULT_RESPONDER: Responder = createResponder(resolveAdapterOptions({}, KOA_ADAPTER));

type WithGate = Context & { [GATE]?: Responder };

/** Leaves the gate of `verify()` on the context, so the guards after it answer the same way. */
export function setGate(ctx: Context, gate: Responder): void {
  (ctx as WithGate)[GATE] = gate;
}

/** Answers a failed `verify()` or guard: the user's `onError`, else a throw with `passErrors`, else the core's response. */
export async function handleError(error: unknown, ctx: Context): Promise<void> {
  if (!isTollgateError(error)) throw error;
  const responder = (ctx as WithGate)[GATE] ?? DEFAULT_RESPONDER;
  const onError = responder.options.onError as ErrorHandler | undefined;
  if (onError !== undefined) {
    await onError(error, ctx);
    return;
  }
  const auth = (ctx.state as TollgateState).auth;
  if (responder.options.passErrors) throw responder.httpError(error, { auth });
  const response = responder.respond(error, { auth });
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}
