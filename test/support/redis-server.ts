// A real `redis-server` for tests, from any package: started on 127.0.0.1 on a free port with
// persistence off, answered PING before the test goes on, stopped (and restartable on the same
// port, for outage tests) by the test. Not a mock: the replay store, the revocation mirror and
// the CLI are proven against the server operators run.
//
// Without `redis-server` on PATH, `describeRedis` skips its suite with a message saying how to
// install it; under CI (`CI=true`) a missing server fails the run instead, so CI cannot go green
// by skipping.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';

/** What to run when `redis-server` is missing (Debian 12 ships Redis 7.0). */
export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server';
/** Default bound on a start (spawn until PING answers). */
export const REDIS_START_TIMEOUT_MS = 10_000;
/** Default bound on a stop (SIGTERM until exit); SIGKILL after it. */
export const REDIS_STOP_TIMEOUT_MS = 5_000;

/** Path of `redis-server` on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const binary = findRedisServer();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (binary === undefined && inCi) {
  throw new Error(`redis-server is not on PATH, and CI=true requires the Redis tests to run. Install it: ${REDIS_INSTALL_HINT}`);
}

/** True when `redis-server` is on PATH, so the Redis tests can run. */
export const redisServerAvailable = binary !== undefined;

/**
 * `describe` for a suite that needs a real Redis: skipped, with a visible reason and the install
 * command, when `redis-server` is not on PATH (never under CI, where the import above throws).
 */
export function describeRedis(name: string, body: () => void): void {
  if (redisServerAvailable) {
    describe(name, body);
    return;
  }
  const reason = `redis-server not found on PATH; install it to run these tests: ${REDIS_INSTALL_HINT}`;
  console.warn(`[skipped] ${name}: ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}

export interface StartRedisOptions {
  /** Bound on the start, spawn to first PONG. Default {@link REDIS_START_TIMEOUT_MS}. */
  startTimeoutMs?: number;
  /**
   * Keep data across `stop()`/`start()` (append-only file with fsync on every write, in a
   * temporary directory removed by `close()`). Default false: nothing is ever written to disk.
   */
  persist?: boolean;
  /** Extra `redis-server` arguments, e.g. `['--maxclients', '50']`. */
  args?: readonly string[];
}

/** A running (or stopped, restartable) `redis-server` owned by one test file. */
export interface TestRedisServer {
  readonly host: '127.0.0.1';
  /** Fixed for the server's life: `start()` after `stop()` listens on the same port. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** Stops the server: SIGTERM (a clean shutdown), or SIGKILL with `{ kill: true }` (a crash). */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port; resolves when it answers PING. */
  start(): Promise<void>;
  /** Stops for good and removes its directory. Safe to call twice. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One PING over a raw socket: true on `+PONG`. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `redis-server --bind 127.0.0.1 --port <free port> --save '' --appendonly no` (quiet, in a
 * temporary directory, protected mode on) and resolves once it answers PING. The port is chosen
 * first because `--port 0` would turn Redis's TCP listener off.
 *
 * @example
 * const redis = await startRedisServer();
 * const client = await createClient({ url: redis.url }).connect();
 * await redis.stop();   // outage
 * await redis.start();  // same port, same URL
 * await redis.close();
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<TestRedisServer> {
  if (binary === undefined) throw new Error(`redis-server is not on PATH. Install it: ${REDIS_INSTALL_HINT}`);
  const startTimeoutMs = options.startTimeoutMs ?? REDIS_START_TIMEOUT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-redis-'));
  let child: ChildProcess | undefined;
  let output = '';
  let closed = false;

  const persistence = options.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--save', '', '--appendonly', 'no'];

  async function launch(port: number): Promise<void> {
    output = '';
    const proc = spawn(
      binary!,
      [
        '--bind', '127.0.0.1',
        '--port', String(port),
        ...persistence,
        '--dir', dir,
        '--protected-mode', 'yes',
        '--daemonize', 'no',
        '--supervised', 'no',
        '--logfile', '',
        '--loglevel', 'warning',
        '--databases', '1',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    live.add(proc);
    proc.stdout!.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr!.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      live.delete(proc);
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exited) throw new Error(`redis-server exited during start on port ${port}: ${output.trim() || '(no output)'}`);
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port} within ${startTimeoutMs} ms: ${output.trim() || '(no output)'}`);
      }
      await sleep(20);
    }
  }

  // Another process may take the free port between the probe and Redis binding it: try again.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch(port);
      break;
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  async function stop(stopOptions: { kill?: boolean } = {}): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(stopOptions.kill ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), REDIS_STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  }

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return running();
    },
    stop,
    async start() {
      if (closed) throw new Error('This test Redis server was closed; start a new one.');
      if (running()) return;
      await launch(port);
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
