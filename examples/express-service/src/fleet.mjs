// @ts-check
// What this service needs to run as one of many, read from the environment. DPOP_ORIGIN turns on
// DPoP (RFC 9449) with the public origin proofs must name; DPOP_MODE is 'allowed' (default once an
// origin is set) or 'required'. TOLLGATE_REDIS_URL shares the DPoP replay store and the revocation
// list with every other service on that Redis. Without them nothing changes.
import { RedisReplayStore, RedisRevocationMirror } from '@tollgate/redis';
import { createClient } from 'redis';

/**
 * @typedef {object} Fleet
 * @property {import('@tollgate/express').VerifyOptions['dpop']} dpop for `verify(source, { dpop })`
 * @property {RedisRevocationMirror | undefined} revocation the verifier's `revocation` check
 * @property {() => Promise<void>} close releases the Redis connections (after the server closed)
 */

/** @param {Readonly<Record<string, string | undefined>>} [env] @returns {Promise<Fleet>} */
export async function fleetFromEnv(env = process.env) {
  const origin = env.DPOP_ORIGIN?.trim() || undefined;
  const mode = /** @type {'off' | 'allowed' | 'required'} */ (env.DPOP_MODE?.trim() || (origin ? 'allowed' : 'off'));
  const url = env.TOLLGATE_REDIS_URL?.trim() || undefined;
  const dpopOn = origin !== undefined || mode !== 'off'; // a mode without an origin: the core names what is missing
  if (url === undefined)
    return { dpop: dpopOn ? { mode, origin } : undefined, revocation: undefined, close: async () => {} };

  // No offline queue: while Redis is away, replay checks fail at once (503) instead of piling up.
  const client = await createClient({ url, disableOfflineQueue: true })
    .on('error', (/** @type {Error} */ error) => console.warn(`redis: ${error.message}`))
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
