import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLowPort } from '../helpers/free-port.js'
import { spawnServe } from '../helpers/serve-process.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

let sim: SimulatorHarness
let dir: string

beforeAll(async () => {
  sim = await startTestSimulator()
  dir = await mkdtemp(join(tmpdir(), 'vibegate-serve-'))
  await writeFile(
    join(dir, 'rules.yaml'),
    'version: 1\nrules:\n  - { id: yellow, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }\n',
  )
})
afterAll(async () => {
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

const freePort = freeLowPort

/** `node dist/cli.js serve` with only these variables (and PATH). */
const serve = spawnServe

describe('vibegate serve', () => {
  /** The environment of a gate on `port` in front of the test simulator. */
  const gateEnv = (port: number, extra: Record<string, string> = {}): Record<string, string> => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    VIBEGATE_RULES: join(dir, 'rules.yaml'),
    VIBEGATE_SESSION_SECRET: 's'.repeat(40),
    OURSONG_BASE_URL: sim.url,
    OURSONG_API_KEY: TEST_API_KEY,
    OURSONG_API_SECRET: TEST_API_SECRET,
    ...extra,
  })
  const listening = async (gate: ReturnType<typeof serve>): Promise<void> => {
    for (let i = 0; i < 200 && !gate.output().includes('vibegate listening'); i++)
      await new Promise((r) => setTimeout(r, 25))
    expect(gate.output()).toContain('vibegate listening')
  }

  test('serves decisions, health, readiness and metrics, and drains on SIGTERM', async () => {
    const port = await freePort()
    const gate = serve(gateEnv(port))
    try {
      const base = `http://127.0.0.1:${port}`
      await listening(gate)
      expect(gate.output()).toContain('VIBEGATE_KEYS is unset')
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
      expect((await fetch(`${base}/readyz`)).status).toBe(200)
      const decision = await fetch(`${base}/authz/auth-request`, {
        headers: {
          'X-Original-Method': 'GET',
          'X-Original-URI': '/videos/yellow/1.ts',
          Authorization: `Bearer ${TOKENS.alice}`,
        },
      })
      expect(decision.status).toBe(200)
      expect(decision.headers.get('x-vibegate-rule')).toBe('yellow')
      const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
        keys: unknown[]
      }
      expect(jwks.keys).toHaveLength(1)
      const metrics = await (await fetch(`${base}/metrics`)).text()
      expect(metrics).toMatch(
        /vibegate_decisions_total\{endpoint="auth-request",status="200",reason=""\} 1/,
      )
      expect(metrics).toMatch(/vibegate_ownership_lookups_total\{source="upstream"\} 1/)
      expect(metrics).toContain('vibegate_oursong_request_duration_seconds_bucket')
      expect(metrics).toMatch(/vibegate_rules 1/)
      const me = await fetch(`${base}/auth/me`, { headers: { 'X-Request-Id': 'req-123' } })
      expect(me.status).toBe(401)
      expect(me.headers.get('x-request-id')).toBe('req-123')
      for (let i = 0; i < 20 && !gate.output().includes('"request_id":"req-123"'); i++)
        await new Promise((r) => setTimeout(r, 25))
      expect(gate.output()).toMatch(
        /"request_id":"req-123","method":"GET","path":"\/auth\/me","status":401/,
      )
      expect(gate.output()).not.toContain(TOKENS.alice)
      expect(gate.output()).not.toContain(TEST_API_SECRET)
    } finally {
      gate.child.kill('SIGTERM')
    }
    expect(await gate.exited).toBe(0)
  })

  test('listens with a deep accept backlog: a burst of new connections is not dropped', async () => {
    const port = await freePort()
    const gate = serve(gateEnv(port))
    try {
      await listening(gate)
      // For a listening socket, ss's Send-Q is its backlog (capped by net.core.somaxconn).
      const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
      const backlog = Number(line.trim().split(/\s+/)[2])
      const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'))
      expect(backlog).toBe(Math.min(4096, somaxconn))
      expect(backlog).toBeGreaterThan(511)
    } finally {
      gate.child.kill('SIGTERM')
      await gate.exited
    }
  })

  test('a bad configuration exits 1 naming every problem', async () => {
    const gate = serve({
      PORT: 'eighty',
      VIBEGATE_SESSION_SECRET: 'short',
      OURSONG_BASE_URL: 'ftp://x',
    })
    expect(await gate.exited).toBe(1)
    const output = gate.output()
    for (const name of [
      'PORT',
      'VIBEGATE_SESSION_SECRET',
      'OURSONG_BASE_URL',
      'OURSONG_API_KEY',
      'OURSONG_API_SECRET',
    ]) {
      expect(output).toContain(name)
    }
  })

  test('a missing rules file exits 1 naming VIBEGATE_RULES', async () => {
    const missing = join(dir, 'no-such-rules.yaml')
    const gate = serve(gateEnv(await freePort(), { VIBEGATE_RULES: missing }))
    expect(await gate.exited).toBe(1)
    expect(gate.output()).toContain(
      `vibegate serve: the rules file ${missing} does not exist (VIBEGATE_RULES=${missing}`,
    )
    expect(gate.output()).toContain('Set VIBEGATE_RULES to your rules file')
  })

  test('a broken rules file exits 1 with FILE:LINE:COL problems', async () => {
    await writeFile(
      join(dir, 'broken.yaml'),
      'version: 1\nrules:\n  - { id: a, match: { paths: [x] }, access: public }\n',
    )
    const gate = serve({
      PORT: String(await freePort()),
      VIBEGATE_RULES: join(dir, 'broken.yaml'),
      OURSONG_API_KEY: 'k',
      OURSONG_API_SECRET: 's',
    })
    expect(await gate.exited).toBe(1)
    expect(gate.output()).toMatch(/broken\.yaml:3:\d+: rules\[0\]\.match\.paths\[0\]/)
  })

  test('idle sockets past its open-file limit cannot take the gate down', async () => {
    const port = await freePort()
    // 256 descriptors: without a connection cap the gate's accept() fails with EMFILE and
    // every later request, /healthz included, waits forever.
    const gate = serve(gateEnv(port), ['prlimit', '--nofile=256:256'])
    const sockets: Socket[] = []
    try {
      await listening(gate)
      for (let i = 0; i < 400; i++) {
        const socket = connect(port, '127.0.0.1')
        socket.on('error', () => undefined)
        sockets.push(socket)
        await new Promise((resolve) => {
          socket.once('connect', resolve)
          socket.once('error', resolve)
        })
      }
      const decision = await fetch(`http://127.0.0.1:${port}/authz/auth-request`, {
        headers: { 'X-Original-Method': 'GET', 'X-Original-URI': '/videos/yellow/1.ts' },
        signal: AbortSignal.timeout(3000),
      })
      expect(decision.status).toBe(401)
      const health = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(3000),
      })
      expect(health.status).toBe(200)
    } finally {
      for (const socket of sockets) socket.destroy()
      gate.child.kill('SIGTERM')
    }
    expect(await gate.exited).toBe(0)
  })

  test('VIBEGATE_METRICS_PORT moves /metrics off the public listener', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()]
    const gate = serve(gateEnv(port, { VIBEGATE_METRICS_PORT: String(metricsPort) }))
    try {
      await listening(gate)
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404)
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
      expect(metrics.status).toBe(200)
      expect(await metrics.text()).toContain('vibegate_decisions_total')
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404)
    } finally {
      gate.child.kill('SIGTERM')
    }
    expect(await gate.exited).toBe(0)
  })
})
