import { PassThrough } from 'node:stream'
import { runCli } from '../../src/cli/run-cli.js'

/** Runs the CLI in-process and captures what it wrote. */
export async function runCliCaptured(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (c: Buffer) => out.push(c.toString()))
  stderr.on('data', (c: Buffer) => err.push(c.toString()))
  const code = await runCli(argv, { stdout, stderr, stopRequested: Promise.resolve() })
  return { code, stdout: out.join(''), stderr: err.join('') }
}
