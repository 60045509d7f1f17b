import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { Agent, createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { signInWithOAuth } from '../helpers/sign-in.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import {
  TEST_API_KEY,
  TEST_API_SECRET,
  TEST_REDIRECT_URI,
  TOKENS,
} from '../helpers/test-fixture.js'

/**
 * A cold gate (nothing cached) asked 1,000 times at once about one (user, vibe), over HTTP
 * on 1,000 connections: the look-ups are shared, so OurSong is asked once.
 *
 * - Bearer: 1 auth-user (the token's user) and 1 own-this-vibe.
 * - Session cookie: the session was started by the sign-in, whose callback called auth-user
 *   once to learn the user; that is before the count starts. A fresh session needs no
 *   re-validation (VIBEGATE_SESSION_REVALIDATE, 5 minutes by default) and carries its user
 *   and OurSong token, so the decisions add 0 auth-user calls and 1 own-this-vibe.
 *
 * Each case runs twice: with OurSong answering at once, and with it slowed by 3 s, when
 * every one of the 1,000 requests has reached the gate before the first answer leaves it
 * (checked), so the look-ups are truly concurrent. (1 s was too short on a loaded CI
 * machine: 874 of the 1,000 had arrived when the first answer left.)
 */
const N = 1000
const OWN = 'GET /api/open-api/auth-user/own-this-vibe'
const AUTH_USER = 'GET /api/open-api/auth-user'
// The gate's public origin is the fixture's registered redirect URI; it listens elsewhere.
const PUBLIC_URL = new URL(TEST_REDIRECT_URI).origin

let sim: SimulatorHarness
let gate: Gate
let server: Server
let port: number
let agent: Agent
/** Requests the gate had received when it finished its first answer. */
let receivedAtFirstAnswer: number | undefined
let received = 0

beforeEach(async () => {
  sim = await startTestSimulator()
  gate = await createGate({
    rules: {
      version: 1,
      rules: [{ id: 'yellow', match: { paths: ['/videos/**'] }, require: { vibe: 'nxwyqqow' } }],
    },
    publicUrl: PUBLIC_URL,
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'c'.repeat(40),
  })
  received = 0
  receivedAtFirstAnswer = undefined
  server = createServer((req, res) => {
    if (req.url?.startsWith('/authz/')) {
      received++
      res.once('finish', () => (receivedAtFirstAnswer ??= received))
    }
    gate.handler(req, res)
  })
  // A backlog for all 1,000 connections at once (Node's default, 511, would make the
  // kernel drop the rest's SYNs and their clients retry a second later).
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 2 * N }, resolve),
  )
  port = (server.address() as AddressInfo).port
  agent = new Agent({ keepAlive: true, maxSockets: N })
})

afterEach(async () => {
  agent.destroy()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await gate.close()
  await sim.close()
})

/** One decision on its own connection: status and the JWT's presence. */
function decide(headers: Record<string, string>): Promise<{ status: number; jwt: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/authz/auth-request',
        agent,
        headers: {
          'X-Original-Method': 'GET',
          'X-Original-URI': '/videos/yellow/1.ts',
          ...headers,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            jwt: /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(res.headers.authorization ?? ''),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** Signs alice in through the OAuth flow, as a browser; returns the session cookie. */
async function signInAlice(): Promise<string> {
  return `vibegate_session=${await signInWithOAuth(sim.url, `http://127.0.0.1:${port}`, 'alice')}`
}

describe.each([
  ['OurSong answering at once', 0],
  ['OurSong slowed by 3 s', 3000],
])('1,000 concurrent cold decisions for one (user, vibe), %s', (_name, delayMs) => {
  const slow = async (): Promise<void> => {
    if (delayMs === 0) return
    for (const call of [AUTH_USER, OWN])
      await sim.fault({ path: call.replace('GET ', ''), delay_ms: delayMs })
  }

  test('Bearer: exactly 1 auth-user and 1 own-this-vibe call, all 1,000 allowed', async () => {
    await sim.resetCalls()
    await slow()
    const answers = await Promise.all(
      Array.from({ length: N }, () => decide({ Authorization: `Bearer ${TOKENS.alice}` })),
    )
    expect(answers.filter((a) => a.status === 200 && a.jwt)).toHaveLength(N)
    expect(await sim.calls()).toEqual({ [AUTH_USER]: 1, [OWN]: 1 })
    if (delayMs > 0) expect(receivedAtFirstAnswer).toBe(N)
  })

  test('session cookie: 0 more auth-user calls after sign-in and exactly 1 own-this-vibe, all 1,000 allowed', async () => {
    const cookie = await signInAlice()
    expect((await sim.calls())[AUTH_USER]).toBe(1)
    await sim.resetCalls()
    await slow()
    const answers = await Promise.all(Array.from({ length: N }, () => decide({ Cookie: cookie })))
    expect(answers.filter((a) => a.status === 200 && a.jwt)).toHaveLength(N)
    expect(await sim.calls()).toEqual({ [OWN]: 1 })
    if (delayMs > 0) expect(receivedAtFirstAnswer).toBe(N)
  })
})
