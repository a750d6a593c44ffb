// @ts-check
// The real redis-server that scene 8's services share: found (DEMO_REDIS_SERVER, else PATH),
// started on 127.0.0.1 on a free port with persistence off, stopped at the end.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const START_TIMEOUT_MS = 10_000;

/** @type {Set<import('node:child_process').ChildProcess>} */
const alive = new Set();

/** Kills a redis-server still running (on exit, timeout, or failure). */
export function killRedis() {
  for (const child of alive) child.kill('SIGKILL');
}

/**
 * Where redis-server is: `{ path }`, or `{ skip }` with the reason to print, or `{ fail }` under
 * CI (`CI=true`), where a missing server must not turn into a skipped scene.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ path: string } | { skip: string } | { fail: string }}
 */
export function findRedisServer(env = process.env) {
  const given = env.DEMO_REDIS_SERVER?.trim();
  if (given === 'none') return { skip: 'DEMO_REDIS_SERVER=none' };
  if (given) return { path: given };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'redis-server'), constants.X_OK);
      return { path: join(dir, 'redis-server') };
    } catch {
      // not in this directory
    }
  }
  const missing =
    'redis-server is not on PATH (install it with `apt-get install redis-server`, or set DEMO_REDIS_SERVER to its path)';
  return env.CI === 'true' || env.CI === '1' ? { fail: `${missing}; CI=true needs scene 8` } : { skip: missing };
}

/**
 * A free TCP port on 127.0.0.1 (redis-server's `--port 0` would turn TCP off instead).
 * @returns {Promise<number>}
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** True once `PING` answers `+PONG`. */
function ping(/** @type {number} */ port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (/** @type {boolean} */ ok) => (socket.destroy(), resolve(ok));
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts `redis-server` and resolves once it answers PING.
 * @param {string} path
 * @returns {Promise<{ url: string, pid: number | undefined, stop: () => Promise<void> }>}
 */
export async function startRedisServer(path) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-demo-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
  const child = spawn(path, [...args, '--dir', dir, '--logfile', '', '--loglevel', 'warning'], { stdio: 'ignore' });
  alive.add(child);
  let failure = /** @type {Error | null} */ (null);
  child.once('error', (error) => (failure = error));
  child.once('exit', () => alive.delete(child));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(port))) {
    if (failure !== null || child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${path} did not start on port ${port}: ${failure?.message ?? `exit code ${child.exitCode}`}`);
    }
    await sleep(20);
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid, stop };
}
