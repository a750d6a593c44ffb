// One HTTP server (framework + middleware) in its own process, on 127.0.0.1 and a free port.
import { createServer } from 'node:http';
import { AUDIENCE, ISSUER, loadMaterial } from '../lib/fixtures.mjs';

const { framework, mode, jwksUri, alg } = JSON.parse(process.argv[2]);

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

async function main() {
  const material = loadMaterial();
  const ctx = {
    alg,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri,
    key: material.keys[alg],
    hsSecret: material.hsSecret,
  };
  const { build } = await import(`../http/${framework}.mjs`);
  const built = await build(mode, ctx);
  let port;
  let close;
  if (built.app) {
    await built.app.listen(0, '127.0.0.1');
    port = built.app.getHttpServer().address().port;
    close = () => built.app.close();
  } else {
    const server = createServer(built.handler);
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
    close = () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
  }
  await send({ type: 'ready', port });
  process.on('message', async (message) => {
    if (message.type === 'stats') {
      await send({
        type: 'stats',
        stats: built.verifier?.stats() ?? null,
        cpu: process.cpuUsage(),
        memory: process.memoryUsage().rss,
      });
    } else if (message.type === 'exit') {
      await close();
      await built.verifier?.close?.();
      process.exit(0);
    }
  });
}

main().catch(async (error) => {
  await send({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
