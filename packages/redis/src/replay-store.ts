import type { ReplayStore } from '@tollgate/core';
import { bounded, commands, type Commands, type RedisConnection } from './client.js';
import {
  clientProblems,
  DEFAULT_KEY_PREFIX,
  durationProblems,
  keyLayout,
  prefixProblems,
  throwProblems,
  type KeyLayout,
} from './keys.js';

export interface RedisReplayStoreOptions {
  /** Your node-redis connection (single node, Sentinel or Cluster). Required. */
  readonly client: RedisConnection;
  /**
   * Prefix of every key; keys are `<keyPrefix>dpop:<id>`. Give each fleet sharing one Redis its
   * own. No `{` or `}`. Default `'tollgate:'`.
   */
  readonly keyPrefix?: string | undefined;
  /**
   * Most ms one check may take before it fails with `RedisUnavailableError` (and the request is
   * refused with 503). A loopback round trip takes well under 1 ms and a same-zone one a few;
   * raise it for a distant Redis, lower it to fail faster. Default `200`.
   */
  readonly timeoutMs?: number | undefined;
}

export const REPLAY_STORE_DEFAULTS = Object.freeze({ keyPrefix: DEFAULT_KEY_PREFIX, timeoutMs: 200 });

/** Longest id accepted (`<jwk thumbprint>:<jti>`; the core bounds `jti` well below this). */
const MAX_ID_LENGTH = 4096;

/**
 * DPoP replay store on Redis: one `SET <prefix>dpop:<id> 1 NX PX <ttl>` per proof, so a proof
 * seen by any replica is refused by every other. Fails fast: when the connection is down the
 * command is not sent, and a slow answer is cut off at `timeoutMs`; both reject with
 * `RedisUnavailableError`.
 *
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * const replayStore = new RedisReplayStore({ client });
 * await replayStore.useOnce(`${thumbprint}:${jti}`, 300_000); // true, then false on a replay
 */
export class RedisReplayStore implements ReplayStore {
  private readonly client: Commands;
  private readonly keys: KeyLayout;
  private readonly timeoutMs: number;

  constructor(options: RedisReplayStoreOptions) {
    throwProblems('RedisReplayStore options', [
      ...clientProblems(options?.client),
      ...prefixProblems(options?.keyPrefix),
      ...durationProblems(options?.timeoutMs, 'timeoutMs', { max: 60_000 }),
    ]);
    this.client = commands(options.client);
    this.keys = keyLayout(options.keyPrefix ?? REPLAY_STORE_DEFAULTS.keyPrefix);
    this.timeoutMs = options.timeoutMs ?? REPLAY_STORE_DEFAULTS.timeoutMs;
  }

  /** Resolves `true` the first time `id` is used within `ttlMs`, `false` after; rejects with `RedisUnavailableError`. */
  useOnce(id: string, ttlMs: number): Promise<boolean> {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      return Promise.reject(
        new TypeError(`A replay id must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`),
      );
    }
    if (!Number.isFinite(ttlMs) || ttlMs <= 0)
      return Promise.reject(new TypeError('A replay ttlMs must be a positive number of milliseconds.'));
    const key = this.keys.replay(id);
    const px = Math.ceil(ttlMs);
    return bounded(this.client, 'replay check', this.timeoutMs, () =>
      this.client.set(key, '1', { condition: 'NX', expiration: { type: 'PX', value: px } }),
    ).then((reply) => reply !== null && reply !== undefined);
  }
}
