import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sleeper } from './sleeper.js';

/** The `node:http` server across stop/start cycles. */
export class HttpLifecycle {
  readonly #listener: RequestListener;
  readonly #sleeper: Sleeper;
  #server: Server | undefined;
  #closed = false;
  // start(), stop() and close() run one at a time, so overlapping calls cannot leave two servers.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(listener: RequestListener, sleeper: Sleeper) {
    this.#listener = listener;
    this.#sleeper = sleeper;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  listen(host: string, port: number): Promise<number> {
    return this.#serial(() => this.#listen(host, port));
  }

  stop(): Promise<void> {
    return this.#serial(() => this.#stop());
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#serial(() => this.#stop());
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #listen(host: string, port: number): Promise<number> {
    if (this.#closed) throw new Error('the issuer is closed; create a new one');
    if (this.#server) return (this.#server.address() as AddressInfo).port;
    const server = createServer(this.#listener);
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || error.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const body = JSON.stringify({ error: 'invalid_request', error_description: 'malformed HTTP request' });
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return (server.address() as AddressInfo).port;
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() alone waits for keep-alive and stalled connections; this stop is meant to be abrupt.
    server.closeAllConnections();
    this.#sleeper.cancelAll();
    await closed;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** `http://<host>:<port>` for a listening address; unspecified addresses become loopback. */
export function baseUrlFor(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}`;
}
