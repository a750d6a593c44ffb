// @ts-check
// The same server behind the SDK's own requireBearerAuth, with tollgate as its token verifier: for
// a codebase already built on the SDK's auth middleware. Only @tollgate/core here: the SDK's
// middleware types req.auth as its AuthInfo, @tollgate/express types it as tollgate's RequestAuth,
// and one TypeScript program cannot hold both (hence this directory's own tsconfig.json).
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { buildResourceMetadata, createVerifier, resourceMetadataUrl } from '@tollgate/core';
import { mcpTokenVerifier } from '@tollgate/core/mcp';
import { handleMcp, SCOPE } from '../mcp.mjs';

/**
 * What tollgate's middleware does on its own, assembled by hand: the SDK middleware knows no DPoP
 * and no step-up, and serves no metadata, so it is built with tollgate's helpers.
 *
 * @param {import('../mcp.mjs').McpAppOptions} options
 */
export function createMcpAppWithSdkAuth({ resource, issuer }) {
  const verifier = createVerifier({ resource, issuer, algorithms: ['RS256', 'ES256'] });
  const metadataUrl = resourceMetadataUrl(resource);
  const metadata = buildResourceMetadata({
    resource,
    authorizationServers: [issuer],
    scopesSupported: [SCOPE],
    bearerMethodsSupported: ['header'],
  });
  const app = createMcpExpressApp();

  app.use(
    metadataUrl.pathname,
    metadataHandler(
      /** @type {import('@modelcontextprotocol/sdk/shared/auth.js').OAuthProtectedResourceMetadata} */ (metadata),
    ),
  );
  const bearer = requireBearerAuth({
    verifier: mcpTokenVerifier(verifier, { InvalidTokenError }),
    resourceMetadataUrl: metadataUrl.href,
    expectedResource: new URL(resource),
  });
  app.post('/mcp', bearer, (req, res, next) => void handleMcp(req, res).catch(next));

  return Object.assign(app, { verifier });
}
