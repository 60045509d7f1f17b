import { VibegateError } from '../errors/vibegate-error.js'
import type { KeyValueStore } from './key-value-store.js'
import { createRedisClient, type RedisClient } from './redis-client.js'
import { parseRedisTarget } from './redis-target.js'
import { checkFloor, checkTtl } from './memory-store.js'
import { withDeadline } from '../util/with-deadline.js'

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * A REDIS_URL (`redis://`, `rediss://`, `redis+sentinel://`, `redis-cluster://`; the store
   * then owns and closes the connection)...
   */
  url?: string
  /** ...or an ioredis client (`Redis` or `Cluster`) the caller owns. */
  client?: RedisClient
  /** Prepended to every key, e.g. `vibegate:`; lets several gates share one Redis. */
  prefix: string
  /** Deadline of every command in milliseconds; default 1000. */
  commandTimeoutMs?: number
}

const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`

// The larger of value + 1 and the floor, with a fresh TTL on every call: a generation key
// that expired comes back larger than before (the floor is a clock), never as 1 again.
const ADVANCE = `local n = math.max((tonumber(redis.call('GET', KEYS[1])) or 0) + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%.0f', n), 'PX', ARGV[2])
return n`

/**
 * A {@link KeyValueStore} on Redis (6.2 or later: GETDEL). Every command has a deadline;
 * a failure or timeout becomes `store_unavailable`, never a hang.
 */
export function createRedisStore(options: RedisStoreOptions): KeyValueStore {
  if (!options.client && !options.url) throw new TypeError('createRedisStore: give url or client')
  if (typeof options.prefix !== 'string')
    throw new TypeError('createRedisStore: prefix is required')
  const timeoutMs = options.commandTimeoutMs ?? 1000
  const owned = options.client
    ? undefined
    : createRedisClient(parseRedisTarget(options.url!), { connectTimeoutMs: timeoutMs * 2 })
  const redis = options.client ?? owned!
  const k = (key: string): string => `${options.prefix}${key}`

  const run = async <T>(what: string, command: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(command(), timeoutMs)
    } catch (err) {
      throw new VibegateError('store_unavailable', {
        detail: `redis ${what}: ${(err as Error).message}`,
        cause: err,
      })
    }
  }

  return {
    get: (key) => run('GET', async () => (await redis.get(k(key))) ?? undefined),
    set: async (key, value, ttlMs) => {
      checkTtl(ttlMs)
      await run('SET', () => redis.set(k(key), value, 'PX', ttlMs))
    },
    setIfAbsent: async (key, value, ttlMs) => {
      checkTtl(ttlMs)
      return (await run('SET NX', () => redis.set(k(key), value, 'PX', ttlMs, 'NX'))) === 'OK'
    },
    setIfPresent: async (key, value, ttlMs) => {
      checkTtl(ttlMs)
      return (await run('SET XX', () => redis.set(k(key), value, 'PX', ttlMs, 'XX'))) === 'OK'
    },
    take: (key) => run('GETDEL', async () => (await redis.getdel(k(key))) ?? undefined),
    delete: async (key) => {
      await run('DEL', () => redis.del(k(key)))
    },
    increment: async (key, ttlMs) => {
      checkTtl(ttlMs)
      return Number(await run('INCR', () => redis.eval(INCREMENT, 1, k(key), ttlMs)))
    },
    advance: async (key, atLeast, ttlMs) => {
      checkTtl(ttlMs)
      checkFloor(atLeast)
      return Number(
        await run('ADVANCE', () => redis.eval(ADVANCE, 1, k(key), String(atLeast), ttlMs)),
      )
    },
    ping: async () => {
      try {
        return (await run('PING', () => redis.ping())) === 'PONG'
      } catch {
        return false
      }
    },
    close: async () => {
      if (owned) await owned.quit().catch(() => owned.disconnect())
    },
  }
}
