import { afterAll, afterEach, describe, expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import {
  createInvalidationBus,
  trustsCopy,
  type InvalidationBus,
  type Notice,
} from '../../src/store/invalidation-bus.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'

// The bus on the shared Redis, under a channel of this run's own (its prefix): never
// touching another run's keys, channels or connections.

const hasRedis = await redisAvailable()
const withRedis = hasRedis ? describe : describe.skip

/** Waits until `check` holds, up to `ms`. */
async function until(ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('trustsCopy', () => {
  const live = (since: number | undefined) => ({ liveSince: () => since })
  test('a copy is trusted for the short time, whatever the bus', () => {
    expect(trustsCopy(undefined, 1000, 5999, 5000, 30_000)).toBe(true)
    expect(trustsCopy(live(undefined), 1000, 5999, 5000, 30_000)).toBe(true)
    expect(trustsCopy(undefined, 1000, 6000, 5000, 30_000)).toBe(false)
  })
  test('past it, only while the bus has been live since before the copy, up to the long time', () => {
    expect(trustsCopy(live(1000), 1000, 30_999, 5000, 30_000)).toBe(true)
    expect(trustsCopy(live(500), 1000, 20_000, 5000, 30_000)).toBe(true)
    expect(trustsCopy(live(1000), 1000, 31_000, 5000, 30_000)).toBe(false)
    // Live again since after the copy: a notice about it may have been missed.
    expect(trustsCopy(live(1001), 1000, 6000, 5000, 30_000)).toBe(false)
    expect(trustsCopy(live(undefined), 1000, 6000, 5000, 30_000)).toBe(false)
  })
})

withRedis('the invalidation bus on one Redis', () => {
  const { prefix, cleanup } = testPrefix()
  const opened: (InvalidationBus | Redis)[] = []
  const redis = (): Redis => {
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    opened.push(client)
    return client
  }
  const bus = (heartbeatMs = 100): InvalidationBus => {
    const b = createInvalidationBus({ redis: redis(), prefix, heartbeatMs })
    opened.unshift(b)
    return b
  }
  afterEach(async () => {
    for (const x of opened.splice(0))
      if ('liveSince' in x) await x.close()
      else x.disconnect()
  })
  afterAll(() => cleanup())

  test('a notice reaches the other gates, not the one that sent it; it is live once its own ping came back', async () => {
    const a = bus()
    const b = bus()
    await until(3000, () => a.liveSince() !== undefined && b.liveSince() !== undefined)
    const heardA: Notice[] = []
    const heardB: Notice[] = []
    a.on('session', (n) => heardA.push(n))
    b.on('session', (n) => heardB.push(n))
    b.on('purge', (n) => heardB.push(n))
    const started = Date.now()
    a.publish({ kind: 'session', key: 'session:abc' })
    a.publish({ kind: 'purge', scope: 'user', id: 'u-1' })
    await until(1000, () => heardB.length === 2)
    expect(Date.now() - started).toBeLessThan(200)
    expect(heardB).toEqual([
      { kind: 'session', key: 'session:abc' },
      { kind: 'purge', scope: 'user', id: 'u-1' },
    ])
    await new Promise((r) => setTimeout(r, 100))
    expect(heardA).toEqual([])
  })

  test('malformed, oversized and unknown messages on the channel are ignored', async () => {
    const b = bus()
    await until(3000, () => b.liveSince() !== undefined)
    const heard: Notice[] = []
    for (const kind of ['session', 'purge', 'passes', 'rules', 'keys'] as const)
      b.on(kind, (n) => heard.push(n))
    const raw = redis()
    const channel = `${prefix}{bus}:invalidate`
    for (const text of [
      'not json',
      'null',
      '"a string"',
      JSON.stringify({ kind: 'session', from: 'x' }),
      JSON.stringify({ kind: 'session', key: 7, from: 'x' }),
      JSON.stringify({ kind: 'purge', scope: 'admin', id: 'u', from: 'x' }),
      JSON.stringify({ kind: 'rules', hash: '', from: 'x' }),
      JSON.stringify({ kind: 'grant', user: 'u', from: 'x' }),
      JSON.stringify({ kind: 'session', key: 'k'.repeat(2000), from: 'x' }),
    ])
      await raw.publish(channel, text)
    await raw.publish(channel, JSON.stringify({ kind: 'keys', from: 'x' }))
    await until(1000, () => heard.length > 0)
    expect(heard).toEqual([{ kind: 'keys' }])
  })

  test('a dropped subscriber connection makes the bus not live at once; it is live again, since a later moment, after it resubscribed', async () => {
    const b = bus()
    await until(3000, () => b.liveSince() !== undefined)
    const first = b.liveSince()!
    const admin = redis()
    const list = await admin.client('LIST')
    const ids = String(list)
      .split('\n')
      .filter((line) => line.includes(` name=${prefix}bus `))
      .map((line) => /(?:^| )id=(\d+)/.exec(line)![1]!)
    expect(ids).toHaveLength(1)
    await admin.client('KILL', 'ID', ids[0]!)
    await until(1000, () => b.liveSince() === undefined)
    await until(5000, () => b.liveSince() !== undefined)
    expect(b.liveSince()!).toBeGreaterThan(first)
  })

  test('closing stops it: not live, and nothing heard after', async () => {
    const a = bus()
    const b = bus()
    await until(3000, () => a.liveSince() !== undefined && b.liveSince() !== undefined)
    const heard: Notice[] = []
    b.on('keys', (n) => heard.push(n))
    await b.close()
    expect(b.liveSince()).toBeUndefined()
    a.publish({ kind: 'keys' })
    await new Promise((r) => setTimeout(r, 200))
    expect(heard).toEqual([])
  })
})
