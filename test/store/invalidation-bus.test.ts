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
  const bus = (epoch: number | undefined, confirmedAt = Infinity) => ({
    liveEpoch: () => epoch,
    confirmedAt: () => (confirmedAt === Infinity ? now : confirmedAt),
  })
  let now = 0
  const trusts = (b: ReturnType<typeof bus> | undefined, epoch: number | undefined, at: number) => {
    now = at
    return trustsCopy(b, { at: 1000, epoch }, at, 5000, 30_000)
  }
  test('a copy is trusted for the short time, whatever the bus', () => {
    expect(trusts(undefined, undefined, 5999)).toBe(true)
    expect(trusts(bus(undefined), undefined, 5999)).toBe(true)
    expect(trusts(undefined, undefined, 6000)).toBe(false)
  })
  test('past it, only while the bus is live in the epoch of the copy, and heard from lately, up to the long time', () => {
    expect(trusts(bus(3), 3, 30_999)).toBe(true)
    expect(trusts(bus(3), 3, 31_000)).toBe(false)
    // Another epoch: a notice about the copy may have been missed.
    expect(trusts(bus(4), 3, 6000)).toBe(false)
    expect(trusts(bus(undefined), 3, 6000)).toBe(false)
    // Read while the bus was down.
    expect(trusts(bus(3), undefined, 6000)).toBe(false)
    // Its last ping came back 5 s ago or more: had it been cut off then, polling would
    // already have read the copy again.
    expect(trusts(bus(3, 20_000), 3, 24_999)).toBe(true)
    expect(trusts(bus(3, 20_000), 3, 25_000)).toBe(false)
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
      if ('liveEpoch' in x) await x.close()
      else x.disconnect()
  })
  afterAll(() => cleanup())

  test('a notice reaches the other gates, not the one that sent it; it is live once its own ping came back', async () => {
    const a = bus()
    const b = bus()
    await until(3000, () => a.liveEpoch() !== undefined && b.liveEpoch() !== undefined)
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
    await until(3000, () => b.liveEpoch() !== undefined)
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

  test('a dropped subscriber connection makes the bus not live at once; it is live again, in a new epoch, after it subscribed again', async () => {
    const b = bus()
    await until(3000, () => b.liveEpoch() !== undefined)
    const first = b.liveEpoch()!
    const admin = redis()
    const list = await admin.client('LIST')
    const ids = String(list)
      .split('\n')
      .filter((line) => line.includes(` name=${prefix}bus `))
      .map((line) => /(?:^| )id=(\d+)/.exec(line)![1]!)
    expect(ids).toHaveLength(1)
    await admin.client('KILL', 'ID', ids[0]!)
    await until(1000, () => b.liveEpoch() === undefined)
    await until(5000, () => b.liveEpoch() !== undefined)
    expect(b.liveEpoch()!).toBeGreaterThan(first)
  })

  test('closing stops it: not live, and nothing heard after', async () => {
    const a = bus()
    const b = bus()
    await until(3000, () => a.liveEpoch() !== undefined && b.liveEpoch() !== undefined)
    const heard: Notice[] = []
    b.on('keys', (n) => heard.push(n))
    await b.close()
    expect(b.liveEpoch()).toBeUndefined()
    a.publish({ kind: 'keys' })
    await new Promise((r) => setTimeout(r, 200))
    expect(heard).toEqual([])
  })
})
