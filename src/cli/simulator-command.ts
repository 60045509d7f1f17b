import { fileURLToPath } from 'node:url'
import { FixtureError } from '../simulator/fixture-error.js'
import { loadFixture } from '../simulator/fixture.js'
import { startSimulator } from '../simulator/start-simulator.js'
import { createLogger, type LogLevel } from '../util/logger.js'
import type { Command } from './cli-io.js'
import { parseCommandArgs, parsePort } from './parse-command-args.js'

/** The demo fixture shipped in the package. */
export const BUNDLED_FIXTURE = fileURLToPath(new URL('../../fixtures/demo.yaml', import.meta.url))

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']

/** `vibegate simulator`: the OurSong Open API simulator (contract section 7). */
export const simulatorCommand: Command = {
  name: 'simulator',
  summary: 'run the OurSong Open API simulator, for development and tests',
  usage: `Usage: vibegate simulator [--port 4010] [--host 127.0.0.1] [--fixture FILE] [--strict-hello]

Serves every endpoint of the OurSong Open API from a fixture (YAML or JSON), plus the
test controls under /__sim (calls, faults, holdings).

Options:
  --port N          listening port (default 4010; 0 picks a free one)
  --host ADDRESS    listening address (default 127.0.0.1)
  --fixture FILE    users, apps, vibes and holdings (default: the bundled fixtures/demo.yaml)
  --strict-hello    wallet-login accepts only a signature of "hello", as documented upstream
  --log-level L     debug | info | warn | error | silent (default info; debug logs each call)
  -h, --help        this text`,

  async run(args, io) {
    const { values } = parseCommandArgs('simulator', args, {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      fixture: { type: 'string' },
      'strict-hello': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    })
    const port = parsePort('simulator', values.port, 4010)
    const level = values['log-level'] as LogLevel
    if (!LEVELS.includes(level)) {
      io.stderr.write(`vibegate simulator: --log-level must be one of ${LEVELS.join(', ')}\n`)
      return 2
    }
    const file = values.fixture ?? BUNDLED_FIXTURE
    let fixture
    try {
      fixture = await loadFixture(file)
    } catch (err) {
      if (err instanceof FixtureError) {
        io.stderr.write(`${err.problems.join('\n')}\n`)
        return 1
      }
      io.stderr.write(`vibegate simulator: cannot read ${file}: ${(err as Error).message}\n`)
      return 1
    }
    const logger = createLogger({ level, destination: io.stdout })
    let simulator
    try {
      simulator = await startSimulator({
        fixture,
        port,
        host: values.host,
        strictHello: values['strict-hello'],
        logger,
      })
    } catch (err) {
      io.stderr.write(
        `vibegate simulator: cannot listen on ${values.host}:${port}: ${(err as Error).message}\n`,
      )
      return 1
    }
    logger.info({ url: simulator.url, fixture: file }, 'OurSong simulator listening')
    await io.stopRequested
    await simulator.close()
    return 0
  },
}
