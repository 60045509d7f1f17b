import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { createGateServer, type GateServer } from '../../src/http/gate-server.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET } from '../helpers/test-fixture.js'

let sim: SimulatorHarness
let gate: Gate
let server: GateServer
let port: number

beforeAll(async () => {
  sim = await startTestSimulator()
  gate = await createGate({
    rules: {
      version: 1,
      rules: [{ id: 'yellow', match: { paths: ['/videos/**'] }, require: { vibe: 'nxwyqqow' } }],
    },
    publicUrl: 'http://127.0.0.1',
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'a'.repeat(40),
    adminToken: 'operator-token-0123456789abcdefghijklmnop',
  })
  server = createGateServer(gate.handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await gate.close()
  await sim.close()
})

/** The status of one request, or 'no answer' after 2 s. */
function statusOf(method: string, path: string): Promise<number | 'no answer'> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode!)
    })
    req.setTimeout(2000, () => {
      resolve('no answer')
      req.destroy()
    })
    req.on('error', reject)
    req.end()
  })
}

const SERVED = [
  '/.well-known/jwks.json',
  '/healthz',
  '/readyz',
  '/metrics',
  '/auth/login',
  '/auth/callback',
  '/auth/wallet/challenge',
  '/auth/wallet/login',
  '/auth/me',
  '/auth/logout',
  '/admin/cache/purge',
]
/** Every served path bent the ways that once left requests hanging, and then some. */
const VARIANTS = SERVED.flatMap((path) => [
  `${path}?x`,
  `${path}/`,
  `${path}/?x=1`,
  path.toUpperCase(),
  path.replace(/^\/[a-z.-]+/, (m) => m.toUpperCase()),
  `/${path}`,
  `${path}%2F`,
  `${path}/extra`,
  `${path};x`,
])
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']

describe('every request gets an answer', () => {
  test.each([
    ['/.well-known/jwks.json?x', 200],
    ['/.well-known/jwks.json/', 404],
    ['/.WELL-KNOWN/jwks.json', 404],
    ['/.well-known/JWKS.json', 404],
    ['/auth/me/', 404],
    ['/AUTH/ME', 404],
    ['/nobody/serves/this', 404],
  ])('GET %s: %s, promptly', async (path, status) => {
    expect(await statusOf('GET', path)).toBe(status)
  })

  test('no served path, however bent, and no method is left without an answer', async () => {
    const unanswered: string[] = []
    for (const method of METHODS) {
      const results = await Promise.all(
        [...SERVED, ...VARIANTS].map(async (path) => [path, await statusOf(method, path)] as const),
      )
      for (const [path, status] of results)
        if (status === 'no answer') unanswered.push(`${method} ${path}`)
    }
    expect(unanswered).toEqual([])
  })
})
