import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import { createCircuitBreaker } from '../../src/ownership/circuit-breaker.js'
import {
  createOwnershipChecker,
  type OwnershipOptions,
  type Owner,
} from '../../src/ownership/ownership-checker.js'
import { createTieredCache } from '../../src/ownership/tiered-cache.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { evaluateRequirement } from '../../src/rules/requirement.js'
import { NOT_NOW } from '../../src/util/not-now.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'
import {
  startTestSimulator,
  testClient,
  type SimulatorHarness,
} from '../helpers/simulator-harness.js'
import { TOKENS } from '../helpers/test-fixture.js'

const OWN = '/api/open-api/auth-user/own-this-vibe'
const OWN_CALL = `GET ${OWN}`

let sim: SimulatorHarness
let client: OurSongClient
const owners: Record<'alice' | 'bob' | 'carol', Owner> = {} as Record<
  'alice' | 'bob' | 'carol',
  Owner
>

beforeAll(async () => {
  sim = await startTestSimulator()
  client = testClient(sim.url, { timeoutMs: 300, retryBaseDelayMs: 1, retryMaxDelayMs: 2 })
  for (const name of ['alice', 'bob', 'carol'] as const) {
    owners[name] = { uuid: (await client.authUser(TOKENS[name])).uuid, accessToken: TOKENS[name] }
  }
})
afterEach(async () => {
  await sim.clearFaults()
  await sim.resetCalls()
})
afterAll(async () => {
  await client.close()
  await sim.close()
})

function checker(overrides: Partial<OwnershipOptions> = {}): {
  clock: FakeClock
  ownership: ReturnType<typeof createOwnershipChecker>
} {
  const clock = fakeClock(Date.now())
  return {
    clock,
    ownership: createOwnershipChecker({
      client,
      cache: createTieredCache({ clock }),
      clock,
      ...overrides,
    }),
  }
}

const requirementOf = (yaml: string) =>
  parseRules(
    `version: 1\nrules:\n  - { id: r, match: { paths: [/x] }, require: ${yaml} }\n`,
    'r.yaml',
  ).rules.rules[0]!.requirement!

describe('ownership checker', () => {
  test('a removed holding keeps granting until the owned TTL passes, then stops', async () => {
    await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [1] })
    const { clock, ownership } = checker()
    expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
    await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [] })
    clock.advance(59_999)
    expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
    clock.advance(1)
    expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(0)
    expect((await sim.calls())[OWN_CALL]).toBe(2)
  })

  describe('refresh-ahead', () => {
    // alice holds nothing of xdwbppyw in the fixture; later tests rely on it.
    afterEach(() => sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [] }))

    /** Waits until the simulator has seen `n` own-this-vibe calls (a background refresh). */
    const ownCallsReach = async (n: number): Promise<number> => {
      for (let i = 0; i < 100 && ((await sim.calls())[OWN_CALL] ?? 0) < n; i++)
        await new Promise((r) => setTimeout(r, 10))
      return (await sim.calls())[OWN_CALL] ?? 0
    }

    test('a holding in use is asked again in its last 5 s, once, so its requests never wait for OurSong', async () => {
      await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [1] })
      const { clock, ownership } = checker()
      const requirement = requirementOf('{ vibe: xdwbppyw }')
      expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
      clock.advance(54_999)
      expect(ownership.snapshotNow(owners.alice, requirement)).not.toBe(NOT_NOW)
      await new Promise((r) => setTimeout(r, 50))
      expect((await sim.calls())[OWN_CALL]).toBe(1)
      // 5 s before the expiry: served from the cache, and refreshed once in the background.
      clock.advance(1)
      for (let i = 0; i < 20; i++)
        expect(ownership.snapshotNow(owners.alice, requirement)).not.toBe(NOT_NOW)
      expect(await ownCallsReach(2)).toBe(2)
      // Past the first answer's expiry: the refreshed answer is in memory, no waiting.
      clock.advance(5_001)
      const snapshot = ownership.snapshotNow(owners.alice, requirement)
      expect(snapshot).not.toBe(NOT_NOW)
      await new Promise((r) => setTimeout(r, 50))
      expect((await sim.calls())[OWN_CALL]).toBe(2)
    })

    test('a refresh that finds the holding gone revokes at once, never later than the TTL', async () => {
      await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [1] })
      const { clock, ownership } = checker()
      await ownership.holding(owners.alice, 'xdwbppyw', 'amount')
      await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [] })
      clock.advance(56_000)
      expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
      await ownCallsReach(2)
      await new Promise((r) => setTimeout(r, 20))
      expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(0)
    })

    test('a failed refresh keeps the cached answer until its expiry; then the request asks', async () => {
      await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [1] })
      const { clock, ownership } = checker()
      await ownership.holding(owners.alice, 'xdwbppyw', 'amount')
      await sim.fault({ path: OWN, status: 503 })
      clock.advance(57_000)
      expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
      await ownCallsReach(2)
      await new Promise((r) => setTimeout(r, 20))
      expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
      await sim.clearFaults()
      clock.advance(3_000)
      expect((await ownership.holding(owners.alice, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
      expect((await sim.calls())[OWN_CALL]).toBeGreaterThanOrEqual(3)
    })

    test('a replica finds another one’s refresh in the shared tier and does not ask again', async () => {
      await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [1] })
      const clock = fakeClock(Date.now())
      const shared = createMemoryStore({ clock })
      const replica = () =>
        createOwnershipChecker({ client, cache: createTieredCache({ clock, shared }), clock })
      const [a, b] = [replica(), replica()]
      await a.holding(owners.alice, 'xdwbppyw', 'amount')
      await b.holding(owners.alice, 'xdwbppyw', 'amount')
      expect((await sim.calls())[OWN_CALL]).toBe(1)
      clock.advance(56_000)
      await a.holding(owners.alice, 'xdwbppyw', 'amount')
      expect(await ownCallsReach(2)).toBe(2)
      await new Promise((r) => setTimeout(r, 20))
      await b.holding(owners.alice, 'xdwbppyw', 'amount')
      await new Promise((r) => setTimeout(r, 100))
      expect((await sim.calls())[OWN_CALL]).toBe(2)
    })

    test('0 turns it off: the cached answer simply expires', async () => {
      await sim.setHolding({ user: 'alice', vibe: 'xdwbppyw', token_ids: [1] })
      const { clock, ownership } = checker({ refreshAheadMs: 0 })
      await ownership.holding(owners.alice, 'xdwbppyw', 'amount')
      clock.advance(59_000)
      await ownership.holding(owners.alice, 'xdwbppyw', 'amount')
      await new Promise((r) => setTimeout(r, 100))
      expect((await sim.calls())[OWN_CALL]).toBe(1)
    })
  })

  test('a not-owned answer is kept only for the shorter not-owned TTL', async () => {
    const { clock, ownership } = checker()
    expect((await ownership.holding(owners.carol, 'xdwbppyw', 'amount')).owned_amount).toBe(0)
    await sim.setHolding({ user: 'carol', vibe: 'xdwbppyw', token_ids: [2] })
    clock.advance(14_999)
    expect((await ownership.holding(owners.carol, 'xdwbppyw', 'amount')).owned_amount).toBe(0)
    clock.advance(1)
    expect((await ownership.holding(owners.carol, 'xdwbppyw', 'amount')).owned_amount).toBe(1)
    await sim.setHolding({ user: 'carol', vibe: 'xdwbppyw', token_ids: [] })
  })

  test('200 concurrent cold lookups make exactly one own-this-vibe call', async () => {
    const { ownership } = checker()
    await sim.fault({ path: OWN, delay_ms: 50 })
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => ownership.holding(owners.alice, 'nxwyqqow', 'amount')),
    )
    expect(new Set(answers.map((a) => a.owned_amount))).toEqual(new Set([2]))
    expect((await sim.calls())[OWN_CALL]).toBe(1)
  })

  test.each([
    ['a 500', { status: 500 }],
    ['a timeout', { delay_ms: 1000 }],
    ['a malformed body', { status: 200, body: '{"status":"success","owned_amount":"2"' }],
    ['a body of the wrong shape', { status: 200, body: { status: 'success', owned_amount: -1 } }],
  ])('%s is an error, and nothing is cached', async (_name, fault) => {
    const { ownership } = checker()
    await sim.fault({ path: OWN, ...fault })
    await expect(ownership.holding(owners.alice, 'nxwyqqow', 'amount')).rejects.toMatchObject({
      code: expect.stringMatching(/^oursong_/),
    })
    await sim.clearFaults()
    await sim.resetCalls()
    expect((await ownership.holding(owners.alice, 'nxwyqqow', 'amount')).owned_amount).toBe(2)
    expect((await sim.calls())[OWN_CALL]).toBe(1)
  })

  test('token ids come from every page when they matter', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => i + 1)
    await sim.setHolding({ user: 'carol', vibe: 'bigset', token_ids: ids })
    const { ownership } = checker()
    const amountOnly = await ownership.holding(owners.carol, 'bigset', 'amount')
    expect(amountOnly.owned_amount).toBe(250)
    expect((await sim.calls())[OWN_CALL]).toBe(1)
    const all = await ownership.holding(owners.carol, 'bigset', 'ids')
    expect(all.token_ids).toEqual(ids)
    expect((await sim.calls())[OWN_CALL]).toBe(4)
    await sim.setHolding({
      user: 'carol',
      vibe: 'bigset',
      token_ids: Array.from({ length: 45 }, (_, i) => i + 1),
    })
  })

  test('a circuit breaker stops calling a failing upstream, then tries again after its cooldown', async () => {
    const clock = fakeClock(Date.now())
    const breaker = createCircuitBreaker({ failureThreshold: 2, cooldownMs: 10_000, clock })
    const ownership = createOwnershipChecker({
      client,
      cache: createTieredCache({ clock }),
      clock,
      breaker,
    })
    await sim.fault({ path: OWN, status: 503 })
    for (let i = 0; i < 2; i++)
      await expect(ownership.holding(owners.alice, 'nxwyqqow', 'amount')).rejects.toBeDefined()
    const before = (await sim.calls())[OWN_CALL]
    await expect(ownership.holding(owners.alice, 'nxwyqqow', 'amount')).rejects.toMatchObject({
      code: 'oursong_unavailable',
      message: expect.stringContaining('circuit open'),
    })
    expect((await sim.calls())[OWN_CALL]).toBe(before)
    expect(breaker.state()).toBe('open')
    await sim.clearFaults()
    clock.advance(10_000)
    expect((await ownership.holding(owners.alice, 'nxwyqqow', 'amount')).owned_amount).toBe(2)
    expect(breaker.state()).toBe('closed')
  })

  test('stale-if-error extends only an owned answer, only within its window', async () => {
    const { clock, ownership } = checker({ staleIfErrorMs: 30_000 })
    expect((await ownership.holding(owners.alice, 'nxwyqqow', 'amount')).owned_amount).toBe(2)
    expect((await ownership.holding(owners.carol, 'nxwyqqow', 'amount')).owned_amount).toBe(0)
    clock.advance(60_000 + 10_000)
    await sim.fault({ path: OWN, status: 500 })
    expect((await ownership.holding(owners.alice, 'nxwyqqow', 'amount')).owned_amount).toBe(2)
    await expect(ownership.holding(owners.carol, 'nxwyqqow', 'amount')).rejects.toBeDefined()
    clock.advance(25_000)
    await expect(ownership.holding(owners.alice, 'nxwyqqow', 'amount')).rejects.toBeDefined()
  })

  test('without stale-if-error, an expired owned answer is not served when OurSong fails', async () => {
    const { clock, ownership } = checker()
    await ownership.holding(owners.alice, 'nxwyqqow', 'amount')
    clock.advance(60_000)
    await sim.fault({ path: OWN, status: 500 })
    await expect(ownership.holding(owners.alice, 'nxwyqqow', 'amount')).rejects.toBeDefined()
  })

  test('purging a user or a vibe forces a fresh answer', async () => {
    const { ownership } = checker()
    await ownership.holding(owners.alice, 'nxwyqqow', 'amount')
    await ownership.purgeUser(owners.alice.uuid)
    await ownership.holding(owners.alice, 'nxwyqqow', 'amount')
    await ownership.purgeVibe('nxwyqqow')
    await ownership.holding(owners.alice, 'nxwyqqow', 'amount')
    await ownership.holding(owners.alice, 'nxwyqqow', 'amount')
    expect((await sim.calls())[OWN_CALL]).toBe(3)
  })

  test('an unknown vibe is not owned', async () => {
    const { ownership } = checker()
    expect(await ownership.holding(owners.alice, 'zzzzzzzz', 'amount')).toEqual({
      id: 'zzzzzzzz',
      owned_amount: 0,
      token_ids: [],
    })
  })

  test('an invalid access token is an error, not "not owned"', async () => {
    const { ownership } = checker()
    await expect(
      ownership.holding({ uuid: 'x', accessToken: 'revoked-token-1234' }, 'nxwyqqow', 'amount'),
    ).rejects.toMatchObject({
      code: 'oursong_unauthorized',
    })
  })
})

describe('snapshots for requirements', () => {
  test.each([
    ['alice', '{ vibe: nxwyqqow, token_ids: ["2-4"] }', true],
    ['alice', '{ vibe: nxwyqqow, token_ids: ["3-4"] }', false],
    ['bob', '{ vibe: xdrbpvjr, min_amount: 3 }', true],
    ['bob', '{ issuer: queen }', true],
    ['carol', '{ issuer: queen }', true],
    ['alice', '{ issuer: queen }', false],
    ['alice', '{ issuer: coldplay }', true],
    ['alice', '{ all: [ { vibe: nxwyqqow }, { issuer: coldplay } ] }', true],
    ['carol', '{ any: [ { vibe: nxwyqqow }, { vibe: bigset, token_ids: [45] } ] }', true],
  ] as const)('%s with %s -> %s', async (who, yaml, allowed) => {
    const { ownership } = checker()
    const requirement = requirementOf(yaml)
    expect(
      evaluateRequirement(requirement, await ownership.snapshot(owners[who], requirement)).allowed,
    ).toBe(allowed)
  })

  test('an issuer’s vibes are looked up once and cached', async () => {
    const { ownership } = checker()
    const requirement = requirementOf('{ issuer: queen }')
    await ownership.snapshot(owners.bob, requirement)
    await ownership.snapshot(owners.carol, requirement)
    expect((await sim.calls())['GET /api/open-api/user/{user_id}/created-vibe-list']).toBe(1)
  })
})
