import { isTollgateError } from '@tollgate/core';
import {
  createResponder,
  resolveAdapterOptions,
  type AdapterDescription,
  type Responder,
} from '@tollgate/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorHandler, TollgateDecoration } from './types.js';

// Symbol.for, not Symbol(): a guard from a second copy of this package (ESM + CJS) still finds the gate.
export const GATE = Symbol.for('tollgate.fastify.gate');

/** How the plugin introduces itself to the core's option check. */
export const FASTIFY_ADAPTER: AdapterDescription = {
  where: '@tollgate/fastify',
  onErrorSignature: '(err, request, reply)',
  verifierOptionsGo: 'under `verifier`, as in app.register(tollgate, { verifier: { issuer, audience, algorithms } })',
  ownOptions: ['verifier'],
};

// Guards on an app without the plugin answer with the defaults.
const DEFAULT_RESPONDER: Responder = createResponder(resolveAdapterOptions({}, FASTIFY_ADAPTER));

/** `app.tollgate` as the plugin sets it: the verifier for users, the gate for the guards. */
export type Decoration = TollgateDecoration & { readonly [GATE]: Responder };

/** The callback of a Fastify hook: continue, or hand an error to Fastify's error handler. */
export type Done = (error?: Error) => void;

/**
 * Answers a refused request: the user's `onError`, else `done(err)` with `passErrors`, else the
 * core's response through `reply`. Never throws.
 */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply, done: Done): void {
  if (!isTollgateError(error)) {
    done(error as Error);
    return;
  }
  const responder = (request.server.tollgate as Decoration | undefined)?.[GATE] ?? DEFAULT_RESPONDER;
  const context = { auth: request.auth, route: request.routeOptions.config?.tollgate };
  const onError = responder.options.onError as ErrorHandler | undefined;
  if (onError !== undefined) {
    // An onError that did not answer leaves the error to Fastify, never lets the request through.
    const settled = () => {
      if (!reply.sent) done(responder.httpError(error, context));
    };
    let result: void | Promise<void>;
    try {
      result = onError(error, request, reply);
    } catch (thrown) {
      done(thrown as Error);
      return;
    }
    if (result instanceof Promise) result.then(settled, done);
    else settled();
    return;
  }
  if (responder.options.passErrors || reply.sent) {
    done(responder.httpError(error, context));
    return;
  }
  const response = responder.respond(error, context);
  void reply.code(response.status).headers(response.headers).send(response.body);
}
