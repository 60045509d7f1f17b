import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KeyValueStore } from '../../src/store/key-value-store.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { storeKey } from '../../src/store/store-key.js'
import { fakeClock } from '../helpers/fake-clock.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'

const hasRedis = await redisAvailable()
const redisPrefix = testPrefix()
afterAll(() => redisPrefix.cleanup())

/** Each backend, with a way to let `ms` pass for its expiry. */
const backends: [string, () => { store: KeyValueStore; pass: (ms: number) => Promise<void> }][] = [
  [
    'memory',
    () => {
      const clock = fakeClock()
      return { store: createMemoryStore({ clock }), pass: async (ms) => clock.advance(ms) }
    },
  ],
]
if (hasRedis) {
  backends.push([
    'redis',
    () => ({
      store: createRedisStore({ url: REDIS_URL, prefix: redisPrefix.prefix }),
      pass: (ms) => sleep(ms),
    }),
  ])
}

describe.each(backends)('KeyValueStore on %s', (_name, make) => {
  let store: KeyValueStore
  let pass: (ms: number) => Promise<void>
  let n = 0
  const key = (): string => `k${n++}:${Math.random()}`
  beforeAll(() => {
    ;({ store, pass } = make())
  })
  afterAll(() => store.close())

  test('get returns what set stored, until the TTL passes', async () => {
    const k = key()
    await store.set(k, 'v1', 60)
    expect(await store.get(k)).toBe('v1')
    await pass(120)
    expect(await store.get(k)).toBeUndefined()
  })

  test('set replaces a value', async () => {
    const k = key()
    await store.set(k, 'a', 10_000)
    await store.set(k, 'b', 10_000)
    expect(await store.get(k)).toBe('b')
  })

  test('setIfAbsent stores only once', async () => {
    const k = key()
    expect(await store.setIfAbsent(k, 'first', 10_000)).toBe(true)
    expect(await store.setIfAbsent(k, 'second', 10_000)).toBe(false)
    expect(await store.get(k)).toBe('first')
  })

  test('take is single-use, even for concurrent takers', async () => {
    const k = key()
    await store.set(k, 'once', 10_000)
    const taken = await Promise.all(Array.from({ length: 20 }, () => store.take(k)))
    expect(taken.filter((v) => v === 'once')).toHaveLength(1)
    expect(await store.get(k)).toBeUndefined()
  })

  test('take of an expired entry gets nothing', async () => {
    const k = key()
    await store.set(k, 'x', 50)
    await pass(120)
    expect(await store.take(k)).toBeUndefined()
  })

  test('delete removes', async () => {
    const k = key()
    await store.set(k, 'x', 10_000)
    await store.delete(k)
    await store.delete(k)
    expect(await store.get(k)).toBeUndefined()
  })

  test('increment counts within a window that the first increment starts', async () => {
    const k = key()
    expect(await store.increment(k, 80)).toBe(1)
    expect(await store.increment(k, 80)).toBe(2)
    expect(await Promise.all([store.increment(k, 80), store.increment(k, 80)])).toEqual(
      expect.arrayContaining([3, 4]),
    )
    await pass(150)
    expect(await store.increment(k, 80)).toBe(1)
  })

  test('advance only grows: the larger of value + 1 and the floor, atomically', async () => {
    const k = key()
    expect(await store.advance(k, 5, 10_000)).toBe(5)
    expect(await store.advance(k, 0, 10_000)).toBe(6)
    expect(await store.advance(k, 100, 10_000)).toBe(100)
    const many = await Promise.all(Array.from({ length: 10 }, () => store.advance(k, 0, 10_000)))
    expect([...many].sort((a, b) => a - b)).toEqual([
      101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
    ])
    // A clock in ms since the epoch is a floor that fits.
    expect(await store.advance(k, 1_767_225_600_000, 10_000)).toBe(1_767_225_600_000)
    expect(await store.get(k)).toBe('1767225600000')
  })

  test('advance restarts the TTL on every call (unlike increment)', async () => {
    const k = key()
    await store.advance(k, 0, 200)
    await pass(120)
    expect(await store.advance(k, 0, 200)).toBe(2)
    await pass(120)
    expect(await store.get(k)).toBe('2')
    await pass(250)
    expect(await store.get(k)).toBeUndefined()
    expect(await store.advance(k, 7, 200)).toBe(7)
  })

  test('a TTL must be a positive integer', async () => {
    await expect(store.set(key(), 'x', 0)).rejects.toThrow(TypeError)
  })

  test('ping answers', async () => {
    expect(await store.ping()).toBe(true)
  })
})

describe('memory store bounds', () => {
  test('drops the oldest entries beyond maxEntries', async () => {
    const store = createMemoryStore({ maxEntries: 3 })
    for (const k of ['a', 'b', 'c', 'd']) await store.set(k, k, 10_000)
    expect(await store.get('a')).toBeUndefined()
    expect(await store.get('d')).toBe('d')
  })
})

describe('redis store failures', () => {
  test('an unreachable Redis is store_unavailable within the deadline, never a hang', async () => {
    const store = createRedisStore({
      url: 'redis://127.0.0.1:1',
      prefix: 'x:',
      commandTimeoutMs: 200,
    })
    await expect(store.get('k')).rejects.toMatchObject({ code: 'store_unavailable', status: 503 })
    expect(await store.ping()).toBe(false)
    await store.close()
  })
})

describe('storeKey', () => {
  test('is structured and unambiguous', () => {
    expect(storeKey('session', 'a:b', 'c')).not.toBe(storeKey('session', 'a', 'b:c'))
    expect(storeKey('session', 'x')).toMatch(/^session:[A-Za-z0-9_-]{43}$/)
    expect(storeKey('session', 'x')).not.toContain('x"')
    expect(storeKey('a', 1)).not.toBe(storeKey('a', '1'))
  })
})
