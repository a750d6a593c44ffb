import { isTollgateError } from '@tollgate/nestjs';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3003);
const host = process.env.HOST ?? '127.0.0.1';

try {
  // warmOnStart: fetch discovery and the JWKS in the background while the app boots.
  const app = await createApp({ warmOnStart: true }, { abortOnError: false });
  app.enableShutdownHooks(); // SIGINT/SIGTERM: finish requests, then close the verifier
  await app.listen(port, host);
  console.log(`nestjs-service listening on ${await app.getUrl()}`);
} catch (error) {
  if (!isTollgateError(error)) throw error;
  // Nest has logged the ConfigError, which names every missing or invalid TOLLGATE_* variable.
  console.error(`nestjs-service not started: ${error.code}`);
  process.exit(1);
}
