// @ts-check
// The demo's services: each one runs in its own Node.js process (service-process.mjs). A
// configuration change is a redeploy, as an operator would do it: start a new process with the
// new environment, wait until its verifier has its keys, move traffic to it, let the old one
// finish its requests, stop it.
import { fork } from 'node:child_process';

const RUNNER = new URL('./service-process.mjs', import.meta.url);
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** @type {Set<ServiceProcess>} */
const alive = new Set();

/**
 * What service-process.mjs sends over IPC: start-up news, or the answer to request `id`.
 * @typedef {{ type: 'ready', port: number } | { type: 'failed', error: string }} StartMessage
 * @typedef {{ id: number, result?: unknown, error?: string }} AnswerMessage
 */

/** Kills every service process still running (on exit, timeout, or failure). */
export function killAll() {
  for (const handle of alive) handle.child.kill();
}

/** One running process of a service. */
export class ServiceProcess {
  /**
   * @param {import('node:child_process').ChildProcess} child
   * @param {number} port
   */
  constructor(child, port) {
    this.child = child;
    this.pid = child.pid;
    this.url = `http://127.0.0.1:${port}`;
    this.nextId = 1;
    /** @type {Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void }>} */
    this.pending = new Map();
    child.on('message', (received) => {
      const message = /** @type {AnswerMessage} */ (received);
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    child.on('exit', () => {
      alive.delete(this);
      for (const waiter of this.pending.values()) waiter.reject(new Error(`service process ${this.pid} exited`));
      this.pending.clear();
    });
  }

  /**
   * Starts `kind` (express, koa, nestjs, partner) with `env` and resolves once it listens.
   * @param {string} kind
   * @param {Record<string, string>} env TOLLGATE_* variables (and DPOP_* for the fleet module)
   * @param {number} clockOffsetMs
   * @returns {Promise<ServiceProcess>}
   */
  static start(kind, env, clockOffsetMs) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_') && !name.startsWith('DPOP_')),
    );
    const child = fork(RUNNER, [], {
      env: { ...inherited, ...env, DEMO_SERVICE: kind, DEMO_CLOCK_OFFSET_MS: String(clockOffsetMs) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`${kind} did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${kind} exited during start-up (code ${code})`));
      });
      child.on('message', function started(received) {
        const message = /** @type {StartMessage} */ (received);
        if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${kind} could not start: ${message.error}`));
        } else if (message.type === 'ready') {
          clearTimeout(timer);
          child.off('message', started);
          const handle = new ServiceProcess(child, message.port);
          alive.add(handle);
          resolve(handle);
        }
      });
    });
  }

  /**
   * @param {string} type
   * @param {object} [payload]
   * @returns {Promise<unknown>} the process's `result`
   */
  request(type, payload = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`service process ${this.pid} did not answer "${type}"`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.child.send({ id, type, ...payload });
    });
  }

  /** @param {number} offsetMs */
  setClock(offsetMs) {
    return this.request('clock', { offsetMs });
  }

  /** @returns {Promise<{ stats: import('@tollgate/core').VerifierStats, health: import('@tollgate/core').VerifierHealth }>} */
  stats() {
    return /** @type {Promise<{ stats: import('@tollgate/core').VerifierStats, health: import('@tollgate/core').VerifierHealth }>} */ (
      this.request('stats')
    );
  }

  /** Graceful stop: requests in flight finish, the verifier closes, the process exits. */
  async stop() {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.request('stop').catch(() => this.child.kill());
    await exited;
  }
}

/** A service as the clients see it: a name, a URL that traffic goes to, and the process behind it. */
export class Service {
  /**
   * @param {{ name: string, kind: string, framework: string, path: string, rs256Only?: boolean }} spec
   */
  constructor(spec) {
    this.name = spec.name;
    this.kind = spec.kind;
    this.framework = spec.framework;
    this.path = spec.path;
    /** The partner is never given the HS256 secret, so clients only send it RS256 tokens. */
    this.rs256Only = spec.rs256Only === true;
    /** @type {ServiceProcess | null} */
    this.process = null;
    /** @type {Record<string, string>} */
    this.env = {};
  }

  get url() {
    return this.process?.url ?? null;
  }

  /**
   * First start.
   * @param {Record<string, string>} env
   * @param {number} clockOffsetMs
   */
  async start(env, clockOffsetMs) {
    this.process = await ServiceProcess.start(this.kind, env, clockOffsetMs);
    this.env = env;
    return this.process;
  }

  /**
   * Blue-green redeploy with a new environment. `drain(url)` must resolve once no request to
   * the old URL is in flight any more (the traffic driver knows).
   * @param {Record<string, string>} env
   * @param {number} clockOffsetMs
   * @param {(url: string) => Promise<void>} drain
   */
  async redeploy(env, clockOffsetMs, drain) {
    const previous = /** @type {ServiceProcess} */ (this.process);
    const next = await ServiceProcess.start(this.kind, env, clockOffsetMs);
    this.process = next; // from here on, new requests go to the new process
    this.env = env;
    await drain(previous.url);
    await previous.stop();
    return { previous, next };
  }
}
