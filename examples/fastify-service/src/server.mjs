// @ts-check
// Starts the orders service: `pnpm start` with TOLLGATE_ISSUER and TOLLGATE_AUDIENCE set (and,
// for a fleet, DPOP_ORIGIN / DPOP_MODE / TOLLGATE_REDIS_URL: see fleet.mjs).
import { optionsFromEnv } from '@tollgate/core';
import { isTollgateError } from '@tollgate/fastify';
import { createApp } from './app.mjs';
import { fleetFromEnv } from './fleet.mjs';

const port = Number(process.env.PORT ?? 3006);
const host = process.env.HOST ?? '127.0.0.1';

const fleet = await fleetFromEnv();
let app;
try {
  // Reads TOLLGATE_*; a missing or invalid variable stops the start here, naming it.
  const verifier = fleet.revocation ? { ...optionsFromEnv(), revocation: fleet.revocation } : undefined;
  app = await createApp({ verifier, dpop: fleet.dpop });
} catch (error) {
  if (!isTollgateError(error)) throw error;
  console.error(error.message);
  await fleet.close();
  process.exit(1);
}
app.addHook('onClose', () => fleet.close()); // after the server stopped taking requests

// Fetch discovery and the JWKS before taking traffic, so the first request does not wait. An
// unreachable issuer is not fatal: the keys are fetched on demand and /health reports it.
await app.tollgate.verifier
  .ready()
  .catch((/** @type {Error} */ error) => console.warn(`keys not prefetched: ${error.message}`));

const address = await app.listen({ port, host });
console.log(`fastify-service listening on ${address}`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  // Finishes requests in flight, then closes the verifier the plugin built and the Redis connections.
  process.once(signal, () => void app.close());
}
