// Shared by this package's tests: node-redis clients on a test redis-server, closed after the file.
import { createClient } from 'redis';
import type { RedisConnection } from './client.js';

export type TestClient = ReturnType<typeof createClient>;

const clients = new Set<TestClient>();

/**
 * A connected node-redis client on `url`, with an error listener (so a stopped server is not
 * an unhandled error) and a fast reconnect so outage tests do not wait on back-off.
 */
export async function connectClient(url: string, options: { disableOfflineQueue?: boolean; RESP?: 2 | 3 } = {}): Promise<TestClient> {
  const client = createClient({
    url,
    disableOfflineQueue: options.disableOfflineQueue ?? true,
    ...(options.RESP === undefined ? {} : { RESP: options.RESP }),
    socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(20 + retries * 20, 200) },
  });
  client.on('error', () => {});
  clients.add(client);
  await client.connect();
  return client;
}

/** Closes every client made by {@link connectClient}. */
export async function closeClients(): Promise<void> {
  await Promise.all([...clients].map((client) => (client.isOpen ? client.destroy() : undefined)));
  clients.clear();
}

/** Resolves when `predicate()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const asConnection = (client: TestClient): RedisConnection => client;
