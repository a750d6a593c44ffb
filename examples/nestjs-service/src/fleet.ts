// What this service needs to run as one of many, read from the environment. DPOP_ORIGIN turns on
// DPoP (RFC 9449) with the public origin proofs must name; DPOP_MODE is 'allowed' (default once an
// origin is set) or 'required'. TOLLGATE_REDIS_URL shares the DPoP replay store and the revocation
// list with every other service on that Redis. Without them nothing changes.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { TollgateModuleOptions } from '@tollgate/nestjs';
import { RedisReplayStore, RedisRevocationMirror } from '@tollgate/redis';
import { createClient } from 'redis';

export interface Fleet {
  /** For `TollgateModule.forRoot({ dpop })`. */
  readonly dpop: TollgateModuleOptions['dpop'];
  /** The verifier's `revocation` check. */
  readonly revocation: RedisRevocationMirror | undefined;
  /** Releases the Redis connections. */
  close(): Promise<void>;
}

type DpopMode = 'off' | 'allowed' | 'required';

export async function fleetFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Promise<Fleet> {
  const origin = env.DPOP_ORIGIN?.trim() || undefined;
  const mode = (env.DPOP_MODE?.trim() || (origin ? 'allowed' : 'off')) as DpopMode;
  const url = env.TOLLGATE_REDIS_URL?.trim() || undefined;
  const dpopOn = origin !== undefined || mode !== 'off'; // a mode without an origin: the core names what is missing
  if (url === undefined)
    return { dpop: dpopOn ? { mode, origin } : undefined, revocation: undefined, close: async () => {} };

  // No offline queue: while Redis is away, replay checks fail at once (503) instead of piling up.
  const client = await createClient({ url, disableOfflineQueue: true })
    .on('error', (error: Error) => console.warn(`redis: ${error.message}`))
    .connect();
  const revocation = new RedisRevocationMirror({ client });
  await revocation.ready(); // the first copy of the list, before the first request
  return {
    dpop: dpopOn ? { mode, origin, replayStore: new RedisReplayStore({ client }) } : undefined,
    revocation,
    close: async () => {
      await revocation.close();
      await client.close();
    },
  };
}

export const FLEET = 'FLEET';

/** Closes the Redis connections when the application shuts down (`app.close()`, or a signal with shutdown hooks on). */
@Injectable()
export class FleetShutdown implements OnApplicationShutdown {
  constructor(@Inject(FLEET) private readonly fleet: Fleet) {}

  async onApplicationShutdown(): Promise<void> {
    await this.fleet.close();
  }
}
