import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { rateSubject } from '../../src/http/rate-subject.js'
import { createBearerIdentity } from '../../src/identity/bearer-identity.js'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { fakeClock } from '../helpers/fake-clock.js'
import {
  startTestSimulator,
  testClient,
  type SimulatorHarness,
} from '../helpers/simulator-harness.js'
import { TOKENS } from '../helpers/test-fixture.js'

let sim: SimulatorHarness
let client: OurSongClient
beforeAll(async () => {
  sim = await startTestSimulator()
  client = testClient(sim.url)
})
afterAll(async () => {
  await client.close()
  await sim.close()
})

describe('Bearer identity', () => {
  test('a flood of unknown tokens costs at most maxLookupsPerSecond OurSong calls a second', async () => {
    const clock = fakeClock()
    const bearer = createBearerIdentity({
      client,
      cache: createMemoryStore({ clock }),
      clock,
      maxLookupsPerSecond: 5,
    })
    await sim.resetCalls()
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => bearer.resolve(`random-token-${i}-xyz`)),
    )
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(15)
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => (r as PromiseRejectedResult).reason.code === 'rate_limited'),
    ).toBe(true)
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBe(5)
    clock.advance(1000)
    expect(await bearer.resolve(TOKENS.alice)).toMatchObject({ id: 'alice' })
  })

  test('concurrent requests with one new token make one look-up and count once', async () => {
    const clock = fakeClock()
    const bearer = createBearerIdentity({
      client,
      cache: createMemoryStore({ clock }),
      clock,
      maxLookupsPerSecond: 2,
      maxLookupsPerClientPerSecond: 2,
    })
    await sim.resetCalls()
    // A player fetching 200 segments at once on a cold cache.
    const users = await Promise.all(
      Array.from({ length: 200 }, () => bearer.resolve(TOKENS.alice, () => 'fan')),
    )
    expect(users.every((u) => u?.id === 'alice')).toBe(true)
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBe(1)
    // The same second, one more new token still fits the budget of 2.
    expect(await bearer.resolve(TOKENS.bob, () => 'fan')).toMatchObject({ id: 'bob' })
  })

  test("one client's flood of random tokens leaves other clients their look-ups", async () => {
    const clock = fakeClock()
    const bearer = createBearerIdentity({
      client,
      cache: createMemoryStore({ clock }),
      clock,
      maxLookupsPerSecond: 10,
      maxLookupsPerClientPerSecond: 3,
    })
    await sim.resetCalls()
    const flood = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        bearer.resolve(`random-token-${i}-abcdef`, () => '203.0.113.9'),
      ),
    )
    expect(flood.filter((r) => r.status === 'rejected')).toHaveLength(27)
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBe(3)
    // Same second: a fan elsewhere with a new token is looked up.
    expect(await bearer.resolve(TOKENS.alice, () => '198.51.100.7')).toMatchObject({ id: 'alice' })
  })

  test('a flood from several addresses cannot lock out fans whose cached answer expires', async () => {
    const clock = fakeClock()
    const bearer = createBearerIdentity({
      client,
      cache: createMemoryStore({ clock }),
      clock,
      validTtlMs: 60_000,
      maxLookupsPerSecond: 10,
      maxLookupsPerClientPerSecond: 2,
    })
    expect(await bearer.resolve(TOKENS.alice, () => 'fan')).toMatchObject({ id: 'alice' })
    clock.advance(61_000)
    // Five addresses spend the whole global budget of this second.
    await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        bearer.resolve(`random-token-${i}-abcdef`, () => `203.0.113.${i % 5}`),
      ),
    )
    await expect(bearer.resolve(TOKENS.bob, () => 'new-fan')).rejects.toMatchObject({
      code: 'rate_limited',
    })
    // A token OurSong accepted within the hour is looked up again outside the budget.
    expect(await bearer.resolve(TOKENS.alice, () => 'fan')).toMatchObject({ id: 'alice' })
  })

  test('a refused token is remembered: asking again costs no OurSong call', async () => {
    const clock = fakeClock()
    const bearer = createBearerIdentity({
      client,
      cache: createMemoryStore({ clock }),
      clock,
      invalidTtlMs: 10_000,
    })
    await sim.resetCalls()
    for (let i = 0; i < 5; i++) {
      expect(await bearer.resolve('revoked-or-made-up-token', () => 'x')).toBeUndefined()
      clock.advance(1500)
    }
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBe(1)
    clock.advance(10_000)
    expect(await bearer.resolve('revoked-or-made-up-token', () => 'x')).toBeUndefined()
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBe(2)
  })

  describe('refresh-ahead', () => {
    const AUTH_USER = 'GET /api/open-api/auth-user'
    const authUserCallsReach = async (n: number): Promise<number> => {
      for (let i = 0; i < 100 && ((await sim.calls())[AUTH_USER] ?? 0) < n; i++)
        await new Promise((r) => setTimeout(r, 10))
      return (await sim.calls())[AUTH_USER] ?? 0
    }
    const fresh = (refreshAheadMs?: number) => {
      const clock = fakeClock()
      const bearer = createBearerIdentity({
        client,
        cache: createMemoryStore({ clock }),
        clock,
        ...(refreshAheadMs === undefined ? {} : { refreshAheadMs }),
      })
      return { clock, bearer }
    }

    test('a token in use is asked again in its last 5 s, once, and never expires under its requests', async () => {
      const { clock, bearer } = fresh()
      await sim.resetCalls()
      await bearer.resolve(TOKENS.alice)
      clock.advance(54_999)
      expect(bearer.peek(TOKENS.alice)).toMatchObject({ id: 'alice' })
      await new Promise((r) => setTimeout(r, 50))
      expect((await sim.calls())[AUTH_USER]).toBe(1)
      clock.advance(1)
      for (let i = 0; i < 20; i++) expect(bearer.peek(TOKENS.alice)).toMatchObject({ id: 'alice' })
      expect(await authUserCallsReach(2)).toBe(2)
      // Past the first answer's expiry, the refreshed one answers from memory.
      clock.advance(5_001)
      expect(bearer.peek(TOKENS.alice)).toMatchObject({ id: 'alice' })
      await new Promise((r) => setTimeout(r, 50))
      expect((await sim.calls())[AUTH_USER]).toBe(2)
    })

    test('a token OurSong refuses at the refresh is refused at once', async () => {
      const { clock, bearer } = fresh()
      await sim.resetCalls()
      await bearer.resolve(TOKENS.bob)
      await sim.fault({ path: '/api/open-api/auth-user', status: 401, times: 1 })
      try {
        clock.advance(56_000)
        expect(bearer.peek(TOKENS.bob)).toMatchObject({ id: 'bob' })
        await authUserCallsReach(2)
        await new Promise((r) => setTimeout(r, 20))
        expect(bearer.peek(TOKENS.bob)).toBeUndefined()
      } finally {
        await sim.clearFaults()
      }
    })

    test('0 turns it off', async () => {
      const { clock, bearer } = fresh(0)
      await sim.resetCalls()
      await bearer.resolve(TOKENS.carol)
      clock.advance(59_000)
      expect(bearer.peek(TOKENS.carol)).toMatchObject({ id: 'carol' })
      await new Promise((r) => setTimeout(r, 100))
      expect((await sim.calls())[AUTH_USER]).toBe(1)
    })
  })

  test('implausible tokens are refused without asking OurSong', async () => {
    const bearer = createBearerIdentity({ client, cache: createMemoryStore() })
    await sim.resetCalls()
    expect(await bearer.resolve('short')).toBeUndefined()
    expect(await bearer.resolve('x'.repeat(5000))).toBeUndefined()
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBeUndefined()
  })
})

describe('rate-limit subjects', () => {
  test.each([
    ['203.0.113.5', '203.0.113.5'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:1:2:3', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::ffff:203.0.113.5', '::ffff:203.0.113.5'],
  ])('%s counts as %s', (address, subject) => {
    expect(rateSubject(address)).toBe(subject)
  })
})
