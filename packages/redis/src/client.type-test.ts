/**
 * Compile-time checks, run by `pnpm typecheck`: every kind of node-redis connection an
 * application may hold is accepted as `client`, whatever its modules, scripts, RESP version or
 * type mapping; things that are not connections are refused.
 */
import { createClient, createCluster, createSentinel, defineScript, RESP_TYPES } from 'redis';
import { RedisReplayStore, RedisRevocationMirror, RedisRevocations } from './index.js';

export function typeChecks(): void {
  const single = createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true });
  const resp2 = createClient({ RESP: 2 });
  const withScripts = createClient({
    scripts: {
      hello: defineScript({
        SCRIPT: 'return 1',
        NUMBER_OF_KEYS: 0,
        parseCommand() {},
        transformReply: () => 1 as const,
      }),
    },
  });
  const buffers = createClient().withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const cluster = createCluster({
    rootNodes: [{ url: 'redis://127.0.0.1:7000' }],
    defaults: { disableOfflineQueue: true },
  });
  const sentinel = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }] });

  for (const client of [single, resp2, withScripts, buffers, cluster, sentinel]) {
    new RedisReplayStore({ client });
    new RedisRevocations({ client });
    new RedisRevocationMirror({ client });
  }

  // @ts-expect-error a URL is not a connection: create the client yourself
  new RedisReplayStore({ client: 'redis://127.0.0.1:6379' });
  // @ts-expect-error the client is required
  new RedisRevocationMirror({});
}
