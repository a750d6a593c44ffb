#!/usr/bin/env node
// Measures how long a revocation takes to reach a mirror in another process: this process
// revokes N tokens one by one through RedisRevocations; a child process runs a
// RedisRevocationMirror and notes when each is refused. Both read the same wall clock.
// Uses the built package (pnpm --filter @tollgate/redis build) and starts its own redis-server
// on a free port with persistence off, unless --redis-url is given.
//
//   node packages/redis/scripts/measure-propagation.mjs [--count 300] [--redis-url redis://…]
import { fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setImmediate } from 'node:timers';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { RedisRevocationMirror, RedisRevocations } from '@tollgate/redis';

const now = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--mirror') {
  const [url, count] = [process.argv[3], Number(process.argv[4])];
  const client = await createClient({ url, disableOfflineQueue: true })
    .on('error', () => {})
    .connect();
  const mirror = new RedisRevocationMirror({ client });
  await mirror.ready();
  process.send({ ready: true });
  const seen = [];
  const spin = () => {
    while (seen.length < count && mirror.revoked({ jti: `measure-${seen.length}` }, Date.now()) !== undefined)
      seen.push(now());
    if (seen.length < count) setImmediate(spin);
    else {
      process.send({ seen });
      void mirror.close().then(() => client.destroy());
    }
  };
  spin();
} else {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '300' }, 'redis-url': { type: 'string' } },
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
  await client.del(['tollgate:{revocation}:rules', 'tollgate:{revocation}:expiry', 'tollgate:{revocation}:meta']);
  const child = fork(new URL(import.meta.url), ['--mirror', url, String(count)]);
  const inbox = [];
  const waiters = [];
  child.on('message', (m) => (waiters.length ? waiters.shift()(m) : inbox.push(m)));
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiters.push(r)));
  await next();
  const admin = new RedisRevocations({ client });
  const started = [];
  for (let i = 0; i < count; i++) {
    started.push(now());
    await admin.revoke({ jti: `measure-${i}`, exp: Math.floor(Date.now() / 1000) + 600 });
    await new Promise((r) => setTimeout(r, 2));
  }
  const { seen } = await next();
  const ms = seen.map((t, i) => t - started[i]).sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)].toFixed(2);
  console.log(
    `revocation propagation, writer → mirror in another process, loopback, n=${count}: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${ms.at(-1).toFixed(2)} ms`,
  );
  client.destroy();
  server?.kill();
}
