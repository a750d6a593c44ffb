import { optionsFromEnv } from '@tollgate/core';
import { isTollgateError } from '@tollgate/nestjs';
import { createApp, fleetFromEnv } from './app.js';

const port = Number(process.env.PORT ?? 3003);
const host = process.env.HOST ?? '127.0.0.1';

// DPOP_ORIGIN / DPOP_MODE / TOLLGATE_REDIS_URL, when set: see fleet.ts.
const fleet = await fleetFromEnv();
try {
  // With a revocation list the verifier options are spelt out; without, the module reads TOLLGATE_* itself.
  const verifier = fleet.revocation ? { ...optionsFromEnv(), revocation: fleet.revocation } : undefined;
  // warmOnStart: fetch discovery and the JWKS in the background while the app boots.
  const app = await createApp({ warmOnStart: true, verifier, dpop: fleet.dpop }, { abortOnError: false }, fleet);
  app.enableShutdownHooks(); // SIGINT/SIGTERM: finish requests, then close the verifier and Redis
  await app.listen(port, host);
  console.log(`nestjs-service listening on ${await app.getUrl()}`);
} catch (error) {
  if (!isTollgateError(error)) throw error;
  // Nest has logged a ConfigError of the module, which names every missing or invalid TOLLGATE_*
  // variable; one from optionsFromEnv() above it has not.
  console.error(fleet.revocation ? error.message : `nestjs-service not started: ${error.code}`);
  await fleet.close();
  process.exit(1);
}
