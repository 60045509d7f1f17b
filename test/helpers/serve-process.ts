import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

/** A `vibegate serve` child process and what it printed (stdout and stderr together). */
export interface ServeProcess {
  child: ChildProcess
  output(): string
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>
  /** Waits until the output contains `text` (at most `ms`, default 10000); false if it never does. */
  waitFor(text: string | RegExp, ms?: number): Promise<boolean>
}

/** Starts `node dist/cli.js serve` with only `env` (and PATH), optionally under a wrapper such as prlimit. */
export function spawnServe(env: Record<string, string>, wrapper: string[] = []): ServeProcess {
  const [command, ...prefix] = [...wrapper, process.execPath]
  const child = spawn(command!, [...prefix, CLI, 'serve'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return {
    child,
    output: () => out,
    exited,
    async waitFor(text, ms = 10_000) {
      const seen = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out))
      for (const end = Date.now() + ms; !seen() && Date.now() < end;)
        await new Promise((r) => setTimeout(r, 25))
      return seen()
    },
  }
}

/** The JSON log lines of a serve process's output (other lines skipped). */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/**
 * Pids of the processes whose environment holds `NAME=value` (Linux /proc): finds a serve
 * process group's workers by a variable unique to the test, whoever their parent is now.
 */
export function pidsWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(wanted))
        pids.push(Number(entry))
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids
}

/**
 * A GET on a connection of its own (no keep-alive), so that a cluster's round-robin hands
 * each request to the next worker; resolves to the status, headers and body.
 */
export function getFresh(
  url: string,
  headers: Record<string, string> = {},
  init: { method?: string; body?: string } = {},
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers, agent: false, timeout: 5000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)))
    req.on('error', reject)
    req.end(init.body)
  })
}
