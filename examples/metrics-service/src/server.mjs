// @ts-check
// Starts the metrics example: `pnpm start` with TOLLGATE_ISSUER and TOLLGATE_AUDIENCE set, then `curl /metrics`.
import { isTollgateError, verify } from '@tollgate/express';
import { createApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3005);
const host = process.env.HOST ?? '127.0.0.1';

let auth;
try {
  auth = verify(); // reads TOLLGATE_*; a missing or invalid variable stops the start here, naming it
} catch (error) {
  if (!isTollgateError(error)) throw error;
  console.error(error.message);
  process.exit(1);
}

const app = createApp(auth);

// Fetch discovery and the JWKS before taking traffic, so the first request does not wait. An
// unreachable issuer is not fatal: the keys are fetched on demand and /health reports it.
await auth.verifier
  .ready()
  .catch((/** @type {Error} */ error) => console.warn(`keys not prefetched: ${error.message}`));

const server = app.listen(port, host, () => {
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`metrics-service listening on http://${host}:${actual}`);
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    // Finish requests in flight, then release the verifier's HTTP agent.
    server.close(() => void auth.verifier.close());
  });
}
