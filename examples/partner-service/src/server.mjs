// @ts-check
// Starts the partner service: `pnpm start` with PARTNER_JWKS_URI (and optionally PARTNER_AUDIENCE) set.
import { createServer } from 'node:http';
import { createVerifier, isTollgateError } from '@tollgate/core';
import { createHandler } from './app.mjs';

const port = Number(process.env.PORT ?? 3004);
const host = process.env.HOST ?? '127.0.0.1';

let verifier;
try {
  // Everything the partner knows about the auth server: one URL. Without `issuer`, `iss` is not
  // checked; signatures from the published keys, `aud`, `exp` and `nbf` are.
  verifier = createVerifier({
    jwksUri: process.env.PARTNER_JWKS_URI,
    audience: process.env.PARTNER_AUDIENCE ?? 'api://default',
    algorithms: ['RS256', 'ES256'],
  });
} catch (error) {
  if (!isTollgateError(error)) throw error;
  console.error(`${error.message}\nSet PARTNER_JWKS_URI to the auth server's JWKS URL.`);
  process.exit(1);
}

await verifier.ready().catch((/** @type {Error} */ error) => console.warn(`keys not prefetched: ${error.message}`));

const server = createServer(createHandler(verifier)).listen(port, host, () => {
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`partner-service listening on http://${host}:${actual}`);
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    server.close(() => void verifier.close());
  });
}
