// @ts-check
// Starts the orders service: `pnpm start` with TOLLGATE_ISSUER and TOLLGATE_AUDIENCE set (and,
// for a fleet, DPOP_ORIGIN / DPOP_MODE / TOLLGATE_REDIS_URL: see fleet.mjs).
import { optionsFromEnv } from '@tollgate/core';
import { isTollgateError, verify } from '@tollgate/koa';
import { createApp } from './app.mjs';
import { fleetFromEnv } from './fleet.mjs';

const port = Number(process.env.PORT ?? 3002);
const host = process.env.HOST ?? '127.0.0.1';

const fleet = await fleetFromEnv();
let auth;
try {
  // Reads TOLLGATE_*; a missing or invalid variable stops the start here, naming it.
  const source = fleet.revocation ? { ...optionsFromEnv(), revocation: fleet.revocation } : undefined;
  auth = verify(source, { dpop: fleet.dpop });
} catch (error) {
  if (!isTollgateError(error)) throw error;
  console.error(error.message);
  await fleet.close();
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
  console.log(`koa-service listening on http://${host}:${actual}`);
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    // Finish requests in flight, then release the verifier's HTTP agent and the Redis connections.
    server.close(() => void auth.verifier.close().then(fleet.close));
  });
}
