import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

const hasRedis = await redisAvailable()
const maybe = hasRedis ? describe : describe.skip

maybe('the warm decision path with Redis configured', () => {
  let sim: SimulatorHarness
  let gate: Gate
  let server: Server
  let url: string
  let redis: Redis
  let commands = 0
  const prefix = testPrefix()

  beforeAll(async () => {
    sim = await startTestSimulator()
    redis = new Redis(REDIS_URL, { keyPrefix: prefix.prefix })
    const send = redis.sendCommand.bind(redis)
    redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
      commands++
      return send(...args)
    }) as Redis['sendCommand']
    gate = await createGate({
      rules: {
        version: 1,
        rules: [{ id: 'yellow', match: { paths: ['/videos/**'] }, require: { vibe: 'nxwyqqow' } }],
      },
      publicUrl: 'http://gate.test',
      oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 'w'.repeat(40),
      redis,
    })
    server = createServer(gate.handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await gate.close()
    redis.disconnect()
    await prefix.cleanup()
    await sim.close()
  })

  const decide = (): Promise<Response> =>
    fetch(`${url}/authz/auth-request`, {
      headers: {
        'X-Original-Method': 'GET',
        'X-Original-URI': '/videos/yellow/1.ts',
        Authorization: `Bearer ${TOKENS.alice}`,
      },
    })

  test('makes no Redis round trip and no OurSong call once warm, and signs nothing new', async () => {
    const first = await decide()
    expect(first.status).toBe(200)
    const token = first.headers.get('authorization')
    expect(commands).toBeGreaterThan(0)
    commands = 0
    await sim.resetCalls()
    for (let i = 0; i < 20; i++) {
      const r = await decide()
      expect(r.status).toBe(200)
      expect(r.headers.get('authorization')).toBe(token)
    }
    expect(commands).toBe(0)
    expect(await sim.calls()).toEqual({})
  })
})
