import type { JwtClaims, VerifiedToken } from '@tollgate/core';
import { requestParts, type IncomingMessageLike, type TokenRequestParts } from '@tollgate/core/adapter';

/** A request the guard has seen: `auth` holds the verified token (undefined for an anonymous request when credentials are optional). */
export interface TollgateRequest<C extends JwtClaims = JwtClaims> {
  auth?: VerifiedToken<C> | undefined;
}

/** The Express request (an `IncomingMessage`) or the Fastify request (`raw` is the `IncomingMessage`). */
interface HttpRequestLike extends IncomingMessageLike {
  raw?: IncomingMessageLike | undefined;
  originalUrl?: string | undefined;
  url?: string | undefined;
}

/** The token-bearing parts of an Express or Fastify request. */
export function tokenRequestParts(request: unknown): TokenRequestParts {
  const req = request as HttpRequestLike;
  const message = req.raw ?? req;
  return requestParts(message, req.originalUrl ?? req.url);
}
