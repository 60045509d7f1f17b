import { describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { freeLowPort } from '../helpers/free-port.js'
import { expectEveryRequestAnswered, raceStarts } from '../helpers/start-race.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

/**
 * Issue 14: `vibegate demo` listened before its request handler was attached, and a request
 * that arrived in between was never answered. Thirty starts, each hammered from before the
 * process exists: every request that connects is answered within 2 s.
 */
describe('vibegate demo while it starts', () => {
  test('answers every request that connects, from the first instant (30 starts)', async () => {
    const outcomes = await raceStarts(
      30,
      freeLowPort,
      (port) => {
        const child = spawn(process.execPath, [CLI, 'demo', '--port', String(port)], {
          env: { PATH: process.env.PATH },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let out = ''
        child.stdout.on('data', (c: Buffer) => (out += c.toString()))
        child.stderr.on('data', (c: Buffer) => (out += c.toString()))
        return { child, output: () => out, ready: 'vibegate demo is running' }
      },
      '/',
    ) // the landing page: the demo site has no /healthz
    expectEveryRequestAnswered(outcomes)
    // The demo takes its port before building what is behind it (the URL names the port),
    // so the hammer reaches it while it starts: those requests get a prompt 503.
    expect(outcomes.some((o) => o.answered && o.status === 503)).toBe(true)
  }, 300_000)
})
