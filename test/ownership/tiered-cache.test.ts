import { afterAll, describe, expect, test } from '@jest/globals'
import type { KeyValueStore } from '../../src/store/key-value-store.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { createTieredCache, type TieredCache } from '../../src/ownership/tiered-cache.js'
import { fakeBus } from '../helpers/fake-bus.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'

const hasRedis = await redisAvailable()
const redisPrefix = testPrefix()
const opened: KeyValueStore[] = []
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
  await redisPrefix.cleanup()
})

/** A shared tier per backend: none (one instance), an in-process store, real Redis. */
const backends: [string, (clock: FakeClock) => KeyValueStore | undefined][] = [
  ['no shared tier', () => undefined],
  ['a memory shared tier', (clock) => createMemoryStore({ clock })],
]
if (hasRedis) {
  backends.push([
    'Redis',
    () => {
      const store = createRedisStore({ url: REDIS_URL, prefix: redisPrefix.prefix })
      opened.push(store)
      return store
    },
  ])
}

const alice = { kind: 'user' as const, id: 'alice-uuid' }
const yellow = { kind: 'vibe' as const, id: 'nxwyqqow' }

describe.each(backends)('tiered cache with %s', (name, makeShared) => {
  const setup = (): { clock: FakeClock; cache: TieredCache; other: TieredCache | undefined } => {
    const clock = fakeClock(Date.now())
    const shared = makeShared(clock)
    return {
      clock,
      cache: createTieredCache({ shared, clock }),
      other: shared ? createTieredCache({ shared, clock }) : undefined,
    }
  }

  test('an entry is served until its TTL, then never', async () => {
    const { clock, cache } = setup()
    const key = await cache.key('holding', [alice, yellow], 'amount')
    await cache.set(key, { owned_amount: 2 }, 60_000)
    expect(await cache.get(key)).toMatchObject({ value: { owned_amount: 2 }, tier: 'local' })
    clock.advance(59_999)
    expect(await cache.get(key)).toBeDefined()
    clock.advance(1)
    expect(await cache.get(key)).toBeUndefined()
  })

  test('another replica reads the shared tier, never past the TTL either', async () => {
    const { clock, cache, other } = setup()
    if (!other) return expect(name).toBe('no shared tier')
    const key = await cache.key('holding', [alice, yellow], 'amount')
    await cache.set(key, 'owned', 15_000)
    expect(await other.get(key)).toMatchObject({ value: 'owned', tier: 'shared' })
    expect(await other.get(key)).toMatchObject({ tier: 'local' })
    clock.advance(15_000)
    expect(await other.get(key)).toBeUndefined()
  })

  test('purging a user makes their entries unreachable, others stay', async () => {
    const { cache } = setup()
    const mine = await cache.key('holding', [alice, yellow], 'amount')
    const bobs = await cache.key('holding', [{ kind: 'user', id: 'bob-uuid' }, yellow], 'amount')
    await cache.set(mine, 1, 60_000)
    await cache.set(bobs, 1, 60_000)
    await cache.purge(alice)
    expect(await cache.get(await cache.key('holding', [alice, yellow], 'amount'))).toBeUndefined()
    expect(
      await cache.get(
        await cache.key('holding', [{ kind: 'user', id: 'bob-uuid' }, yellow], 'amount'),
      ),
    ).toBeDefined()
  })

  test('purging a vibe reaches every user, and other replicas within the generation TTL', async () => {
    const { clock, cache, other } = setup()
    const key = await cache.key('holding', [alice, yellow], 'amount')
    await cache.set(key, 1, 60_000)
    if (other)
      expect(await other.get(await other.key('holding', [alice, yellow], 'amount'))).toBeDefined()
    await cache.purge(yellow)
    expect(await cache.get(await cache.key('holding', [alice, yellow], 'amount'))).toBeUndefined()
    if (other) {
      clock.advance(1000)
      expect(await other.get(await other.key('holding', [alice, yellow], 'amount'))).toBeUndefined()
    }
  })

  test('keys of different (user, vibe, question) tuples never collide', async () => {
    const { cache } = setup()
    const tuples: [string, string, string][] = [
      ['a:b', 'c', 'amount'],
      ['a', 'b:c', 'amount'],
      ['a', 'bc', 'amount'],
      ['ab', 'c', 'amount'],
      ['a', 'c', 'ids'],
      ['a', 'c', 'amount'],
      ['a"', 'c', 'amount'],
      ['a', '"c', 'amount'],
    ]
    const keys = await Promise.all(
      tuples.map(([user, vibe, q]) =>
        cache.key(
          'holding',
          [
            { kind: 'user', id: user },
            { kind: 'vibe', id: vibe },
          ],
          q,
        ),
      ),
    )
    expect(new Set(keys).size).toBe(tuples.length)
    expect(await cache.key('holding', [{ kind: 'user', id: 'x' }], 'amount')).not.toBe(
      await cache.key('holding', [{ kind: 'vibe', id: 'x' }], 'amount'),
    )
  })
})

describe('tiered cache bounds', () => {
  test('the in-process tier holds at most maxLocalEntries', async () => {
    const cache = createTieredCache({ maxLocalEntries: 2 })
    for (const k of ['a', 'b', 'c']) await cache.set(k, k, 60_000)
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('c')).toBeDefined()
  })
})

describe('tiered cache and the invalidation bus', () => {
  const setup = () => {
    const clock = fakeClock(Date.now())
    let reads = 0
    const store = createMemoryStore({ clock })
    const shared: KeyValueStore = {
      ...store,
      get: (key) => {
        if (key.startsWith('generation:')) reads++
        return store.get(key)
      },
    }
    const bus = fakeBus(() => clock.now())
    const busA = bus.replica()
    const a = createTieredCache({ shared, clock, bus: busA })
    const b = createTieredCache({ shared, clock, bus: bus.replica() })
    return { clock, bus, busA, a, b, generationReads: () => reads }
  }

  test('a purge at one replica is announced and ends the other’s entries at once', async () => {
    const { bus, busA, a, b } = setup()
    bus.live(1)
    await b.set(await b.key('own', [alice], 'x'), { owns: true }, 60_000)
    expect(b.peek('own', [alice], 'x')).toBeDefined()
    await a.purge(alice)
    expect(busA.published).toEqual([{ kind: 'purge', scope: 'user', id: alice.id }])
    expect(b.peek('own', [alice], 'x')).toBeUndefined()
    expect(await b.get(await b.key('own', [alice], 'x'))).toBeUndefined()
  })

  test('a purge whose advance fails is announced all the same, and keeps no copy of the generation', async () => {
    const clock = fakeClock(Date.now())
    const store = createMemoryStore({ clock })
    let fail = false
    let generationReads = 0
    const shared: KeyValueStore = {
      ...store,
      get: (key) => {
        if (key.startsWith('generation:')) generationReads++
        return store.get(key)
      },
      advance: (...args) =>
        fail ? Promise.reject(new Error('redis ADVANCE: no answer')) : store.advance(...args),
    }
    const bus = fakeBus(() => clock.now())
    bus.live(1)
    const busA = bus.replica()
    const a = createTieredCache({ shared, clock, bus: busA })
    await a.key('own', [alice], 'x')
    expect(generationReads).toBe(1)
    fail = true
    await expect(a.purge(alice)).rejects.toThrow('ADVANCE')
    expect(busA.published).toEqual([{ kind: 'purge', scope: 'user', id: alice.id }])
    await a.key('own', [alice], 'x')
    expect(generationReads).toBe(2)
  })

  test('while the bus vouches for it a generation copy is trusted for 30 s, else for 1 s', async () => {
    const { bus, b, clock, generationReads } = setup()
    bus.live(1)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(1)
    clock.advance(29_999)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(1)
    clock.advance(1)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(2)
    bus.live(undefined)
    clock.advance(1000)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(3)
    // Live again: a copy read while it was down lives its 1 s.
    bus.live(2)
    clock.advance(1000)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(4)
    // Live, but silent for the last second: the copy is no longer vouched for.
    bus.heardAt(clock.now())
    clock.advance(999)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(4)
    clock.advance(1)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(5)
    bus.heardAt(undefined)
    clock.advance(1000)
    await b.key('own', [alice], 'x')
    expect(generationReads()).toBe(5)
  })
})
