// @ts-check
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { mcpAuthInfo } from '@tollgate/core/mcp';
import { resourceMetadata, verify } from '@tollgate/express';
import { handleMcp, SCOPE } from './mcp.mjs';

export { SCOPE };

/**
 * The recommended set-up: tollgate's middleware in front of the SDK's transport. It publishes the
 * RFC 9728 metadata, answers 401 with `resource_metadata` (which MCP clients follow to the
 * authorization server), refuses tokens minted for another resource, and checks DPoP proofs
 * when the `dpop` option asks for them.
 *
 * @param {import('./mcp.mjs').McpAppOptions} options
 */
export function createMcpApp({ resource, issuer }) {
  const auth = verify(
    { resource, issuer, algorithms: ['RS256', 'ES256'] },
    { resourceMetadata: { scopesSupported: [SCOPE], resourceName: 'tollgate example MCP server' } },
  );
  const app = createMcpExpressApp(); // the SDK's Express app: JSON bodies, DNS-rebinding protection on loopback

  app.use(resourceMetadata(auth)); // GET /.well-known/oauth-protected-resource/mcp, no token needed

  app.post('/mcp', auth, (req, res, next) => {
    // The transport hands req.auth to tools as extra.authInfo: give it the SDK's AuthInfo shape.
    Object.assign(req, { auth: mcpAuthInfo(req, { resource }) });
    handleMcp(req, res).catch(next);
  });
  // Stateless: no event stream to resume, no session to delete.
  app.all(
    '/mcp',
    (_req, res) =>
      void res
        .status(405)
        .set('allow', 'POST')
        .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }),
  );

  return Object.assign(app, { verifier: auth.verifier });
}
