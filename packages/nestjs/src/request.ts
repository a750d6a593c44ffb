import type { IncomingMessage } from 'node:http';
import type { JwtClaims, TokenRequestParts, VerifiedToken } from '@tollgate/core';

/** A request the guard has seen: `auth` holds the verified token (undefined for an anonymous request when credentials are optional). */
export interface TollgateRequest<C extends JwtClaims = JwtClaims> {
  auth?: VerifiedToken<C> | undefined;
}

/** The Express request (an `IncomingMessage`) or the Fastify request (`raw` is the `IncomingMessage`). */
interface HttpRequestLike {
  raw?: IncomingMessage | undefined;
  originalUrl?: string | undefined;
  url?: string | undefined;
  headers?: IncomingMessage['headers'] | undefined;
  headersDistinct?: IncomingMessage['headersDistinct'] | undefined;
}

/**
 * The token-bearing parts of an Express or Fastify request. Every `Authorization`
 * occurrence is passed (`headersDistinct`), so the core refuses repeated headers.
 */
export function tokenRequestParts(request: unknown): TokenRequestParts {
  const req = (request ?? {}) as HttpRequestLike;
  const message: HttpRequestLike = req.raw ?? req;
  return {
    authorization: message.headersDistinct?.authorization ?? message.headers?.authorization ?? req.headers?.authorization,
    cookie: message.headers?.cookie ?? req.headers?.cookie,
    url: req.originalUrl ?? message.url ?? req.url,
  };
}
