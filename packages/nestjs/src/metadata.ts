import type { ResourceMetadataEndpoint } from '@tollgate/core/adapter';

/** The Node request and response a Nest middleware receives on platform-express (Express's) and platform-fastify (the raw ones). */
interface NodeRequest {
  readonly method?: string | undefined;
  readonly originalUrl?: string | undefined;
  readonly url?: string | undefined;
}
interface NodeResponse {
  writeHead(status: number, headers: Readonly<Record<string, string>>): { end(body?: string): unknown };
}

/**
 * The middleware `TollgateModule` mounts on the metadata's well-known path: answers GET, HEAD and
 * the CORS preflight with the core's answer, and passes other methods on.
 */
export function metadataMiddleware(
  metadata: ResourceMetadataEndpoint,
): (req: NodeRequest, res: NodeResponse, next: () => void) => void {
  return function tollgateResourceMetadata(req, res, next) {
    // originalUrl: fastify's middleware layer cuts the matched path off req.url (Express keeps both).
    const answer = metadata.answer(req.method ?? 'GET', req.originalUrl ?? req.url ?? '');
    if (answer === undefined) return next();
    res.writeHead(answer.status, answer.headers).end(answer.body);
  };
}
