// @ts-check
// Starts the orders service: `pnpm start` with TOLLGATE_ISSUER and TOLLGATE_AUDIENCE set.
import { isTollgateError } from '@tollgate/fastify';
import { createApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3006);
const host = process.env.HOST ?? '127.0.0.1';

let app;
try {
  app = await createApp(); // reads TOLLGATE_*; a missing or invalid variable stops the start here, naming it
} catch (error) {
  if (!isTollgateError(error)) throw error;
  console.error(error.message);
  process.exit(1);
}

// Fetch discovery and the JWKS before taking traffic, so the first request does not wait. An
// unreachable issuer is not fatal: the keys are fetched on demand and /health reports it.
await app.tollgate.verifier
  .ready()
  .catch((/** @type {Error} */ error) => console.warn(`keys not prefetched: ${error.message}`));

const address = await app.listen({ port, host });
console.log(`fastify-service listening on ${address}`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  // Finishes requests in flight, then closes the verifier the plugin built (its onClose hook).
  process.once(signal, () => void app.close());
}
