#!/usr/bin/env node
// Multi-core: the Express example (examples/express-service) under node:cluster with 1 and then 2
// workers, against a real @tollgate/issuer (discovery + JWKS), driven by autocannon from this
// process (the server is another process tree). Reports req/s, the server's CPU per request (all
// workers, measured by the workers themselves) and the JWKS requests each worker made.
//   node test/bench/cluster.mjs [--workers=1,2] [--sec=10] [--connections=50] [--tokens=2000]
// Figures are reported, never asserted. On a machine whose cores the load generator shares, the
// 2-worker figure is bounded by what autocannon leaves free: quote it from a quiet machine.
import cluster from 'node:cluster';
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v = 'true'] = a.slice(2).split('=');
      return [k, v];
    }),
);

if (process.env.BENCH_CLUSTER_WORKERS) await serve(Number(process.env.BENCH_CLUSTER_WORKERS));
else await orchestrate();

/** The server side: a primary forking `workers` workers, each running the example app on one shared port. */
async function serve(workers) {
  if (cluster.isPrimary) {
    const ready = [];
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on('message', (worker, message) => {
      if (message.type === 'ready') {
        ready.push(message);
        if (ready.length === workers) process.send({ type: 'ready', port: message.port });
      } else if (message.type === 'stats') replies.get(worker.id)?.(message);
    });
    const replies = new Map();
    process.on('message', async (message) => {
      if (message.type === 'stats') {
        const all = await Promise.all(
          Object.values(cluster.workers).map(
            (worker) =>
              new Promise((resolve) => {
                replies.set(worker.id, resolve);
                worker.send({ type: 'stats' });
              }),
          ),
        );
        process.send({ type: 'stats', workers: all });
      } else if (message.type === 'exit') {
        for (const worker of Object.values(cluster.workers)) worker.kill();
        process.exit(0);
      }
    });
    return;
  }
  // A worker: the example as its server.mjs starts it (verify() from TOLLGATE_*, keys prefetched).
  const { verify } = await import('@tollgate/express');
  const { createApp } = await import('../../examples/express-service/src/app.mjs');
  const auth = verify();
  const app = createApp(auth);
  await auth.verifier.ready();
  const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
    process.send({ type: 'ready', port: server.address().port });
  });
  server.keepAliveTimeout = 60_000;
  process.on('message', (message) => {
    if (message.type !== 'stats') return;
    const { jwks, accepted } = auth.verifier.stats();
    const cpu = process.cpuUsage();
    process.send({
      type: 'stats',
      pid: process.pid,
      cpuUs: cpu.user + cpu.system,
      accepted,
      jwksFetches: jwks.fetches,
    });
  });
}

async function orchestrate() {
  const { createIssuer } = await import('@tollgate/issuer');
  const autocannon = (await import('autocannon')).default;
  const workerCounts = (args.workers ?? '1,2').split(',').map(Number);
  const seconds = Number(args.sec ?? 10);
  const connections = Number(args.connections ?? 50);
  const issuer = await createIssuer({ algorithm: 'RS256' });
  const audience = issuer.tenant().audience;
  const tokens = [];
  for (let i = 0; i < Number(args.tokens ?? 2000); i++)
    tokens.push(await issuer.sign({ sub: `user-${i}`, scope: 'orders:read' }, { expiresInSec: 8 * 3600 }));
  console.log(
    `cluster bench: ${availableParallelism()} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${seconds} s per run, ${connections} connections, ${tokens.length} distinct RS256 tokens`,
  );
  const rows = [];
  for (const workers of workerCounts) {
    const jwksBefore = issuer.stats().byEndpoint.jwks;
    const server = fork(fileURLToPath(import.meta.url), [], {
      env: {
        ...process.env,
        BENCH_CLUSTER_WORKERS: String(workers),
        TOLLGATE_ISSUER: issuer.issuerUrl,
        TOLLGATE_AUDIENCE: Array.isArray(audience) ? audience.join(',') : String(audience),
        // Port 0 under cluster: the primary binds one port and shares it with every worker.
        PORT: '0',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ask = (type) =>
      new Promise((resolve) => {
        const on = (message) => {
          if (message.type === type) {
            server.off('message', on);
            resolve(message);
          }
        };
        server.on('message', on);
        if (type !== 'ready') server.send({ type });
      });
    const { port: actual } = await ask('ready');
    const jwksFetched = issuer.stats().byEndpoint.jwks - jwksBefore;
    let i = 0;
    const run = (duration) =>
      autocannon({
        url: `http://127.0.0.1:${actual}`,
        connections,
        duration,
        requests: [
          {
            method: 'GET',
            path: '/orders',
            setupRequest: (req) => ({
              ...req,
              headers: { authorization: `Bearer ${tokens[i++ % tokens.length]}` },
            }),
          },
        ],
      });
    await run(1); // warm-up: JIT, connections
    const before = await ask('stats');
    const result = await run(seconds);
    const after = await ask('stats');
    const cpuUs = after.workers.reduce((sum, w) => sum + w.cpuUs, 0) - before.workers.reduce((s, w) => s + w.cpuUs, 0);
    const served =
      after.workers.reduce((s, w) => s + w.accepted, 0) - before.workers.reduce((s, w) => s + w.accepted, 0);
    rows.push({
      workers,
      reqPerSec: Math.round(result.requests.average),
      non2xx: result.non2xx,
      p99ms: result.latency.p99,
      cpuUsPerReq: served > 0 ? cpuUs / served : NaN,
      serverCores: cpuUs / 1e6 / seconds,
      jwksRequests: jwksFetched,
      jwksFetchesPerWorker: after.workers.map((w) => w.jwksFetches),
    });
    server.send({ type: 'exit' });
    await new Promise((resolve) => server.once('exit', resolve));
  }
  await issuer.close();
  console.log(
    '\n| workers | req/s | × 1 worker | p99 ms | server CPU µs/req | server cores busy | JWKS requests (per worker) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---|');
  const base = rows[0]?.reqPerSec ?? NaN;
  for (const r of rows)
    console.log(
      `| ${r.workers} | ${r.reqPerSec.toLocaleString('en-US')} | ${(r.reqPerSec / base).toFixed(2)}× | ${r.p99ms} | ${r.cpuUsPerReq.toFixed(0)} | ${r.serverCores.toFixed(2)} | ${r.jwksRequests} (${r.jwksFetchesPerWorker.join(', ')}) |${r.non2xx ? ` ${r.non2xx} non-2xx` : ''}`,
    );
  console.log(
    '\nloadavg at end:',
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  );
}
