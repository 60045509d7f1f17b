import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { ephemeralKeySet, type KeySet } from '../../src/tokens/key-set.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

/** The options `serve` uses to run several workers as one gate: a given key set, a metrics source. */
describe('createGate options for process groups', () => {
  let sim: SimulatorHarness
  let keys: KeySet
  const gates: Gate[] = []
  const servers: Server[] = []

  beforeAll(async () => {
    sim = await startTestSimulator()
    keys = await ephemeralKeySet()
  })
  afterAll(async () => {
    for (const server of servers) server.close()
    for (const gate of gates) await gate.close()
    await sim.close()
  })

  async function start(extra: Partial<Parameters<typeof createGate>[0]>): Promise<string> {
    const gate = await createGate({
      rules: {
        version: 1,
        rules: [{ id: 'yellow', match: { paths: ['/videos/**'] }, require: { vibe: 'nxwyqqow' } }],
      },
      publicUrl: 'http://gate.test',
      oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 'g'.repeat(40),
      ...extra,
    })
    gates.push(gate)
    const server = createServer(gate.handler)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  test('two gates given one key set publish the same JWKS and verify each other’s tokens', async () => {
    const [a, b] = [await start({ keys }), await start({ keys })]
    const jwksOf = async (url: string): Promise<unknown> =>
      (await fetch(`${url}/.well-known/jwks.json`)).json()
    expect(await jwksOf(a)).toEqual(await jwksOf(b))
    expect(await jwksOf(a)).toEqual(keys.publicJwks)
    const decision = await fetch(`${a}/authz/auth-request`, {
      headers: {
        'X-Original-Method': 'GET',
        'X-Original-URI': '/videos/yellow/1.ts',
        Authorization: `Bearer ${TOKENS.alice}`,
      },
    })
    expect(decision.status).toBe(200)
    const jwt = decision.headers.get('authorization')!.replace(/^Bearer /, '')
    const jwks = createLocalJWKSet((await jwksOf(b)) as Parameters<typeof createLocalJWKSet>[0])
    await expect(jwtVerify(jwt, jwks, { issuer: 'http://gate.test' })).resolves.toBeDefined()
  })

  test('metricsText replaces what /metrics answers; its failure is a 503', async () => {
    const url = await start({ metricsText: async () => 'group_metric 7\n' })
    const metrics = await fetch(`${url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toBe('group_metric 7\n')
    const failing = await start({ metricsText: () => Promise.reject(new Error('no primary')) })
    expect((await fetch(`${failing}/metrics`)).status).toBe(503)
  })
})
