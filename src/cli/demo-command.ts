import { startDemo } from '../demo/start-demo.js'
import { createLogger } from '../util/logger.js'
import type { Command } from './cli-io.js'
import { parseCommandArgs, parsePort } from './parse-command-args.js'

/** `vibegate demo`: simulator, gate and a sample fan-club site, in one process. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole thing locally: OurSong simulator, gate and a sample fan-club site',
  usage: `Usage: vibegate demo [--port 8080]

Starts the OurSong simulator with the bundled demo fixture, the gate with rules/demo.yaml,
and a small fan-club site behind it, with in-memory stores and an ephemeral key. Prints the
URL to open and the demo accounts. Ctrl-C stops all of it.

Options:
  --port N      the site's port (default 8080)
  -h, --help    this text`,

  async run(args, io) {
    const { values } = parseCommandArgs('demo', args, { port: { type: 'string' } })
    const port = parsePort('demo', values.port, 8080)
    let demo
    try {
      demo = await startDemo({
        port,
        logger: createLogger({ level: 'warn', destination: io.stderr }),
      })
    } catch (err) {
      io.stderr.write(`${startFailure(port, err as NodeJS.ErrnoException)}\n`)
      return 1
    }
    const accounts = demo.accounts.map(
      (a) => `  ${a.id.padEnd(6)} password ${a.password.padEnd(11)} wallet ${a.address ?? '-'}`,
    )
    io.stdout.write(`vibegate demo is running.

  Open ${demo.url}

Demo accounts (sign in with OurSong, or with the wallet button):
${accounts.join('\n')}
  alice holds Coldplay - Yellow #1 and #2 and Video Killed The Radio Star #3; bob holds
  Don't Stop Me Now; carol holds Under Pressure; dave holds nothing. OurSong simulator: ${demo.simulatorUrl}

Press Ctrl-C to stop.
`)
    await io.stopRequested
    await demo.close()
    return 0
  },
}

/** What `demo` prints when its port cannot be had: the cause, and the flag that fixes it. */
function startFailure(port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE')
    return `vibegate demo: port ${port} is already in use (another demo or server is listening there); stop it, or pick a free port with --port N, e.g. --port ${port === 65535 ? 8081 : port + 1}`
  if (err.code === 'EACCES')
    return `vibegate demo: no permission to listen on port ${port} (ports below 1024 need privileges); pick another with --port N, e.g. --port 8080`
  return `vibegate demo: cannot start on port ${port}: ${err.message}`
}
