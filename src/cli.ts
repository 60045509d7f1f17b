#!/usr/bin/env node
/** The `vibegate` executable: wires the process to {@link runCli}. */
import { runCli } from './cli/run-cli.js'

const stopRequested = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve())
  process.once('SIGTERM', () => resolve())
})

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stopRequested })
  .then((code) => {
    // Servers are closed by now, so the event loop empties and the process exits with this.
    process.exitCode = code
  })
  .catch((err: unknown) => {
    process.stderr.write(
      `vibegate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  })
