import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET } from '../helpers/test-fixture.js'

const RULES = 'version: 1\nrules:\n  - { id: a, match: { paths: ["/a/**"] }, access: public }\n'

describe('/readyz says why the gate is not ready', () => {
  let sim: SimulatorHarness
  let dir: string
  const gates: Gate[] = []
  const servers: Server[] = []
  const clients: Redis[] = []

  beforeAll(async () => {
    sim = await startTestSimulator()
    dir = await mkdtemp(join(tmpdir(), 'vibegate-readyz-'))
  })
  afterAll(async () => {
    for (const server of servers) server.close()
    for (const gate of gates) await gate.close()
    for (const client of clients) client.disconnect()
    await sim.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function start(extra: Partial<Parameters<typeof createGate>[0]>): Promise<{ url: string }> {
    const gate = await createGate({
      rules: { version: 1, rules: [{ id: 'a', match: { paths: ['/a/**'] }, access: 'public' }] },
      publicUrl: 'http://gate.test',
      oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 'r'.repeat(40),
      ...extra,
    })
    gates.push(gate)
    const server = createServer(gate.handler)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }

  async function readyz(url: string): Promise<{ status: number; type: string; body: unknown }> {
    const response = await fetch(`${url}/readyz`)
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: await response.json(),
    }
  }

  test('ready: 200 {"ready":true}', async () => {
    const { url } = await start({})
    expect(await readyz(url)).toEqual({
      status: 200,
      type: 'application/json',
      body: { ready: true },
    })
  })

  test('ready with a Redis that answers', async () => {
    if (!(await redisAvailable())) return
    const { url } = await start({ redis: REDIS_URL })
    expect(await readyz(url)).toMatchObject({ status: 200, body: { ready: true } })
  })

  test('Redis unreachable: 503 naming REDIS_URL', async () => {
    const client = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    })
    client.on('error', () => undefined)
    clients.push(client)
    const { url } = await start({ redis: client })
    const { status, body } = await readyz(url)
    expect(status).toBe(503)
    expect(body).toEqual({
      ready: false,
      problems: [expect.stringMatching(/^Redis \(REDIS_URL\) does not answer PING/)],
    })
  })

  test('a rules file broken since start: still ready (its previous rules are enforced), with a warning', async () => {
    const file = join(dir, 'rules.yaml')
    await writeFile(file, RULES)
    const { url } = await start({ rules: file })
    expect((await readyz(url)).body).toEqual({ ready: true })
    await writeFile(file, 'version: 1\nrules: [ { id: a, access: publik } ]\n')
    for (
      let i = 0;
      i < 300 && ((await readyz(url)).body as { warnings?: unknown }).warnings === undefined;
      i++
    )
      await new Promise((r) => setTimeout(r, 50))
    expect(await readyz(url)).toEqual({
      status: 200,
      type: 'application/json',
      body: {
        ready: true,
        warnings: [expect.stringContaining(`the rules file ${file} is broken`)],
      },
    })
  })
})
