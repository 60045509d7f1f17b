import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate, type GateOptions } from '../../src/gate/create-gate.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'
import { signInWithOAuth } from '../helpers/sign-in.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TEST_REDIRECT_URI } from '../helpers/test-fixture.js'

// Issue #9: a session re-checks the OurSong token behind it at most every
// sessionRevalidateMs (default 5 minutes), so a token OurSong revoked loses access.

const MINUTE = 60_000
const AUTH_USER = 'GET /api/open-api/auth-user'
// The fixture's registered redirect URI is on this origin; the test rewrites the callback.
const PUBLIC_URL = new URL(TEST_REDIRECT_URI).origin

const hasRedis = await redisAvailable()

let sim: SimulatorHarness
const running: { gate: Gate; server: Server }[] = []
beforeAll(async () => {
  sim = await startTestSimulator()
})
afterEach(async () => {
  await sim.clearFaults()
})
afterAll(async () => {
  for (const { gate, server } of running) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await gate.close()
  }
  await sim.close()
})

/** A gate for `access: authenticated` on /members/**, listening on a loopback port. */
async function startGate(clock: FakeClock, options: Partial<GateOptions> = {}): Promise<string> {
  const gate = await createGate({
    rules: {
      version: 1,
      rules: [{ id: 'members', match: { paths: ['/members/**'] }, access: 'authenticated' }],
    },
    publicUrl: PUBLIC_URL,
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'r'.repeat(40),
    clock,
    ...options,
  })
  const server = createServer(gate.handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  running.push({ gate, server })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Signs `username` in through OurSong's login page; returns the session cookie's value. */
const signIn = (gateUrl: string, username: string): Promise<string> =>
  signInWithOAuth(sim.url, gateUrl, username)

/** nginx's auth_request for GET /members/page with the session cookie. */
async function decide(
  gateUrl: string,
  session: string,
): Promise<{ status: number; reason: string }> {
  const r = await fetch(`${gateUrl}/authz/auth-request`, {
    headers: {
      'X-Original-Method': 'GET',
      'X-Original-URI': '/members/page',
      Cookie: `vibegate_session=${session}`,
    },
  })
  return { status: r.status, reason: r.headers.get('x-vibegate-reason') ?? '' }
}

const me = async (gateUrl: string, session: string): Promise<number> =>
  (await fetch(`${gateUrl}/auth/me`, { headers: { Cookie: `vibegate_session=${session}` } })).status

const authUserCalls = async (): Promise<number> => (await sim.calls())[AUTH_USER] ?? 0

describe('sessions re-validate their OurSong token', () => {
  test('a token revoked at OurSong works until the check falls due, then the session ends', async () => {
    const clock = fakeClock(Date.now())
    const gate = await startGate(clock)
    const session = await signIn(gate, 'alice')
    expect(await decide(gate, session)).toEqual({ status: 200, reason: '' })

    expect(sim.revokeUserTokens('alice')).toBeGreaterThan(0)
    await sim.resetCalls()
    clock.advance(5 * MINUTE - 1)
    expect(await decide(gate, session)).toEqual({ status: 200, reason: '' })
    expect(await authUserCalls()).toBe(0)

    clock.advance(1)
    expect(await decide(gate, session)).toEqual({ status: 401, reason: 'no_identity' })
    expect(await authUserCalls()).toBe(1)
    // The session is gone: no identity anywhere, and no further call to find that out.
    expect(await me(gate, session)).toBe(401)
    expect(await decide(gate, session)).toEqual({ status: 401, reason: 'no_identity' })
    expect(await authUserCalls()).toBe(1)
  })

  test('concurrent requests after the interval make exactly one auth-user call', async () => {
    const clock = fakeClock(Date.now())
    const gate = await startGate(clock)
    const session = await signIn(gate, 'bob')
    await sim.resetCalls()
    clock.advance(5 * MINUTE)
    // The check is slow, so that every request arrives while it is in flight.
    await sim.fault({ path: '/api/open-api/auth-user', delay_ms: 200, times: 1 })
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => decide(gate, session)))
    expect(outcomes.every((o) => o.status === 200)).toBe(true)
    expect(await authUserCalls()).toBe(1)
    // Checked: fresh again for another interval.
    clock.advance(5 * MINUTE - 1)
    expect((await decide(gate, session)).status).toBe(200)
    expect(await authUserCalls()).toBe(1)
  })

  test('sessionRevalidateMs sets the interval', async () => {
    const clock = fakeClock(Date.now())
    const gate = await startGate(clock, { sessionRevalidateMs: MINUTE })
    const session = await signIn(gate, 'carol')
    await sim.resetCalls()
    clock.advance(MINUTE)
    expect((await decide(gate, session)).status).toBe(200)
    expect(await authUserCalls()).toBe(1)
  })

  test('OurSong failing: the session is let through for one more interval, then denied, never ended', async () => {
    const clock = fakeClock(Date.now())
    const gate = await startGate(clock)
    const session = await signIn(gate, 'queen')
    await sim.fault({ path: '/api/open-api/auth-user', status: 429 })
    clock.advance(5 * MINUTE)
    expect(await decide(gate, session)).toEqual({ status: 200, reason: '' })
    clock.advance(5 * MINUTE - 1)
    expect(await decide(gate, session)).toEqual({ status: 200, reason: '' })
    clock.advance(1)
    // nginx's auth_request knows only 2xx/401/403: upstream_unavailable is a 403 there.
    expect(await decide(gate, session)).toEqual({ status: 403, reason: 'upstream_unavailable' })
    await sim.clearFaults()
    clock.advance(10_000) // past the circuit breaker's cooldown
    expect(await decide(gate, session)).toEqual({ status: 200, reason: '' })
    expect(await me(gate, session)).toBe(200)
  })

  test('sessionRevalidateMs 0: no checks, a revoked token keeps its session', async () => {
    const clock = fakeClock(Date.now())
    const gate = await startGate(clock, { sessionRevalidateMs: 0 })
    const session = await signIn(gate, 'carol')
    sim.revokeUserTokens('carol')
    clock.advance(11 * 3_600_000)
    expect((await decide(gate, session)).status).toBe(200)
  })
})

const withRedis = hasRedis ? describe : describe.skip

withRedis('session re-validation across replicas sharing Redis', () => {
  const prefix = testPrefix()
  const clients: Redis[] = []
  afterAll(async () => {
    for (const client of clients) client.disconnect()
    await prefix.cleanup()
  })
  const replica = (clock: FakeClock): Promise<string> => {
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix.prefix })
    clients.push(redis)
    return startGate(clock, { redis })
  }

  test('one replica’s check counts for the others, and an ended session is ended everywhere', async () => {
    const clock = fakeClock(Date.now())
    const [a, b] = [await replica(clock), await replica(clock)]
    const session = await signIn(a, 'bob')
    expect((await decide(b, session)).status).toBe(200)
    await sim.resetCalls()
    clock.advance(5 * MINUTE)
    expect((await decide(a, session)).status).toBe(200)
    expect(await authUserCalls()).toBe(1)
    // B's own copy of the session is older than 5 s: it reads A's validation from Redis.
    expect((await decide(b, session)).status).toBe(200)
    expect(await authUserCalls()).toBe(1)

    sim.revokeUserTokens('bob')
    clock.advance(5 * MINUTE)
    expect(await decide(b, session)).toEqual({ status: 401, reason: 'no_identity' })
    expect(await decide(a, session)).toEqual({ status: 401, reason: 'no_identity' })
    expect(await authUserCalls()).toBe(2)
  })
})
