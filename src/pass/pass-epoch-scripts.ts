/** The Lua scripts of the pass epoch on Redis (6.2 or later); see `createPassEpoch`. */

/**
 * Moves the epoch: KEYS epoch; ARGV now (Unix seconds). Returns the new epoch. It only
 * grows, and is at least the clock: a lost key comes back larger, never as an old value.
 */
export const ADVANCE = `local n = math.max((tonumber(redis.call('GET', KEYS[1])) or 0) + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%.0f', n))
return n`
/**
 * Prunes and reads: KEYS epoch, revoked; ARGV now, cutoff. A missing epoch starts at now.
 * Returns [epoch, [uuid, revoked-at, ...]].
 */
export const READ = `redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])
local e = redis.call('GET', KEYS[1])
if not e then
  redis.call('SET', KEYS[1], ARGV[1], 'NX')
  e = redis.call('GET', KEYS[1])
end
return {e, redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')}`
/**
 * Revokes a user: KEYS epoch, revoked; ARGV now, uuid, cutoff, most revocations, expiry (s).
 * Past the most, moves the epoch and empties the set (returns the epoch); else 0.
 */
export const REVOKE = `redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
if redis.call('ZCARD', KEYS[2]) > tonumber(ARGV[4]) then
  redis.call('DEL', KEYS[2])
  ${ADVANCE}
end
return 0`
/** Records a fingerprint: KEYS epoch, config; ARGV now, fingerprint. Moves the epoch when it differs (returns it), else 0. */
export const SETTLE = `if redis.call('GET', KEYS[2]) == ARGV[2] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
${ADVANCE}`
/** Records a new fingerprint and moves the epoch: KEYS epoch, config; ARGV now, fingerprint. */
export const CHANGE = `redis.call('SET', KEYS[2], ARGV[2])
${ADVANCE}`
