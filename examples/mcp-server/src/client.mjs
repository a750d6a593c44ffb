// @ts-check
// An MCP client as an agent runs it: the SDK's Client over Streamable HTTP, authenticating with the
// OAuth client credentials grant, and learning everything else from the server (MCP authorization,
// RFC 9728): the 401 names the resource metadata, the metadata names the authorization server,
// whose RFC 8414 metadata names the token endpoint; the token is asked for this resource (RFC 8707).
// `pnpm client` with MCP_URL, TOLLGATE_ISSUER, CLIENT_ID and CLIENT_SECRET (defaults in the README).
import { pathToFileURL } from 'node:url';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  fetchToken,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'tollgate-example-agent', version: '1.0.0' },
  },
};

/**
 * RFC 8414 §3: the metadata of an authorization server, at the well-known path inserted before the
 * issuer's path; its `issuer` must be the one asked for (§3.3).
 *
 * The SDK's `auth()` would fetch this itself, but SDK 1.32 accepts only metadata with an
 * `authorization_endpoint`, which RFC 8414 §2 lets a server without browser flows leave out, as
 * tollgate-issuer does. So this step is done here, and everything around it by the SDK.
 *
 * @param {string} issuer
 * @param {typeof fetch} fetchFn
 */
async function authorizationServerMetadata(issuer, fetchFn) {
  const url = new URL(issuer);
  const response = await fetchFn(
    new URL(`/.well-known/oauth-authorization-server${url.pathname === '/' ? '' : url.pathname}`, url.origin),
  );
  if (!response.ok) throw new Error(`The metadata of ${issuer} could not be read: HTTP ${response.status}.`);
  const metadata = /** @type {import('@modelcontextprotocol/sdk/shared/auth.js').OAuthMetadata} */ (
    await response.json()
  );
  if (metadata.issuer !== issuer)
    throw new Error(`${issuer} describes itself as ${metadata.issuer}; refusing it (RFC 8414 §3.3).`);
  return metadata;
}

/**
 * Connects to the MCP server at `url` and calls `whoami`.
 *
 * @param {{ url: string; issuer: string; clientId: string; clientSecret: string; fetch?: typeof fetch }} options
 *   `issuer`: the authorization server these credentials belong to; they are sent to no other one
 *   the server might name. `fetch`: the HTTP function used throughout (tests watch it).
 * @returns {Promise<Record<string, unknown>>} the tool's structured result
 */
export async function callWhoami({ url, issuer, clientId, clientSecret, fetch: fetchFn = fetch }) {
  // 1. Without a token, the server answers 401 and names its metadata (RFC 9728 §5.1).
  const probe = await fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(INITIALIZE),
  });
  await probe.body?.cancel();
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(probe);
  if (probe.status !== 401 || resourceMetadataUrl === undefined)
    throw new Error(`${url} answered ${probe.status} without resource_metadata; it does not say where to get a token.`);

  // 2. The resource metadata: which resource this is, which authorization server to ask.
  const resourceMetadata = await discoverOAuthProtectedResourceMetadata(url, { resourceMetadataUrl }, fetchFn);
  const authorizationServer = resourceMetadata.authorization_servers?.[0];
  if (authorizationServer !== issuer)
    throw new Error(
      `${url} names the authorization server ${authorizationServer}; these credentials belong to ${issuer}.`,
    );

  // 3. The authorization server's metadata, then a token for this resource (client credentials).
  const metadata = await authorizationServerMetadata(authorizationServer, fetchFn);
  const scope = resourceMetadata.scopes_supported?.join(' ');
  const provider = new ClientCredentialsProvider({
    clientId,
    clientSecret,
    expectedIssuer: issuer,
    ...(scope === undefined ? {} : { scope }),
  });
  provider.saveTokens(
    await fetchToken(provider, authorizationServer, {
      metadata,
      resource: new URL(resourceMetadata.resource),
      fetchFn,
    }),
  );

  // 4. The MCP session, with the token the provider now holds.
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: fetchFn });
  const client = new Client({ name: 'tollgate-example-agent', version: '1.0.0' });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    return /** @type {Record<string, unknown>} */ (result.structuredContent);
  } finally {
    await client.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const caller = await callWhoami({
    url: process.env.MCP_URL ?? 'http://127.0.0.1:3010/mcp',
    issuer: process.env.TOLLGATE_ISSUER ?? 'http://127.0.0.1:4010/tenants/mcp',
    clientId: process.env.CLIENT_ID ?? 'mcp-agent',
    clientSecret: process.env.CLIENT_SECRET ?? 'mcp-agent-secret',
  });
  console.log(JSON.stringify(caller, null, 2));
}
