#!/usr/bin/env node
// Measures the DPoP replay check's round trip on loopback: `RedisReplayStore#useOnce()` (one
// SET NX PX) one at a time, then 32 at once (as under load), and how often a replayed id is
// refused. Uses the built package (pnpm build) and starts its own redis-server on a free port with
// persistence off, unless --redis-url is given.
//
//   node packages/redis/scripts/measure-replay.mjs [--count 5000] [--redis-url redis://…]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { RedisReplayStore } from '@tollgate/redis';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '5000' }, 'redis-url': { type: 'string' } },
});
const count = Number(values.count);
let server;
let url = values['redis-url'];
if (url === undefined) {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  server = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await createClient({ url, socket: { reconnectStrategy: false } })
      .on('error', () => {})
      .connect()
      .then(
        (c) => (c.destroy(), true),
        () => false,
      );
    if (ok) break;
    if (i > 200) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
}
const client = await createClient({ url, disableOfflineQueue: true })
  .on('error', () => {})
  .connect();
const store = new RedisReplayStore({ client });
const run = `${process.pid}-${Date.now()}`;
const summary = (ms) => {
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)].toFixed(3);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${ms.at(-1).toFixed(3)} ms`;
};

// Warm-up: connection, script-free SET path, JIT.
for (let i = 0; i < 500; i++) await store.useOnce(`warm-${run}-${i}`, 60_000);

const sequential = [];
for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  await store.useOnce(`seq-${run}-${i}`, 60_000);
  sequential.push(performance.now() - t0);
}
console.log(`replay check, one at a time, loopback, n=${count}: ${summary(sequential)}`);

const concurrent = [];
for (let i = 0; i < count; i += 32) {
  await Promise.all(
    Array.from({ length: Math.min(32, count - i) }, async (_, k) => {
      const t0 = performance.now();
      await store.useOnce(`con-${run}-${i + k}`, 60_000);
      concurrent.push(performance.now() - t0);
    }),
  );
}
console.log(`replay check, 32 in flight, loopback, n=${count}: ${summary(concurrent)}`);

let refused = 0;
for (let i = 0; i < 1000; i++) if (!(await store.useOnce(`seq-${run}-${i}`, 60_000))) refused++;
console.log(`replayed ids refused: ${refused}/1000`);
client.destroy();
server?.kill();
