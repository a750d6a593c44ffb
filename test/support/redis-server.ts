// A real `redis-server` for tests, from any package: started on 127.0.0.1 on a free port with
// persistence off, answered PING before the test goes on, stopped (and restartable on the same
// port, for outage tests) by the test. Not a mock: the replay store, the revocation mirror and
// the CLI are proven against the server operators run.
//
// Without `redis-server` on PATH, `describeRedis` skips its suite with a message saying how to
// install it; under CI (`CI=true`) a missing server fails the run instead, so CI cannot go green
// by skipping.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';

/** What to run when `redis-server` is missing (Debian 12 ships Redis 7.0). */
export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server';
/** Default bound on a start (spawn until PING answers). */
export const REDIS_START_TIMEOUT_MS = 10_000;
/** Default bound on a stop (SIGTERM until exit); SIGKILL after it. */
export const REDIS_STOP_TIMEOUT_MS = 5_000;

/** Path of `redis-server` (or another program, e.g. `redis-cli`) on PATH, or undefined. */
export function findRedisServer(program = 'redis-server'): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
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
  throw new Error(
    `redis-server is not on PATH, and CI=true requires the Redis tests to run. Install it: ${REDIS_INSTALL_HINT}`,
  );
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
  /** Start in cluster mode (a node for {@link startRedisCluster}); its bus port, port + 10000, is kept free too. */
  cluster?: boolean;
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

async function listenOn(port: number): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  if (bound !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/** A free port; for a cluster node also one whose bus port (port + 10000) is free. */
async function freePort(withBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOn(0);
    if (port === undefined) continue;
    if (!withBusPort) return port;
    if (port + 10000 <= 65535 && (await listenOn(port + 10000)) !== undefined) return port;
  }
  throw new Error('No free port (with a free cluster bus port) found on 127.0.0.1.');
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

  const clustering = options.cluster
    ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']
    : [];
  const persistence = options.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--save', '', '--appendonly', 'no'];

  async function launch(port: number): Promise<void> {
    output = '';
    const proc = spawn(
      binary!,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        ...persistence,
        '--dir',
        dir,
        '--protected-mode',
        'yes',
        '--daemonize',
        'no',
        '--supervised',
        'no',
        '--logfile',
        '',
        '--loglevel',
        'warning',
        ...(options.cluster ? [] : ['--databases', '1']),
        ...clustering,
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    live.add(proc);
    proc.stdout.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      live.delete(proc);
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exited)
        throw new Error(`redis-server exited during start on port ${port}: ${output.trim() || '(no output)'}`);
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(
          `redis-server did not answer PING on port ${port} within ${startTimeoutMs} ms: ${output.trim() || '(no output)'}`,
        );
      }
      await sleep(20);
    }
  }

  // Another process may take the free port between the probe and Redis binding it: try again.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort(options.cluster === true);
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

/** A Redis Cluster of `redis-server` nodes in cluster mode, slots spread over all of them. */
export interface TestRedisCluster {
  readonly nodes: readonly TestRedisServer[];
  /** For `createCluster({ rootNodes })`. */
  readonly rootNodes: readonly { url: string }[];
  close(): Promise<void>;
}

const run = promisify(execFile);

/**
 * Starts `masters` cluster-mode nodes (no replicas), joins them with `redis-cli --cluster create`
 * and resolves when every node reports `cluster_state:ok`.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const client = await createCluster({ rootNodes: [...cluster.rootNodes] }).connect();
 */
export async function startRedisCluster(
  options: { masters?: number; startTimeoutMs?: number } = {},
): Promise<TestRedisCluster> {
  const cli = findRedisServer('redis-cli');
  if (cli === undefined)
    throw new Error(`redis-cli is not on PATH (it comes with redis-server). Install it: ${REDIS_INSTALL_HINT}`);
  const masters = options.masters ?? 3;
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const nodes: TestRedisServer[] = [];
  const close = async () => void (await Promise.all(nodes.map((node) => node.close())));
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startRedisServer({ cluster: true }));
    await run(
      cli,
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: timeoutMs },
    );
    const deadline = Date.now() + timeoutMs;
    for (const node of nodes) {
      for (;;) {
        const { stdout } = await run(cli, ['-h', '127.0.0.1', '-p', String(node.port), 'CLUSTER', 'INFO'], {
          timeout: 2000,
        });
        if (/cluster_state:ok/.test(stdout)) break;
        if (Date.now() > deadline)
          throw new Error(
            `Redis Cluster node ${node.port} did not reach cluster_state:ok within ${timeoutMs} ms:\n${stdout}`,
          );
        await sleep(50);
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { nodes, rootNodes: nodes.map((n) => ({ url: n.url })), close };
}

/** One master watched by one Sentinel, as `createSentinel` expects. */
export interface TestRedisSentinel {
  readonly master: TestRedisServer;
  /** The name the Sentinel monitors the master under. */
  readonly name: string;
  /** For `createSentinel({ name, sentinelRootNodes })`. */
  readonly sentinelRootNodes: readonly { host: string; port: number }[];
  close(): Promise<void>;
}

/** Starts a master and a Sentinel (`redis-server --sentinel`) monitoring it as `mymaster`. */
export async function startRedisSentinel(options: { startTimeoutMs?: number } = {}): Promise<TestRedisSentinel> {
  const master = await startRedisServer(options);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-sentinel-'));
  const port = await freePort();
  const config = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it lives in its own directory.
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      'logfile ""',
      'loglevel warning',
      `sentinel monitor mymaster 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds mymaster 5000',
      '',
    ].join('\n'),
  );
  const proc = spawn(binary!, [config, '--sentinel'], { stdio: 'ignore' });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const close = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      await exit;
    }
    rmSync(dir, { recursive: true, force: true });
    await master.close();
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? REDIS_START_TIMEOUT_MS);
  while (!(await ping(port))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      await close();
      throw new Error(`redis-server --sentinel did not answer PING on port ${port}.`);
    }
    await sleep(20);
  }
  return { master, name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port }], close };
}
