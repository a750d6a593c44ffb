// The Lua scripts behind the issuer key store. Each touches one key of one tenant, so each is
// atomic on a single node, Sentinel and Cluster alike (a tenant's keys share one hash tag).

/** KEYS: keys hash. Returns [revision or false, keys payload or false], read together. */
export const READ_KEYS_SCRIPT = `return redis.call('HMGET', KEYS[1], 'revision', 'keys')`;

/**
 * KEYS: keys hash. ARGV: mode (`any` | `absent` | `match`), expected revision, new revision, payload.
 * Compare-and-set: writes only if nothing is stored (`absent`), the stored revision equals the
 * expected one (`match`), or unconditionally (`any`). Returns 1 when written, 0 on a conflict.
 */
export const WRITE_KEYS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'revision')
if ARGV[1] == 'absent' and current then return 0 end
if ARGV[1] == 'match' and current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'revision', ARGV[3], 'keys', ARGV[4])
return 1
`;

/**
 * KEYS: lock. ARGV: fence. Deletes the lock only while it still holds this fence, so a holder
 * whose lock expired (and was taken by another) cannot release the other's. Returns 1 or 0.
 */
export const RELEASE_LOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
