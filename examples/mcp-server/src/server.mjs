// @ts-check
// Starts the MCP server: `pnpm start` with TOLLGATE_ISSUER set, and TOLLGATE_RESOURCE set to the
// URL clients reach the MCP endpoint at (default: http://127.0.0.1:<port>/mcp, for development).
import { createServer } from 'node:http';
import { isTollgateError } from '@tollgate/express';
import { createMcpApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3010);
const host = '127.0.0.1'; // the SDK's Express app protects loopback servers from DNS rebinding
const issuer = process.env.TOLLGATE_ISSUER;
if (issuer === undefined || issuer === '') {
  console.error('TOLLGATE_ISSUER must be set to the authorization server, e.g. http://127.0.0.1:4010/tenants/mcp.');
  process.exit(1);
}

// Listen first: with PORT=0 the resource URL is known only once the port is.
const server = createServer();
server.listen(port, host, () => {
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const resource = process.env.TOLLGATE_RESOURCE ?? `http://${host}:${actual}/mcp`;
  let app;
  try {
    app = createMcpApp({ resource, issuer });
  } catch (error) {
    if (!isTollgateError(error)) throw error;
    console.error(error.message); // a bad resource or issuer stops the start, naming it
    process.exit(1);
  }
  server.on('request', app);
  console.log(`mcp-server for ${resource} listening on http://${host}:${actual}`);

  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(signal, () => server.close(() => void app.verifier.close()));
  }
});
