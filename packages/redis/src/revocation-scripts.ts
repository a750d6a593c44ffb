// The Lua scripts behind the shared revocation list. Each touches only the `{revocation}` keys
// (one Cluster slot), so each runs atomically: a write, its pruning, its version and its pub/sub
// message happen together or not at all. Time comes from Redis (`TIME`), so pruning does not
// depend on the clock of whichever machine writes.

const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function prune(rules, expiry, now)
  local expired = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
  for i = 1, #expired, 500 do
    redis.call('HDEL', rules, unpack(expired, i, math.min(i + 499, #expired)))
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', expiry, '-inf', now) end
end
local function expire_with_last_rule(rules, expiry)
  local last = redis.call('ZRANGE', expiry, -1, -1, 'WITHSCORES')
  if #last == 2 then
    local at = string.format('%d', math.floor(tonumber(last[2])))
    redis.call('PEXPIREAT', rules, at)
    redis.call('PEXPIREAT', expiry, at)
  end
end
local function bump(meta, epoch_candidate)
  redis.call('HSETNX', meta, 'epoch', epoch_candidate)
  local version = redis.call('HINCRBY', meta, 'version', 1)
  return redis.call('HGET', meta, 'epoch'), version
end
`;

/**
 * KEYS: rules, expiry, meta. ARGV: rule id, rule JSON, channel, epoch candidate.
 * Stores the rule (extending one already stored under its id: later expiry, later cut-off),
 * prunes expired rules, bumps the version and publishes the change. Returns [rule JSON, epoch, version].
 */
export const REVOKE_SCRIPT = `${COMMON}
local function encode(r)
  local parts = { '"kind":' .. cjson.encode(r.kind) }
  for _, field in ipairs({ 'jti', 'sub', 'clientId', 'iss' }) do
    if r[field] ~= nil then table.insert(parts, '"' .. field .. '":' .. cjson.encode(r[field])) end
  end
  if r.issuedBeforeMs ~= nil then table.insert(parts, '"issuedBeforeMs":' .. string.format('%d', r.issuedBeforeMs)) end
  table.insert(parts, '"expiresAtMs":' .. string.format('%d', r.expiresAtMs))
  return '{' .. table.concat(parts, ',') .. '}'
end
prune(KEYS[1], KEYS[2], now_ms())
local rule = cjson.decode(ARGV[2])
local json = ARGV[2]
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local o = cjson.decode(old)
  local changed = false
  if o.expiresAtMs > rule.expiresAtMs then rule.expiresAtMs = o.expiresAtMs; changed = true end
  if o.issuedBeforeMs ~= nil and rule.issuedBeforeMs ~= nil and o.issuedBeforeMs > rule.issuedBeforeMs then
    rule.issuedBeforeMs = o.issuedBeforeMs; changed = true
  end
  if changed then json = encode(rule) end
end
redis.call('HSET', KEYS[1], ARGV[1], json)
redis.call('ZADD', KEYS[2], string.format('%d', rule.expiresAtMs), ARGV[1])
expire_with_last_rule(KEYS[1], KEYS[2])
local epoch, version = bump(KEYS[3], ARGV[4])
redis.call('PUBLISH', ARGV[3], '{"epoch":' .. cjson.encode(epoch) .. ',"version":' .. version .. ',"op":"revoke","rule":' .. json .. '}')
return { json, epoch, version }
`;

/**
 * KEYS: rules, expiry, meta. ARGV: rule id, selector JSON, channel, epoch candidate.
 * Removes the rule, bumps the version and publishes the change (even when Redis no longer held
 * it, so mirrors holding it drop it too). Returns [removed (0|1), epoch, version].
 */
export const UNREVOKE_SCRIPT = `${COMMON}
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local epoch, version = bump(KEYS[3], ARGV[4])
redis.call('PUBLISH', ARGV[3], '{"epoch":' .. cjson.encode(epoch) .. ',"version":' .. version .. ',"op":"unrevoke","selector":' .. ARGV[2] .. '}')
return { removed, epoch, version }
`;

/** KEYS: rules, meta. Returns [epoch or '', version or '0', [id, JSON, id, JSON, …]] read atomically. */
export const SNAPSHOT_SCRIPT = `
local meta = redis.call('HMGET', KEYS[2], 'epoch', 'version')
return { meta[1] or '', meta[2] or '0', redis.call('HGETALL', KEYS[1]) }
`;

/** KEYS: meta. Returns [epoch or '', version or '0']: what a mirror compares to know it is current. */
export const VERSION_SCRIPT = `
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'version')
return { meta[1] or '', meta[2] or '0' }
`;
