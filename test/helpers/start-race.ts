import { expect } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import { hammerPort, type HammerOutcome } from './hammer-port.js'

/** One start of a server process on `port`, and the text it prints once it is up. */
export interface RaceStart {
  child: ChildProcess
  output(): string
  ready: string | RegExp
}

/**
 * Starts a server `starts` times (`start(port)` on a fresh port each time) while
 * {@link hammerPort} sends `GET path` to that port from before the process exists until a
 * request was answered 200 after the server said it is up; then kills it. Resolves to every
 * request's outcome, in start order.
 */
export async function raceStarts(
  starts: number,
  port: () => Promise<number>,
  start: (port: number) => RaceStart,
  path = '/healthz',
): Promise<HammerOutcome[]> {
  const all: HammerOutcome[] = []
  for (let i = 0; i < starts; i++) {
    const p = await port()
    const hammer = hammerPort(p, { clients: 3, path })
    const server = start(p)
    try {
      const seen = (): boolean => {
        const out = server.output()
        return typeof server.ready === 'string'
          ? out.includes(server.ready)
          : server.ready.test(out)
      }
      for (const end = Date.now() + 30_000; !seen() && Date.now() < end;)
        await new Promise((r) => setTimeout(r, 10))
      if (!seen()) throw new Error(`start ${i + 1} never said it was up:\n${server.output()}`)
      const upAt = hammer.outcomes.length
      for (
        const end = Date.now() + 10_000;
        !hammer.outcomes.slice(upAt).some((o) => o.answered && o.status === 200) &&
        Date.now() < end;
      )
        await new Promise((r) => setTimeout(r, 10))
    } finally {
      all.push(...(await hammer.stop()))
      server.child.kill('SIGKILL')
      if (server.child.exitCode === null && server.child.signalCode === null)
        await new Promise((r) => server.child.once('exit', r))
    }
  }
  return all
}

/**
 * The promise of issue 14: every request that connected was answered within 2 s, with 200
 * or with 503 and `Retry-After`; and the servers were up in the end (some 200s).
 */
export function expectEveryRequestAnswered(outcomes: HammerOutcome[]): void {
  const unanswered = outcomes.filter((o) => !o.answered)
  expect({ requests: outcomes.length, unanswered }).toEqual({
    requests: outcomes.length,
    unanswered: [],
  })
  const statuses = new Set(outcomes.map((o) => (o.answered ? o.status : 0)))
  expect([...statuses].filter((s) => s !== 200 && s !== 503)).toEqual([])
  for (const o of outcomes) if (o.answered && o.status === 503) expect(o.retryAfter).toBe('1')
  expect(statuses.has(200)).toBe(true)
}
