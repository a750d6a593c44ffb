import type { JwtClaims, RequestAuth } from '@tollgate/core';
import { nodeRequestFacts, type NodeRequestLike, type RequestFacts } from '@tollgate/core/adapter';

/** A request the guard has seen: `auth` holds the verified token and its binding (undefined for an anonymous request when credentials are optional). */
export interface TollgateRequest<C extends JwtClaims = JwtClaims> {
  auth?: RequestAuth<C> | undefined;
}

/** The Express request (an `IncomingMessage`) or the Fastify request (`raw` is the `IncomingMessage`). */
interface HttpRequestLike {
  raw?: NodeRequestLike | undefined;
  originalUrl?: string | undefined;
  url?: string | undefined;
}

/** What the core reads of an Express or Fastify request. */
export function requestFacts(request: unknown): RequestFacts {
  const req = request as HttpRequestLike;
  return nodeRequestFacts(req.raw ?? req, req.originalUrl ?? req.url);
}
