import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import express from 'express'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { recordingLogger } from '../helpers/recording-logger.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

describe('VIBEGATE_DECISION_LOG (createGate decisionLog)', () => {
  let sim: SimulatorHarness
  const gates: Gate[] = []
  const servers: Server[] = []

  beforeAll(async () => {
    sim = await startTestSimulator()
  })
  afterAll(async () => {
    for (const server of servers) server.close()
    for (const gate of gates) await gate.close()
    await sim.close()
  })

  async function start(decisionLog: boolean): Promise<{
    ask: (token: string | undefined, requestId?: string) => Promise<Response>
    lines: ReturnType<typeof recordingLogger>['lines']
    url: string
    gate: Gate
  }> {
    const logger = recordingLogger()
    const gate = await createGate({
      rules: {
        version: 1,
        rules: [{ id: 'yellow', match: { paths: ['/videos/**'] }, require: { vibe: 'nxwyqqow' } }],
      },
      publicUrl: 'http://gate.test',
      oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 'd'.repeat(40),
      decisionLog,
      logger,
    })
    gates.push(gate)
    const server = createServer(gate.handler)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const ask = (token: string | undefined, requestId?: string): Promise<Response> =>
      fetch(`${url}/authz/auth-request`, {
        headers: {
          'X-Original-Method': 'GET',
          'X-Original-URI': '/videos/yellow/1.ts',
          Accept: 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(requestId ? { 'X-Request-Id': requestId } : {}),
        },
      })
    return { ask, lines: logger.lines, url, gate }
  }

  /** An Express app guarding `/videos/**` with gate.protect() and `/inline` with gate.require(). */
  async function startApp(gate: Gate): Promise<string> {
    const app = express()
    app.use(gate.routes())
    app.get('/inline', gate.require({ vibe: 'nxwyqqow' }), (_req, res) => void res.send('inline'))
    app.use(gate.protect())
    app.get('/videos/*rest', (_req, res) => void res.send('video'))
    const server = createServer(app)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  test('on: one line per decision with user, rule, outcome, reason and request id; no tokens', async () => {
    const { ask, lines } = await start(true)
    const allowed = await ask(TOKENS.alice, 'req-allow-1')
    expect(allowed.status).toBe(200)
    const uuid = allowed.headers.get('x-vibegate-user')
    expect((await ask(TOKENS.bob, 'req-deny-1')).status).toBe(403)
    expect((await ask(undefined, 'req-anon-1')).status).toBe(401)
    const decisions = lines.filter((l) => l.msg === 'decision')
    expect(decisions.map((l) => l.obj)).toEqual([
      {
        request_id: 'req-allow-1',
        endpoint: 'auth-request',
        outcome: 'allow',
        status: 200,
        reason: null,
        rule: 'yellow',
        user: uuid,
      },
      {
        request_id: 'req-deny-1',
        endpoint: 'auth-request',
        outcome: 'deny',
        status: 403,
        reason: 'not_owned',
        rule: 'yellow',
        user: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
      {
        request_id: 'req-anon-1',
        endpoint: 'auth-request',
        outcome: 'deny',
        status: 401,
        reason: 'no_identity',
        rule: 'yellow',
        user: null,
      },
    ])
    const logged = JSON.stringify(lines)
    expect(logged).not.toContain(TOKENS.alice)
    expect(logged).not.toContain(TOKENS.bob)
    expect(logged).not.toContain(allowed.headers.get('authorization')!.slice(7))
  })

  test('off (the default): no decision lines', async () => {
    const { ask, lines } = await start(false)
    expect((await ask(TOKENS.alice)).status).toBe(200)
    expect((await ask(undefined)).status).toBe(401)
    expect(lines.filter((l) => l.msg === 'decision')).toEqual([])
  })

  test('every decision is timed in vibegate_decision_duration_seconds', async () => {
    const { ask, url } = await start(false)
    await ask(TOKENS.alice)
    await ask(TOKENS.alice)
    await ask(undefined)
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toMatch(/^vibegate_decision_duration_seconds_count 3$/m)
  })

  test('gate.protect() and gate.require() log their decisions too (endpoint middleware) and are timed', async () => {
    const { lines, url, gate } = await start(true)
    const app = await startApp(gate)
    const get = (path: string, token?: string): Promise<Response> =>
      fetch(`${app}${path}`, {
        headers: {
          Accept: 'application/json',
          'X-Request-Id': `mw-${path}-${token ? 'token' : 'none'}`,
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
      })
    expect((await get('/videos/yellow/1.ts', TOKENS.alice)).status).toBe(200)
    expect((await get('/videos/yellow/1.ts', TOKENS.bob)).status).toBe(403)
    expect((await get('/inline')).status).toBe(401)
    const decisions = lines.filter((l) => l.msg === 'decision').map((l) => l.obj)
    expect(decisions).toEqual([
      expect.objectContaining({
        endpoint: 'middleware',
        outcome: 'allow',
        status: 200,
        reason: null,
        rule: 'yellow',
        user: expect.stringMatching(/^[0-9a-f-]{36}$/),
      }),
      expect.objectContaining({
        endpoint: 'middleware',
        outcome: 'deny',
        status: 403,
        reason: 'not_owned',
        rule: 'yellow',
      }),
      expect.objectContaining({
        endpoint: 'middleware',
        outcome: 'deny',
        status: 401,
        reason: 'no_identity',
        rule: 'inline',
        user: null,
      }),
    ])
    expect(JSON.stringify(lines)).not.toContain(TOKENS.alice)
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toMatch(/^vibegate_decision_duration_seconds_count 3$/m)
    expect(text).toMatch(
      /^vibegate_decisions_total\{endpoint="middleware",status="403",reason="not_owned"\} 1$/m,
    )
  })
})
