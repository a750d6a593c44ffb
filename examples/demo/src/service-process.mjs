// @ts-check
// One demo service in its own process. The verifier is configured exactly as in production, from
// TOLLGATE_* variables; the only demo addition is its clock: the demo's simulated time, whose
// offset arrives in DEMO_CLOCK_OFFSET_MS and later by message when the demo moves the clock.
// The app is the one in examples/<kind>-service, handed this verifier.
import { createServer } from 'node:http';
import { createVerifier, optionsFromEnv } from '@tollgate/core';

/** @typedef {{ port: number, close: () => Promise<void> }} Running */

/** @type {Record<string, (verifier: import('@tollgate/core').Verifier) => Promise<Running>>} */
const SERVICES = {
  async express(verifier) {
    const [{ createApp }, { verify }] = await Promise.all([
      import('@tollgate/example-express-service'),
      import('@tollgate/express'),
    ]);
    return serve(createApp(verify(verifier)));
  },
  async koa(verifier) {
    const [{ createApp }, { verify }] = await Promise.all([
      import('@tollgate/example-koa-service'),
      import('@tollgate/koa'),
    ]);
    return serve(createApp(verify(verifier)).callback());
  },
  async nestjs(verifier) {
    const { createApp } = await import('@tollgate/example-nestjs-service');
    const app = await createApp({ verifier }, { logger: ['error', 'warn'], abortOnError: false });
    await app.listen(0, '127.0.0.1');
    return {
      port: /** @type {import('node:net').AddressInfo} */ (app.getHttpServer().address()).port,
      close: () => app.close(),
    };
  },
  async partner(verifier) {
    const { createHandler } = await import('@tollgate/example-partner-service');
    return serve(createHandler(verifier));
  },
};

/** Listens on 127.0.0.1 and a free port; `close()` lets requests in flight finish. */
function serve(/** @type {import('node:http').RequestListener} */ listener) {
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      const close = () =>
        new Promise((done) => {
          server.close(() => done(undefined));
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
      resolve({ port, close });
    });
  });
}

const send = (/** @type {object} */ message) => process.send?.(message);

async function main() {
  const kind = process.env.DEMO_SERVICE ?? '';
  const start = SERVICES[kind];
  if (start === undefined) throw new Error(`unknown DEMO_SERVICE ${JSON.stringify(kind)}`);
  let offsetMs = Number(process.env.DEMO_CLOCK_OFFSET_MS ?? 0);
  const verifier = createVerifier({ ...optionsFromEnv(process.env), clock: () => Date.now() + offsetMs });
  await verifier.ready(); // discovery and JWKS fetched before the first request arrives
  const running = await start(verifier);

  process.on('message', async (/** @type {{ id: number, type: string, offsetMs?: number }} */ message) => {
    try {
      if (message.type === 'clock') offsetMs = Number(message.offsetMs);
      if (message.type === 'stats')
        return send({ id: message.id, result: { stats: verifier.stats(), health: verifier.health() } });
      if (message.type === 'stop') {
        await running.close();
        await verifier.close();
        send({ id: message.id });
        process.disconnect();
        return;
      }
      send({ id: message.id });
    } catch (error) {
      send({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ type: 'ready', port: running.port });
}

// The demo is gone (finished or killed): nothing should outlive it.
process.on('disconnect', () => process.exit(0));

main().catch((error) => {
  const message = { type: 'failed', error: error instanceof Error ? error.message : String(error) };
  if (process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
});
