import { afterAll, describe, expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import { randomUUID } from 'node:crypto'
import { createTieredCache, type TieredCache } from '../../src/ownership/tiered-cache.js'
import type { KeyValueStore } from '../../src/store/key-value-store.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'

// Issue #9: a logout or an operator purge must never be undone, however long after it the
// cache forgets the purge (pruned in process, or its Redis generation key expired).

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const hasRedis = await redisAvailable()
const redisPrefix = testPrefix()
const opened: KeyValueStore[] = []
const raw = hasRedis ? new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined
raw?.on('error', () => undefined)
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
  raw?.disconnect()
  await redisPrefix.cleanup()
})

/** A cache on one backend, and a way to let time pass for the cache and its shared tier. */
interface Setup {
  clock: FakeClock
  cache: TieredCache
  /** Moves the clock, and ages the backend's entries (and expires them) by as much. */
  passTime(ms: number): Promise<void>
}

const backends: [string, () => Setup][] = [
  [
    'no shared tier',
    () => {
      const clock = fakeClock(Date.now())
      return {
        clock,
        cache: createTieredCache({ clock }),
        passTime: async (ms) => clock.advance(ms),
      }
    },
  ],
  [
    'a memory shared tier',
    () => {
      const clock = fakeClock(Date.now())
      const shared = createMemoryStore({ clock })
      return {
        clock,
        cache: createTieredCache({ shared, clock }),
        passTime: async (ms) => clock.advance(ms),
      }
    },
  ],
]
if (hasRedis) {
  backends.push([
    'Redis',
    () => {
      const clock = fakeClock(Date.now())
      // A prefix of this test's own, so that aging its keys touches nobody else's.
      const prefix = `${redisPrefix.prefix}${randomUUID()}:`
      const shared = createRedisStore({ url: REDIS_URL, prefix })
      opened.push(shared)
      return {
        clock,
        cache: createTieredCache({ shared, clock }),
        // Redis expires by its own clock: shorten every key's life by the time that passed.
        passTime: async (ms) => {
          clock.advance(ms)
          const keys: string[] = []
          let cursor = '0'
          do {
            const [next, batch] = await raw!.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 100)
            keys.push(...batch)
            cursor = next
          } while (cursor !== '0')
          for (const key of keys) {
            const left = await raw!.pttl(key)
            if (left < 0) continue
            if (left > ms) await raw!.pexpire(key, left - ms)
            else await raw!.del(key)
          }
        },
      }
    },
  ])
}

describe.each(backends)('purges on a tiered cache with %s', (_name, setup) => {
  const alice = { kind: 'user' as const, id: 'alice-uuid' }
  const bob = { kind: 'user' as const, id: 'bob-uuid' }
  const yellow = { kind: 'vibe' as const, id: 'nxwyqqow' }
  const lookup = async (cache: TieredCache): Promise<unknown> => {
    const key = await cache.key('holding', [alice, yellow], 'amount')
    return (await cache.get(key))?.value ?? cache.peekLocal(key)?.value
  }

  test('a purge the in-process tier has forgotten is not undone', async () => {
    const { cache, passTime } = setup()
    const before = await cache.key('holding', [alice, yellow], 'amount')
    await cache.set(before, 'owned before the logout', 2 * HOUR)
    await cache.purge(alice) // logout
    expect(await lookup(cache)).toBeUndefined()
    await passTime(HOUR + 2 * MINUTE)
    await cache.purge(bob) // any purge lets the tier drop the purges it no longer needs
    expect(await lookup(cache)).toBeUndefined()
    await cache.purge(alice) // an operator purge, later
    expect(await lookup(cache)).toBeUndefined()
  })

  test('a purge after the generation expired does not bring back an answer from before an earlier purge', async () => {
    const { cache, passTime } = setup()
    await cache.purge(alice) // a logout, long ago
    await passTime(30 * DAY - 30_000)
    // Alice signs in again; an answer is cached under her current generation.
    await cache.set(await cache.key('holding', [alice, yellow], 'amount'), 'owned', MINUTE)
    await passTime(10_000)
    await cache.purge(alice) // she logs out: that answer must never come back
    expect(await lookup(cache)).toBeUndefined()
    await passTime(30_000) // 30 days after the first purge
    await cache.purge(alice) // an operator purge
    expect(await lookup(cache)).toBeUndefined()
  })

  test('each purge hands out a new generation, even after the last one was forgotten', async () => {
    const { cache, passTime } = setup()
    const seen = new Set<string>([await cache.key('holding', [alice], 'amount')])
    for (const gap of [0, 0, HOUR + 2 * MINUTE, 31 * DAY, 0]) {
      await passTime(gap)
      await cache.purge(bob)
      await cache.purge(alice)
      const key = await cache.key('holding', [alice], 'amount')
      expect(seen.has(key)).toBe(false)
      seen.add(key)
    }
  })
})

describe('entry age', () => {
  test('no entry is served, fresh or stale, after maxEntryAgeMs', async () => {
    const clock = fakeClock()
    const cache = createTieredCache({ clock, maxEntryAgeMs: HOUR })
    await cache.set('k', 'v', 2 * HOUR)
    clock.advance(HOUR - 1)
    expect(await cache.get('k')).toMatchObject({ value: 'v' })
    clock.advance(1)
    expect(await cache.get('k')).toBeUndefined()
    expect(cache.peekLocal('k')).toBeUndefined()
  })

  test('maxEntryAgeMs is checked when the cache is built', () => {
    expect(() => createTieredCache({ maxEntryAgeMs: 0 })).toThrow(TypeError)
    expect(() => createTieredCache({ maxEntryAgeMs: 31 * DAY })).toThrow(/maxEntryAgeMs/)
  })
})
