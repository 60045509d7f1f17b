import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

/** Where the shared Redis of every machine listens (never FLUSHALL it). */
export const REDIS_URL = 'redis://127.0.0.1:6379'

/**
 * True when Redis answers. Suites that need it call this first: in CI (CI=true) a missing
 * Redis fails the suite; locally it is skipped with a message.
 */
export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
  })
  probe.on('error', () => undefined)
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI at ${REDIS_URL}`)
    console.warn(`Redis is not reachable at ${REDIS_URL}: its suites are skipped`)
    return false
  } finally {
    probe.disconnect()
  }
}

/** A key prefix of this test run's own, and a function that deletes every key under it. */
export function testPrefix(): { prefix: string; cleanup: () => Promise<void> } {
  const prefix = `vibegate-test:${randomUUID()}:`
  return {
    prefix,
    cleanup: async () => {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
      redis.on('error', () => undefined)
      try {
        let cursor = '0'
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
          if (keys.length > 0) await redis.del(...keys)
          cursor = next
        } while (cursor !== '0')
      } finally {
        redis.disconnect()
      }
    },
  }
}
