import { afterAll, beforeEach, describe, expect, test } from '@jest/globals'
import { createSealer } from '../../src/identity/sealer.js'
import {
  createSessionStore,
  type SessionStore,
  type SessionUser,
} from '../../src/identity/session-store.js'
import type { KeyValueStore } from '../../src/store/key-value-store.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { storeKey } from '../../src/store/store-key.js'
import { NOT_NOW } from '../../src/util/not-now.js'
import { fakeBus, type FakeBus } from '../helpers/fake-bus.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'

const SECRET = 'a-session-secret-of-at-least-32-chars!!'
const USER: SessionUser = {
  uuid: 'u-1',
  id: 'alice',
  username: 'alice',
  name: 'Alice',
  wallet: null,
}
const HOUR = 3_600_000

const hasRedis = await redisAvailable()
const redisPrefix = testPrefix()
const opened: KeyValueStore[] = []
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
  await redisPrefix.cleanup()
})

const backends: [string, (clock: FakeClock) => KeyValueStore][] = [
  ['memory', (clock) => createMemoryStore({ clock })],
]
if (hasRedis)
  backends.push(['redis', () => createRedisStore({ url: REDIS_URL, prefix: redisPrefix.prefix })])

describe.each(backends)('session store on %s', (_name, makeStore) => {
  let clock: FakeClock
  let kv: KeyValueStore
  let sessions: SessionStore
  beforeEach(() => {
    clock = fakeClock(Date.now())
    kv = makeStore(clock)
    opened.push(kv)
    sessions = createSessionStore({
      store: kv,
      sealer: createSealer(SECRET, 'session'),
      clock,
      idleTtlMs: 2 * HOUR,
      absoluteTtlMs: 24 * HOUR,
    })
  })

  test('a created session is found by its id, with user, kind and token', async () => {
    const created = await sessions.create({
      user: USER,
      kind: 'oauth',
      accessToken: 'oursong-token',
    })
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await sessions.get(created.id)).toMatchObject({
      user: USER,
      kind: 'oauth',
      accessToken: 'oursong-token',
      expiresAt: clock.now() + 24 * HOUR,
    })
  })

  test('every sign-in gets a new, unguessable id', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++)
      ids.add((await sessions.create({ user: USER, kind: 'wallet', accessToken: 't' })).id)
    expect(ids.size).toBe(20)
  })

  test('idle expiry: unused for the idle timeout, the session ends', async () => {
    const { id } = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    clock.advance(2 * HOUR - 1)
    expect(await sessions.get(id)).toBeDefined()
    clock.advance(2 * HOUR)
    expect(await sessions.get(id)).toBeUndefined()
  })

  test('use slides the idle expiry, but never past the absolute one', async () => {
    const { id } = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    for (let h = 0; h < 23; h++) {
      clock.advance(HOUR)
      expect(await sessions.get(id)).toBeDefined()
    }
    clock.advance(HOUR)
    expect(await sessions.get(id)).toBeUndefined()
  })

  test('destroy ends the session', async () => {
    const { id } = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    await sessions.destroy(id)
    expect(await sessions.get(id)).toBeUndefined()
  })

  test.each([
    ['', 'empty'],
    ['x'.repeat(43), 'unknown'],
    ['../etc/passwd', 'malformed'],
    ['a'.repeat(44), 'too long'],
  ])('an id that is %j (%s) finds nothing', async (id) => {
    expect(await sessions.get(id)).toBeUndefined()
  })

  test('validatedAt starts at sign-in; markValidated records a later one for every replica', async () => {
    const created = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    expect(created.validatedAt).toBe(clock.now())
    const replica = createSessionStore({
      store: kv,
      sealer: createSealer(SECRET, 'session'),
      clock,
      localCacheMs: 5000,
    })
    expect((await replica.get(created.id))?.validatedAt).toBe(created.validatedAt)
    clock.advance(HOUR)
    const updated = await sessions.markValidated(created, clock.now())
    expect(updated).toMatchObject({ id: created.id, user: USER, validatedAt: clock.now() })
    expect((await sessions.get(created.id))?.validatedAt).toBe(clock.now())
    // The replica's own copy is older (expired by now); `fresh` always reads the store.
    expect((await replica.get(created.id, { fresh: true }))?.validatedAt).toBe(clock.now())
  })

  test('fresh skips the replica’s own copy', async () => {
    const created = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    const replica = createSessionStore({
      store: kv,
      sealer: createSealer(SECRET, 'session'),
      clock,
      localCacheMs: 5000,
    })
    await replica.get(created.id)
    clock.advance(1000)
    await sessions.markValidated(created, clock.now())
    expect((await replica.get(created.id))?.validatedAt).toBe(created.validatedAt)
    expect((await replica.get(created.id, { fresh: true }))?.validatedAt).toBe(clock.now())
  })

  test('markValidated does not bring an ended session back', async () => {
    const created = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    await sessions.destroy(created.id)
    expect(await sessions.markValidated(created, clock.now())).toBeUndefined()
    expect(await sessions.get(created.id)).toBeUndefined()
  })

  test.each(['markValidated', 'an idle-expiry touch'])(
    'a logout landing between the read and the write of %s stands',
    async (path) => {
      // A store whose reads of the session wait until the test lets them go.
      let release: () => void = () => undefined
      let reading: () => void = () => undefined
      const readStarted = new Promise<void>((resolve) => (reading = resolve))
      const gate = new Promise<void>((resolve) => (release = resolve))
      let hold = true
      const slow: KeyValueStore = {
        ...kv,
        get: async (key) => {
          const value = await kv.get(key)
          if (hold && key.includes('session')) {
            reading()
            await gate
          }
          return value
        },
      }
      const racing = createSessionStore({
        store: slow,
        sealer: createSealer(SECRET, 'session'),
        clock,
        idleTtlMs: 2 * HOUR,
        absoluteTtlMs: 24 * HOUR,
      })
      hold = false
      const created = await racing.create({ user: USER, kind: 'oauth', accessToken: 't' })
      // Far enough on that a read writes the session back (touch) or revalidates it.
      clock.advance(HOUR)
      hold = true
      const pending =
        path === 'markValidated'
          ? racing.markValidated(created, clock.now())
          : racing.get(created.id)
      await readStarted
      await kv.delete(storeKey('session', created.id))
      release()
      expect(await pending).toBeUndefined()
      hold = false
      expect(await kv.get(storeKey('session', created.id))).toBeUndefined()
    },
  )

  test('a record from before validatedAt existed counts its sign-in as its validation', async () => {
    const created = await sessions.create({ user: USER, kind: 'oauth', accessToken: 't' })
    const key = storeKey('session', created.id)
    const { id: _id, validatedAt: _v, ...old } = created
    await kv.set(key, createSealer(SECRET, 'session').seal(JSON.stringify(old), key), HOUR)
    expect((await sessions.get(created.id))?.validatedAt).toBe(created.createdAt)
  })

  test('records are sealed: the token is not readable in the store, and another secret opens nothing', async () => {
    const { id } = await sessions.create({
      user: USER,
      kind: 'oauth',
      accessToken: 'very-secret-oursong-token',
    })
    const raw = await kv.get(storeKey('session', id))
    expect(raw).toBeDefined()
    expect(raw).not.toContain('very-secret')
    expect(raw).not.toContain('alice')
    const other = createSessionStore({
      store: kv,
      sealer: createSealer(`${SECRET}-other`, 'session'),
      clock,
    })
    expect(await other.get(id)).toBeUndefined()
    expect(await sessions.get(id)).toBeDefined()
  })
})

describe('sealer', () => {
  const sealer = createSealer(SECRET, 'session')
  test('opens what it sealed, for the same context only', () => {
    const box = sealer.seal('hello', 'ctx-1')
    expect(box).not.toContain('hello')
    expect(sealer.open(box, 'ctx-1')).toBe('hello')
    expect(sealer.open(box, 'ctx-2')).toBeUndefined()
  })
  test('a flipped bit is refused', () => {
    const box = Buffer.from(sealer.seal('hello', 'c'), 'base64url')
    box[box.length - 20]! ^= 1
    expect(sealer.open(box.toString('base64url'), 'c')).toBeUndefined()
  })
  test('another purpose derives another key', () => {
    expect(createSealer(SECRET, 'other').open(sealer.seal('x', 'c'), 'c')).toBeUndefined()
  })
  test('a short secret is a TypeError', () => {
    expect(() => createSealer('short', 'session')).toThrow(TypeError)
  })
})

describe('session copies and the invalidation bus', () => {
  let clock: FakeClock
  let kv: KeyValueStore
  beforeEach(() => {
    clock = fakeClock(Date.now())
    kv = createMemoryStore({ clock })
  })
  const replica = (bus: ReturnType<FakeBus['replica']>, store: KeyValueStore = kv): SessionStore =>
    createSessionStore({
      store,
      sealer: createSealer(SECRET, 'session'),
      clock,
      localCacheMs: 5000,
      bus,
    })
  /** Reads of the store, counted: a copy answers without one. */
  const counting = (): { store: KeyValueStore; reads: () => number } => {
    let n = 0
    return {
      store: {
        ...kv,
        get: (key) => {
          n++
          return kv.get(key)
        },
      },
      reads: () => n,
    }
  }

  test('a logout at one replica drops the copy at another at once, and is announced by its hashed key', async () => {
    const bus = fakeBus(() => clock.now())
    bus.live(1)
    const [busA, busB] = [bus.replica(), bus.replica()]
    const a = replica(busA)
    const b = replica(busB)
    const created = await a.create({ user: USER, kind: 'oauth', accessToken: 't' })
    expect(await b.get(created.id)).toBeDefined()
    expect(b.peek(created.id)).toMatchObject({ id: created.id })
    await a.destroy(created.id)
    expect(busA.published).toEqual([{ kind: 'session', key: storeKey('session', created.id) }])
    expect(JSON.stringify(busA.published)).not.toContain(created.id)
    expect(b.peek(created.id)).toBe(NOT_NOW)
    expect(await b.get(created.id)).toBeUndefined()
  })

  test('a logout whose delete fails (it may have run all the same) is announced all the same', async () => {
    const bus = fakeBus(() => clock.now())
    const busA = bus.replica()
    const failing: KeyValueStore = {
      ...kv,
      delete: () => Promise.reject(new Error('redis DEL: no answer within 1000 ms')),
    }
    const a = replica(busA, failing)
    const created = await a.create({ user: USER, kind: 'oauth', accessToken: 't' })
    await expect(a.destroy(created.id)).rejects.toThrow('DEL')
    expect(busA.published).toEqual([{ kind: 'session', key: storeKey('session', created.id) }])
  })

  test('while the bus vouches for a copy it answers for 30 s, else for 5 s', async () => {
    const bus = fakeBus(() => clock.now())
    bus.live(1)
    const { store, reads } = counting()
    const b = replica(bus.replica(), store)
    const created = await replica(bus.replica()).create({
      user: USER,
      kind: 'oauth',
      accessToken: 't',
    })
    await b.get(created.id)
    expect(reads()).toBe(1)
    clock.advance(29_000)
    await b.get(created.id)
    expect(reads()).toBe(1)
    clock.advance(1000)
    await b.get(created.id)
    expect(reads()).toBe(2)
    // Down: the copy made 0 s ago lives its 5 s, no longer.
    bus.live(undefined)
    clock.advance(4999)
    await b.get(created.id)
    expect(reads()).toBe(2)
    clock.advance(1)
    await b.get(created.id)
    expect(reads()).toBe(3)
    // Live again, in a new epoch: a notice about the copy (read while down) may be lost.
    bus.live(2)
    clock.advance(5000)
    await b.get(created.id)
    expect(reads()).toBe(4)
    // Read in epoch 2; the bus has been silent for 5 s: had it been cut off, polling
    // would have read the session again by now.
    bus.heardAt(clock.now())
    clock.advance(5000)
    await b.get(created.id)
    expect(reads()).toBe(5)
  })

  test('a read that overlapped another replica’s logout keeps no copy; one that overlapped another session’s does', async () => {
    const bus = fakeBus(() => clock.now())
    bus.live(1)
    const busB = bus.replica()
    const a = replica(bus.replica())
    const created = await a.create({ user: USER, kind: 'oauth', accessToken: 't' })
    const other = await a.create({ user: USER, kind: 'oauth', accessToken: 't' })
    // B's read is answered before the logout, and the notice arrives before the answer.
    let announce: () => Promise<void> = async () => undefined
    const slow: KeyValueStore = {
      ...kv,
      get: async (key) => {
        const value = await kv.get(key)
        await announce()
        return value
      },
    }
    const b = replica(busB, slow)
    const during = (id: string): void => {
      announce = async () => {
        announce = async () => undefined
        await a.destroy(id)
      }
    }
    during(other.id)
    const third = await a.create({ user: USER, kind: 'oauth', accessToken: 't' })
    expect(await b.get(third.id)).toBeDefined()
    expect(b.peek(third.id)).toMatchObject({ id: third.id })
    during(created.id)
    expect(await b.get(created.id)).toBeDefined()
    expect(b.peek(created.id)).toBe(NOT_NOW)
    expect(await b.get(created.id)).toBeUndefined()
  })
})
