import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { rateSubject } from '../../src/http/auth-router.js'
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
