import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { operatorList } from '../../src/console/operator-list.js'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { parseFixture } from '../../src/simulator/fixture.js'
import { startSimulator } from '../../src/simulator/start-simulator.js'
import { freeLowPort } from './free-port.js'
import {
  TEST_API_KEY,
  TEST_API_SECRET,
  TEST_FIXTURE_YAML,
  TEST_REDIRECT_URI,
} from './test-fixture.js'

/** The rules file a console test starts with: signed-in fans see everything but `/`. */
export const CONSOLE_START_RULES = `version: 1
default: authenticated
rules:
  # The landing page.
  - id: home
    match: { paths: [/] }
    access: public
  - id: yellow
    description: Coldplay - Yellow, for holders
    match: { paths: [/videos/yellow/**] }
    require: { vibe: nxwyqqow }
`

/** A gate with the console on (operator: carol), its simulator, and its rules file. */
export interface ConsoleGate {
  /** The gate's origin, which is also its VIBEGATE_PUBLIC_URL. */
  url: string
  simUrl: string
  gate: Gate
  rulesFile: string
  dir: string
  close(): Promise<void>
}

/**
 * Starts the test simulator and a gate whose public URL is where it really listens (so OAuth
 * redirects and Origin checks work from a browser), with `carol` as the only operator.
 */
export async function startConsoleGate(options: { rules?: string } = {}): Promise<ConsoleGate> {
  const port = await freeLowPort()
  const url = `http://127.0.0.1:${port}`
  const fixture = parseFixture(
    TEST_FIXTURE_YAML.replace(TEST_REDIRECT_URI, `${url}/auth/callback`),
    'test-fixture.yaml',
  )
  const sim = await startSimulator({ fixture })
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-console-'))
  const rulesFile = join(dir, 'rules.yaml')
  await writeFile(rulesFile, options.rules ?? CONSOLE_START_RULES)
  const gate = await createGate({
    rules: rulesFile,
    publicUrl: url,
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'c'.repeat(40),
    operators: operatorList(['carol']),
  })
  const server: Server = createServer(gate.handler)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url,
    simUrl: sim.url,
    gate,
    rulesFile,
    dir,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await gate.close()
      await sim.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
