import { ConfigError } from '@tollgate/core';
import type { Context, Middleware, Next } from 'koa';
import type { VerifyMiddleware } from './verify.js';

/**
 * Serves the RFC 9728 protected resource metadata of a `verify()` middleware at its well-known
 * path (`/.well-known/oauth-protected-resource` followed by the resource's path): JSON,
 * `Cache-Control: public, max-age=…`, `Access-Control-Allow-Origin: *`, GET and HEAD, and the CORS
 * preflight. Every other request passes on untouched. Mount it on the app itself (the path starts
 * at the host's root), before a `verify()` mounted for every route, since clients read it without
 * a token. Throws a `ConfigError` at start-up when the middleware has no metadata: its verifier
 * has no `resource`, or `resourceMetadata` is `false`.
 *
 * @example
 * const auth = verify({ resource: 'https://api.example.com/mcp', issuer: 'https://auth.example.com', algorithms: ['RS256'] });
 * app.use(resourceMetadata(auth)); // GET /.well-known/oauth-protected-resource/mcp
 * app.use(auth);
 */
export function resourceMetadata(middleware: VerifyMiddleware): Middleware {
  const metadata = middleware.metadata;
  if (metadata === undefined) {
    throw new ConfigError(
      'resourceMetadata() needs a verify() middleware whose verifier has a resource (TOLLGATE_RESOURCE) and whose resourceMetadata option is not false.',
      ['resource'],
    );
  }
  return function tollgateResourceMetadata(ctx: Context, next: Next): Promise<void> | void {
    const answer = metadata.answer(ctx.method, ctx.originalUrl);
    if (answer === undefined) return next();
    ctx.status = answer.status;
    ctx.set(answer.headers);
    // Koa leaves out the body of a HEAD answer itself, and would turn an absent JSON body into "null".
    if (answer.status === 200) ctx.body = metadata.body;
  };
}
