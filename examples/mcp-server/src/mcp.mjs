// @ts-check
// The MCP server itself, with no authentication in it: the two set-ups (app.mjs, sdk-auth.mjs)
// put different middleware in front of the same handler.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** The scope this server's tool needs; the metadata lists it, so clients ask for it. */
export const SCOPE = 'mcp:tools';

/** One tool, `whoami`, that answers with the caller's identity as the access token states it. */
function mcpServer() {
  const server = new McpServer({ name: 'tollgate-example', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { title: 'Who am I', description: "The caller's identity, as the access token says it." },
    (extra) => {
      // The transport hands the request's auth (the SDK's AuthInfo) to tools as extra.authInfo.
      const info = extra.authInfo;
      const claims = /** @type {Record<string, unknown> | undefined} */ (info?.extra?.claims);
      const caller = {
        sub: claims?.sub,
        clientId: info?.clientId,
        scopes: info?.scopes,
        resource: info?.resource?.href,
        issuer: info?.extra?.issuer,
      };
      return { content: [{ type: 'text', text: JSON.stringify(caller) }], structuredContent: caller };
    },
  );
  return server;
}

/**
 * @typedef {object} McpAppOptions
 * @property {string} resource This server's MCP endpoint URL, e.g. `https://mcp.example.com/mcp`: the
 *   RFC 8707 resource clients ask tokens for (it becomes their `aud`).
 * @property {string} issuer The authorization server (its `iss`; keys found through discovery).
 */

/** @typedef {import('node:http').IncomingMessage & { auth?: import('@modelcontextprotocol/sdk/server/auth/types.js').AuthInfo }} AuthenticatedRequest */

/**
 * Answers one MCP request on a fresh server and transport (stateless Streamable HTTP), both closed
 * with the response. `req.auth` must be the SDK's `AuthInfo`: the transport hands it to tools.
 *
 * @param {import('node:http').IncomingMessage & { body?: unknown }} req
 * @param {import('node:http').ServerResponse} res
 */
export async function handleMcp(req, res) {
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport();
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(/** @type {AuthenticatedRequest} */ (req), res, req.body);
}
