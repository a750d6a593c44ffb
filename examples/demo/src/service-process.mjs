// @ts-check
// One demo service in its own process. The verifier is configured exactly as in production, from
// TOLLGATE_* variables, DPoP and Redis by the example's fleet module (DPOP_ORIGIN, DPOP_MODE,
// TOLLGATE_REDIS_URL); the only demo addition is its clock: the demo's simulated time, whose
// offset arrives in DEMO_CLOCK_OFFSET_MS and later by message when the demo moves the clock.
// The app is the one in examples/<kind>-service, handed this verifier.
import { createServer } from 'node:http';
import { createVerifier, optionsFromEnv } from '@tollgate/core';

/** @typedef {{ port: number, close: () => Promise<void> }} Running */
/** @typedef {import('@tollgate/example-express-service/fleet').Fleet} Fleet */

/**
 * Per kind: the example's own fleet module (DPOP_ORIGIN, DPOP_MODE, TOLLGATE_REDIS_URL), and how
 * to start the example's app with this verifier and the fleet's DPoP options.
 * @type {Record<string, { fleet: () => Promise<Fleet>, start: (verifier: import('@tollgate/core').Verifier, fleet: Fleet) => Promise<Running> }>}
 */
const SERVICES = {
  express: {
    fleet: async () => (await import('@tollgate/example-express-service/fleet')).fleetFromEnv(),
    async start(verifier, fleet) {
      const [{ createApp }, { verify }] = await Promise.all([
        import('@tollgate/example-express-service'),
        import('@tollgate/express'),
      ]);
      return serve(createApp(verify(verifier, { dpop: fleet.dpop })));
    },
  },
  koa: {
    fleet: async () => (await import('@tollgate/example-koa-service/fleet')).fleetFromEnv(),
    async start(verifier, fleet) {
      const [{ createApp }, { verify }] = await Promise.all([
        import('@tollgate/example-koa-service'),
        import('@tollgate/koa'),
      ]);
      const handle = createApp(verify(verifier, { dpop: fleet.dpop })).callback();
      // Koa's handler answers its own errors; node:http ignores what a listener returns.
      return serve((request, response) => void handle(request, response));
    },
  },
  nestjs: {
    fleet: async () => (await import('@tollgate/example-nestjs-service')).fleetFromEnv(),
    async start(verifier, fleet) {
      const { createApp } = await import('@tollgate/example-nestjs-service');
      // The app closes the fleet's Redis connections itself, on shutdown.
      const app = await createApp(
        { verifier, dpop: fleet.dpop },
        { logger: ['error', 'warn'], abortOnError: false },
        fleet,
      );
      await app.listen(0, '127.0.0.1');
      /** @type {unknown} Nest types its HTTP server `any`; with the Express platform it is a node:http Server. */
      const httpServer = app.getHttpServer();
      const server = /** @type {import('node:http').Server} */ (httpServer);
      return {
        port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
        close: () => app.close(),
      };
    },
  },
  partner: {
    // The partner shares nothing with the company: DPoP with its own in-memory replay store, no Redis.
    fleet: () => {
      const origin = process.env.DPOP_ORIGIN;
      const dpop = origin ? { mode: /** @type {const} */ ('allowed'), origin } : undefined;
      return Promise.resolve({ dpop, revocation: undefined, close: () => Promise.resolve() });
    },
    async start(verifier, fleet) {
      const { createHandler } = await import('@tollgate/example-partner-service');
      return serve(createHandler(verifier, { dpop: fleet.dpop }));
    },
  },
};

/**
 * Listens on 127.0.0.1 and a free port; `close()` lets requests in flight finish.
 * @param {import('node:http').RequestListener} listener
 * @returns {Promise<Running>}
 */
function serve(listener) {
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      /** @type {() => Promise<void>} */
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
  const service = SERVICES[kind];
  if (service === undefined) throw new Error(`unknown DEMO_SERVICE ${JSON.stringify(kind)}`);
  let offsetMs = Number(process.env.DEMO_CLOCK_OFFSET_MS ?? 0);
  const fleet = await service.fleet();
  // The revocation mirror keeps real time for its rules (Redis expires them by its own clock); the
  // verifier passes its simulated time only to compare against them.
  const revocation = fleet.revocation === undefined ? {} : { revocation: fleet.revocation };
  const verifier = createVerifier({
    ...optionsFromEnv(process.env),
    ...revocation,
    clock: () => Date.now() + offsetMs,
  });
  await verifier.ready(); // discovery and JWKS fetched before the first request arrives
  const running = await service.start(verifier, fleet);

  /** Answers one message from the demo; every failure goes back to it as `error`. */
  const answer = async (/** @type {{ id: number, type: string, offsetMs?: number }} */ message) => {
    try {
      if (message.type === 'clock') offsetMs = Number(message.offsetMs);
      if (message.type === 'stats')
        return send({ id: message.id, result: { stats: verifier.stats(), health: verifier.health() } });
      if (message.type === 'stop') {
        await running.close();
        await verifier.close();
        if (kind !== 'nestjs') await fleet.close(); // the Nest app closed its own on shutdown
        send({ id: message.id });
        process.disconnect();
        return;
      }
      send({ id: message.id });
    } catch (error) {
      send({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
  };
  process.on(
    'message',
    (/** @type {{ id: number, type: string, offsetMs?: number }} */ message) => void answer(message),
  );
  send({ type: 'ready', port: running.port });
}

// The demo is gone (finished or killed): nothing should outlive it.
process.on('disconnect', () => process.exit(0));

main().catch((error) => {
  const message = { type: 'failed', error: error instanceof Error ? error.message : String(error) };
  if (process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
});
