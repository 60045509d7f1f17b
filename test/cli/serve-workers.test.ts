import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Wallet } from 'ethers'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLowPort } from '../helpers/free-port.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import {
  getFresh,
  logLines,
  pidsWithEnv,
  spawnServe,
  type ServeProcess,
} from '../helpers/serve-process.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { KEYS, TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

const hasRedis = await redisAvailable()
const maybe = hasRedis ? describe : describe.skip
// A database of its own: the gate's keys (prefix vibegate:) stay apart from other suites'.
const GROUP_REDIS_URL = `${REDIS_URL}/13`

let sim: SimulatorHarness
let dir: string
beforeAll(async () => {
  sim = await startTestSimulator()
  dir = await mkdtemp(join(tmpdir(), 'vibegate-workers-'))
  await writeFile(
    join(dir, 'rules.yaml'),
    'version: 1\nrules:\n  - { id: yellow, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }\n',
  )
  await writeFile(
    join(dir, 'broken.yaml'),
    'version: 1\nrules:\n  - { id: a, match: { paths: [x] }, access: public }\n',
  )
})
afterAll(async () => {
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

/** A gate on `port` in front of the simulator; no VIBEGATE_KEYS, no VIBEGATE_SESSION_SECRET. */
const groupEnv = (port: number, extra: Record<string, string> = {}): Record<string, string> => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  VIBEGATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
  VIBEGATE_RULES: join(dir, 'rules.yaml'),
  OURSONG_BASE_URL: sim.url,
  OURSONG_API_KEY: TEST_API_KEY,
  OURSONG_API_SECRET: TEST_API_SECRET,
  REDIS_URL: GROUP_REDIS_URL,
  VIBEGATE_WORKERS: '2',
  ...extra,
})

/** Pids of the workers that logged 'worker listening', in order. */
const workerPids = (gate: ServeProcess): number[] =>
  logLines(gate.output())
    .filter((l) => l.msg === 'worker listening')
    .map((l) => l.pid as number)

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const decide = (base: string) =>
  getFresh(`${base}/authz/auth-request`, {
    'X-Original-Method': 'GET',
    'X-Original-URI': '/videos/yellow/1.ts',
    Authorization: `Bearer ${TOKENS.alice}`,
  })

describe('vibegate serve with VIBEGATE_WORKERS', () => {
  test('more than one worker without REDIS_URL exits 1 before forking, naming both variables', async () => {
    const port = await freeLowPort()
    const { REDIS_URL: _, ...env } = groupEnv(port)
    const gate = spawnServe(env)
    expect(await gate.exited).toBe(1)
    expect(gate.output()).toContain('VIBEGATE_WORKERS=2 needs REDIS_URL')
    expect(gate.output()).toContain('or VIBEGATE_WORKERS=1')
    expect(gate.output()).not.toContain('worker listening')
  })

  test('an invalid VIBEGATE_WORKERS exits 1 naming the accepted forms', async () => {
    const gate = spawnServe(groupEnv(await freeLowPort(), { VIBEGATE_WORKERS: 'lots' }))
    expect(await gate.exited).toBe(1)
    expect(gate.output()).toContain(
      'VIBEGATE_WORKERS must be a whole number from 1 to 64, or auto (one per CPU core), got "lots"',
    )
  })
})

maybe('vibegate serve with two workers and Redis', () => {
  let port: number
  let base: string
  let gate: ServeProcess

  beforeAll(async () => {
    port = await freeLowPort()
    base = `http://127.0.0.1:${port}`
    gate = spawnServe(groupEnv(port))
    expect(await gate.waitFor('vibegate listening', 20_000)).toBe(true)
  }, 30_000)
  afterAll(async () => {
    if (gate.child.exitCode === null) gate.child.kill('SIGKILL')
    for (const pid of pidsWithEnv('PORT', String(port))) process.kill(pid, 'SIGKILL')
  })

  test('logs listening once both workers listen; both answer on the one port', async () => {
    const lines = logLines(gate.output())
    const listening = lines.findIndex((l) => l.msg === 'vibegate listening')
    expect(lines[listening]).toMatchObject({ port, workers: 2 })
    expect(new Set(workerPids(gate)).size).toBe(2)
    // Both workers said so before the primary did.
    expect(lines.slice(0, listening).filter((l) => l.msg === 'worker listening')).toHaveLength(2)
    for (let i = 0; i < 8; i++)
      expect((await getFresh(`${base}/auth/me`, { 'X-Request-Id': `both-${i}` })).status).toBe(401)
    await gate.waitFor('"request_id":"both-7"')
    const answeredBy = logLines(gate.output())
      .filter((l) => String(l.request_id).startsWith('both-'))
      .map((l) => l.worker)
    expect(new Set(answeredBy).size).toBe(2)
  })

  test('every worker publishes the same JWKS, and every JWT verifies with it', async () => {
    const sets = await Promise.all(
      Array.from(
        { length: 10 },
        async () => (await getFresh(`${base}/.well-known/jwks.json`)).body,
      ),
    )
    expect(new Set(sets).size).toBe(1)
    const jwks = createLocalJWKSet(JSON.parse(sets[0]!) as JSONWebKeySet)
    for (let i = 0; i < 10; i++) {
      const decision = await decide(base)
      expect(decision.status).toBe(200)
      const jwt = String(decision.headers.authorization).replace(/^Bearer /, '')
      await expect(jwtVerify(jwt, jwks, { issuer: base })).resolves.toBeDefined()
    }
  })

  test('a wallet session started on one worker holds on every other', async () => {
    const alice = new Wallet(KEYS.alice)
    const challenge = await getFresh(`${base}/auth/wallet/challenge?address=${alice.address}`)
    // More than 10 runs a minute would meet the per-address rate limit (429), kept in Redis.
    expect([challenge.status, challenge.body]).toEqual([200, expect.any(String)])
    const { message } = JSON.parse(challenge.body) as { message: string }
    const login = await getFresh(
      `${base}/auth/wallet/login`,
      { 'content-type': 'application/json', origin: base },
      {
        method: 'POST',
        body: JSON.stringify({ message, signature: await alice.signMessage(message) }),
      },
    )
    expect([login.status, login.body]).toEqual([200, expect.stringContaining('"alice"')])
    const cookie = (login.headers['set-cookie'] as string[])[0]!.split(';')[0]!
    for (let i = 0; i < 8; i++) {
      const me = await getFresh(`${base}/auth/me`, { cookie, 'X-Request-Id': `session-${i}` })
      expect(me.status).toBe(200)
      expect(JSON.parse(me.body)).toMatchObject({ user: { id: 'alice' } })
    }
    await gate.waitFor('"request_id":"session-7"')
    const answeredBy = logLines(gate.output())
      .filter((l) => String(l.request_id).startsWith('session-'))
      .map((l) => l.worker)
    expect(new Set(answeredBy).size).toBe(2)
  })

  test('/metrics on the public port is the sum over the workers', async () => {
    const before = decisionCount((await getFresh(`${base}/metrics`)).body)
    for (let i = 0; i < 10; i++) expect((await decide(base)).status).toBe(200)
    // Several scrapes, on fresh connections: whichever worker answers, the sum is the same.
    for (let i = 0; i < 4; i++) {
      const metrics = (await getFresh(`${base}/metrics`)).body
      expect(decisionCount(metrics)).toBe(before + 10)
      expect(metrics).toMatch(/^vibegate_workers 2$/m)
      expect(metrics).toMatch(/^vibegate_rules 1$/m)
      expect(metrics).toMatch(/^vibegate_rules_last_reload_ok 1$/m)
    }
  })

  test('a worker killed with SIGKILL is replaced, and the port keeps answering', async () => {
    const [victim, survivor] = workerPids(gate)
    process.kill(victim!, 'SIGKILL')
    expect(await gate.waitFor(/"msg":"worker exited; starting another"/)).toBe(true)
    const exited = logLines(gate.output()).find((l) => l.msg === 'worker exited; starting another')
    expect(exited).toMatchObject({ pid: victim, signal: 'SIGKILL', code: null, restart_in_ms: 0 })
    // Until the replacement listens, the survivor takes every connection.
    for (let i = 0; i < 10; i++) expect((await getFresh(`${base}/healthz`)).status).toBe(200)
    for (let i = 0; i < 200 && workerPids(gate).length < 3; i++)
      await new Promise((r) => setTimeout(r, 50))
    const replacement = workerPids(gate)[2]!
    expect([victim, survivor]).not.toContain(replacement)
    expect(alive(replacement)).toBe(true)
    for (let i = 0; i < 6; i++) expect((await decide(base)).status).toBe(200)
    expect((await getFresh(`${base}/metrics`)).body).toMatch(/^vibegate_worker_restarts_total 1$/m)
  })

  test('SIGTERM to the primary drains every worker and exits 0, leaving no process', async () => {
    const workers = pidsWithEnv('PORT', String(port)).filter((pid) => pid !== gate.child.pid)
    expect(workers).toHaveLength(2)
    // A request in flight: its body is still on the way when the stop begins.
    const body = '{"message":"x","signature":"0x00"}'
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (c: Buffer) => (answer += c.toString()))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      `POST /auth/wallet/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    )
    await new Promise((r) => setTimeout(r, 200))
    const stopping = Date.now()
    gate.child.kill('SIGTERM')
    expect(await gate.waitFor(/worker shutting down[\s\S]*worker shutting down/)).toBe(true)
    socket.write(body.slice(5))
    expect(await gate.exited).toBe(0)
    await closed
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /)
    // Promptly: the workers drained, nobody waited for the SIGKILL deadline.
    expect(Date.now() - stopping).toBeLessThan(5000)
    expect(gate.output()).toMatch(/"workers":2,"msg":"shutting down: draining requests in flight"/)
    expect(workers.filter(alive)).toEqual([])
    expect(pidsWithEnv('PORT', String(port))).toEqual([])
  })
})

maybe('start-up failures and the end of the primary, with two workers', () => {
  test('a broken rules file exits 1 with its FILE:LINE:COL problem once, leaving no process', async () => {
    const port = await freeLowPort()
    const gate = spawnServe(groupEnv(port, { VIBEGATE_RULES: join(dir, 'broken.yaml') }))
    expect(await gate.exited).toBe(1)
    const problems = gate.output().match(/broken\.yaml:3:\d+: rules\[0\]\.match\.paths\[0\]/g)
    expect(problems).toHaveLength(1)
    expect(gate.output()).not.toContain('vibegate listening')
    expect(pidsWithEnv('PORT', String(port))).toEqual([])
  })

  test('a port in use exits 1 with the message one process would print, leaving no process', async () => {
    const port = await freeLowPort()
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve))
    try {
      const gate = spawnServe(groupEnv(port))
      expect(await gate.exited).toBe(1)
      const message = `vibegate serve: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`
      expect(
        gate
          .output()
          .split('\n')
          .filter((line) => line === message),
      ).toHaveLength(1)
      // One process alone prints the same.
      const alone = spawnServe(groupEnv(port, { VIBEGATE_WORKERS: '1' }))
      expect(await alone.exited).toBe(1)
      expect(alone.output().split('\n')).toContain(message)
      expect(pidsWithEnv('PORT', String(port))).toEqual([])
    } finally {
      squatter.close()
    }
  })

  test('VIBEGATE_METRICS_PORT: the primary serves the group’s sum there, the workers 404 it', async () => {
    const [port, metricsPort] = [await freeLowPort(), await freeLowPort()]
    const gate = spawnServe(groupEnv(port, { VIBEGATE_METRICS_PORT: String(metricsPort) }))
    try {
      expect(await gate.waitFor('vibegate listening', 20_000)).toBe(true)
      for (let i = 0; i < 6; i++)
        expect((await decide(`http://127.0.0.1:${port}`)).status).toBe(200)
      expect((await getFresh(`http://127.0.0.1:${port}/metrics`)).status).toBe(404)
      const metrics = await getFresh(`http://127.0.0.1:${metricsPort}/metrics`)
      expect(metrics.status).toBe(200)
      expect(decisionCount(metrics.body)).toBe(6)
      expect((await getFresh(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404)
    } finally {
      gate.child.kill('SIGTERM')
    }
    expect(await gate.exited).toBe(0)
  })

  test('workers exit when their primary is killed: no orphans', async () => {
    const port = await freeLowPort()
    const gate = spawnServe(groupEnv(port))
    expect(await gate.waitFor('vibegate listening', 20_000)).toBe(true)
    const workers = workerPids(gate)
    expect(workers).toHaveLength(2)
    gate.child.kill('SIGKILL')
    await gate.exited
    for (let i = 0; i < 100 && workers.some(alive); i++) await new Promise((r) => setTimeout(r, 50))
    expect(workers.filter(alive)).toEqual([])
  })
})

/** The allowed auth-request decisions a /metrics text counts. */
function decisionCount(metrics: string): number {
  const line = /^vibegate_decisions_total\{endpoint="auth-request",status="200",reason=""\} (\d+)$/m
  return Number(line.exec(metrics)?.[1] ?? 0)
}
