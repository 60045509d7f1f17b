import { afterAll, beforeAll, describe, test } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLowPort } from '../helpers/free-port.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import { spawnServe } from '../helpers/serve-process.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { expectEveryRequestAnswered, raceStarts } from '../helpers/start-race.js'
import { TEST_API_KEY, TEST_API_SECRET } from '../helpers/test-fixture.js'

let sim: SimulatorHarness
let dir: string
beforeAll(async () => {
  sim = await startTestSimulator()
  dir = await mkdtemp(join(tmpdir(), 'vibegate-start-race-'))
  await writeFile(
    join(dir, 'rules.yaml'),
    'version: 1\nrules:\n  - { id: yellow, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }\n',
  )
})
afterAll(async () => {
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

const env = (port: number, extra: Record<string, string> = {}): Record<string, string> => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  VIBEGATE_RULES: join(dir, 'rules.yaml'),
  VIBEGATE_SESSION_SECRET: 's'.repeat(40),
  OURSONG_BASE_URL: sim.url,
  OURSONG_API_KEY: TEST_API_KEY,
  OURSONG_API_SECRET: TEST_API_SECRET,
  ...extra,
})

/**
 * Issue 14, for `serve`: hammered from before the process exists, every request that
 * connects is answered within 2 s. (`serve` builds the gate before it listens, so requests
 * are refused until it can answer them all.)
 */
describe('vibegate serve while it starts', () => {
  test('one process: every request that connects is answered (30 starts)', async () => {
    const outcomes = await raceStarts(30, freeLowPort, (port) => {
      const gate = spawnServe(env(port))
      return { child: gate.child, output: gate.output, ready: 'vibegate listening' }
    })
    expectEveryRequestAnswered(outcomes)
  }, 300_000)

  test('two workers: every request that connects is answered (10 starts)', async () => {
    if (!(await redisAvailable())) return
    const outcomes = await raceStarts(10, freeLowPort, (port) => {
      const gate = spawnServe(env(port, { REDIS_URL: `${REDIS_URL}/13`, VIBEGATE_WORKERS: '2' }))
      return { child: gate.child, output: gate.output, ready: 'vibegate listening' }
    })
    expectEveryRequestAnswered(outcomes)
  }, 300_000)
})
