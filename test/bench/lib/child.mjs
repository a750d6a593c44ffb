// Forked children with a start-up timeout and one request in flight at a time.
import { execFileSync, fork } from 'node:child_process';

/**
 * Pins every thread of a process (V8's helpers included; threads started later inherit it,
 * so libuv's pool does too) to one CPU. Returns false where taskset is unavailable.
 */
export function pinToCpu(pid, cpu) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Forks `file`, waits for its `{ type: 'ready' }` message (or `failed`), and returns
 * a handle to send requests and wait for typed replies. Every wait has a timeout.
 */
export function startChild(file, args = [], { readyTimeoutMs = 60_000, execArgv = [], env, cpu } = {}) {
  const child = fork(file, args, { execArgv, env: env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pinned = cpu === undefined ? false : pinToCpu(child.pid, cpu);
  const inbox = [];
  let waiter = null;
  let exited = null;
  child.on('message', (message) => {
    if (waiter && (waiter.types.includes(message.type) || message.type === 'failed')) {
      const w = waiter;
      waiter = null;
      clearTimeout(w.timer);
      w.resolve(message);
    } else inbox.push(message);
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    if (waiter) {
      const w = waiter;
      waiter = null;
      clearTimeout(w.timer);
      w.reject(new Error(`${file} exited (${code ?? signal}) while waiting for ${w.types.join('/')}`));
    }
  });

  function waitFor(types, timeoutMs) {
    const list = Array.isArray(types) ? types : [types];
    const queued = inbox.findIndex((m) => list.includes(m.type) || m.type === 'failed');
    if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0]);
    if (exited) return Promise.reject(new Error(`${file} already exited (${exited.code ?? exited.signal})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = null;
        reject(new Error(`${file} ${args.join(' ').slice(0, 80)}: no ${list.join('/')} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiter = { types: list, resolve, reject, timer };
    });
  }

  const handle = {
    child,
    pid: child.pid,
    pinned,
    async request(message, replyType, timeoutMs = 60_000) {
      const reply = waitFor(replyType, timeoutMs);
      child.send(message);
      const answer = await reply;
      if (answer.type === 'failed') throw new Error(answer.error);
      return answer;
    },
    waitFor,
    async stop(timeoutMs = 5000) {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      try {
        child.send({ type: 'exit' });
      } catch {
        // The channel may already be closed.
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await done;
      clearTimeout(timer);
    },
  };
  return waitFor('ready', readyTimeoutMs).then(
    (message) => {
      if (message.type === 'failed') {
        child.kill('SIGKILL');
        throw new Error(message.error);
      }
      handle.ready = message;
      return handle;
    },
    (error) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
}
