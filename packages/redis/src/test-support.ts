// Shared by this package's tests: node-redis clients on a test redis-server, closed after the file.
import { createClient } from 'redis';

function newClient(url: string, disableOfflineQueue: boolean, RESP: 2 | 3, reconnectDelayMs: number | undefined) {
  return createClient({
    url,
    disableOfflineQueue,
    RESP,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) => reconnectDelayMs ?? Math.min(20 + retries * 20, 200),
    },
  });
}

export type TestClient = ReturnType<typeof newClient>;

const clients = new Set<TestClient>();

/**
 * A connected node-redis client on `url`, with an error listener (so a stopped server is not
 * an unhandled error) and a fast reconnect so outage tests do not wait on back-off.
 */
export async function connectClient(
  url: string,
  options: {
    disableOfflineQueue?: boolean;
    RESP?: 2 | 3;
    /** Fixed wait between reconnects. Default: 20 ms growing to 200 ms. */
    reconnectDelayMs?: number;
    /** Do not wait for the first connection (Redis may be down, as at a cold start). */
    lazy?: boolean;
  } = {},
): Promise<TestClient> {
  // RESP 3 is node-redis 6's default; tests of RESP 2 ask for it.
  const client = newClient(url, options.disableOfflineQueue ?? true, options.RESP ?? 3, options.reconnectDelayMs);
  client.on('error', () => {});
  clients.add(client);
  if (options.lazy) void client.connect().catch(() => {});
  else await client.connect();
  return client;
}

/** Closes every client made by {@link connectClient}. */
export function closeClients(): Promise<void> {
  for (const client of clients) if (client.isOpen) client.destroy();
  clients.clear();
  return Promise.resolve();
}

/** Resolves when `predicate()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
