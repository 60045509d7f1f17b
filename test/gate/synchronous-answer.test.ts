import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
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

// Issue #10: a warm decision (identity, holdings and a signed token all in memory) is
// answered inside the request's own event, with no promise in between; everything that
// takes it out of memory (a logout, a purge) sends the next decision the slow way again.

const ADMIN_TOKEN = 'a'.repeat(40)
const OWN_THIS_VIBE = 'GET /api/open-api/auth-user/own-this-vibe'

let sim: SimulatorHarness
let gate: Gate
let server: Server
let url: string
// For each decision request: had the gate ended its answer when its handler returned?
const answeredInHandler: boolean[] = []

beforeAll(async () => {
  sim = await startTestSimulator()
  gate = await createGate({
    rules: {
      version: 1,
      rules: [{ id: 'yellow', match: { paths: ['/videos/**'] }, require: { vibe: 'nxwyqqow' } }],
    },
    // The fixture's registered redirect URI is on this origin.
    publicUrl: new URL(TEST_REDIRECT_URI).origin,
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 's'.repeat(40),
    adminToken: ADMIN_TOKEN,
  })
  server = createServer((req, res) => {
    gate.handler(req, res)
    if (req.url?.startsWith('/authz/')) answeredInHandler.push(res.writableEnded)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await gate.close()
  await sim.close()
})

/** nginx's auth_request for a segment, with the given credential header. */
async function decide(
  credential: Record<string, string>,
): Promise<{ status: number; token: string | null; inHandler: boolean }> {
  const r = await fetch(`${url}/authz/auth-request`, {
    headers: {
      'X-Original-Method': 'GET',
      'X-Original-URI': '/videos/yellow/seg-1.ts',
      ...credential,
    },
  })
  return {
    status: r.status,
    token: r.headers.get('authorization'),
    inHandler: answeredInHandler.at(-1)!,
  }
}

describe('a warm decision is answered within the request event', () => {
  test('Bearer: the first decision waits for OurSong, the next ones do not wait at all', async () => {
    const bearer = { Authorization: `Bearer ${TOKENS.alice}` }
    const cold = await decide(bearer)
    expect(cold).toMatchObject({ status: 200, inHandler: false })
    for (let i = 0; i < 5; i++) {
      expect(await decide(bearer)).toEqual({ status: 200, token: cold.token, inHandler: true })
    }
  })

  test('session: warm decisions are synchronous; after logout the session is gone at once', async () => {
    const session = await signInWithOAuth(sim.url, url, 'alice')
    const cookie = { Cookie: `vibegate_session=${session}` }
    expect((await decide(cookie)).status).toBe(200)
    expect(await decide(cookie)).toMatchObject({ status: 200, inHandler: true })

    const logout = await fetch(`${url}/auth/logout`, { method: 'POST', headers: cookie })
    expect(logout.status).toBe(204)
    expect(await decide(cookie)).toMatchObject({ status: 401, token: null })
  })

  test('an operator purge sends the next decision to OurSong again', async () => {
    const bearer = { Authorization: `Bearer ${TOKENS.alice}` }
    // (The logout above purged alice's holdings too: the first decision refills them.)
    expect((await decide(bearer)).status).toBe(200)
    expect(await decide(bearer)).toMatchObject({ status: 200, inHandler: true })
    const me = await (await fetch(`${url}/auth/me`, { headers: bearer })).json()
    const purge = await fetch(`${url}/admin/cache/purge`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: (me as { user: { uuid: string } }).user.uuid }),
    })
    expect(purge.status).toBe(200)
    await sim.resetCalls()
    expect(await decide(bearer)).toMatchObject({ status: 200, inHandler: false })
    expect((await sim.calls())[OWN_THIS_VIBE]).toBe(1)
    expect(await decide(bearer)).toMatchObject({ status: 200, inHandler: true })
  })
})
