import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freeLowPort } from '../helpers/free-port.js'
import { haveRedisServer } from '../helpers/redis-servers.js'
import { haveOpenssl, startTlsRedis, type TlsRedis } from '../helpers/redis-tls.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'
import { signInWithOAuth, walletLoginTwice } from '../helpers/sign-in.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import {
  KEYS,
  TEST_API_KEY,
  TEST_API_SECRET,
  TEST_REDIRECT_URI,
  TOKENS,
} from '../helpers/test-fixture.js'

// Issue 13: the gate on Redis over TLS with a password. A throwaway CA made with openssl
// signs the certificate of a redis-server that listens on TLS only (--port 0) and requires a
// password; real `vibegate serve` processes (dist/cli.js, built by `npm test`) connect with
// REDIS_URL=rediss://:PASSWORD@127.0.0.1:PORT and trust the CA through NODE_EXTRA_CA_CERTS,
// which Node reads once at process start: the operator's way to trust a private CA.

const run = promisify(execFile)

if ((!haveRedisServer || !haveOpenssl) && process.env.CI === 'true')
  throw new Error('redis-server, redis-cli and openssl are required in CI')
const withTls = haveRedisServer && haveOpenssl ? describe : describe.skip

/** The public origin both gates are told (the simulator's registered redirect URI's). */
const PUBLIC_URL = new URL(TEST_REDIRECT_URI).origin
const RULES = `version: 1
rules:
  - { id: members, match: { paths: ["/members/**"] }, access: authenticated }
  - { id: yellow, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }
`

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

withTls('the gate on Redis over TLS with a password (rediss://, private CA)', () => {
  let sim: SimulatorHarness
  let redis: TlsRedis
  let dir: string
  const gates: ServeProcess[] = []

  beforeAll(async () => {
    ;[sim, redis, dir] = await Promise.all([
      startTestSimulator(),
      startTlsRedis(),
      mkdtemp(join(tmpdir(), 'vibegate-redis-tls-gate-')),
    ])
    await writeFile(join(dir, 'rules.yaml'), RULES)
  }, 20_000)
  afterAll(async () => {
    await Promise.all(
      gates.map(async (gate) => {
        if (gate.child.exitCode === null && gate.child.signalCode === null)
          gate.child.kill('SIGKILL')
        await gate.exited
      }),
    )
    await sim?.close()
    await redis?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  interface Gate {
    base: string
    process: ServeProcess
  }

  /** `vibegate serve` on a port of its own with `redisUrl`; `extra` adds variables. */
  async function startGate(redisUrl: string, extra: Record<string, string> = {}): Promise<Gate> {
    const port = await freeLowPort()
    const process = spawnServe({
      PORT: String(port),
      HOST: '127.0.0.1',
      VIBEGATE_PUBLIC_URL: PUBLIC_URL,
      VIBEGATE_RULES: join(dir, 'rules.yaml'),
      VIBEGATE_SESSION_SECRET: 't'.repeat(40),
      OURSONG_BASE_URL: sim.url,
      OURSONG_API_KEY: TEST_API_KEY,
      OURSONG_API_SECRET: TEST_API_SECRET,
      REDIS_URL: redisUrl,
      ...extra,
    })
    gates.push(process)
    if (!(await process.waitFor('vibegate listening', 10_000)))
      throw new Error(`the gate did not start:\n${process.output()}`)
    return { base: `http://127.0.0.1:${port}`, process }
  }

  const readyz = async (gate: Gate): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${gate.base}/readyz`, { signal: AbortSignal.timeout(5000) })
    return { status: r.status, body: await r.json() }
  }

  /** nginx's auth_request for `path` with `headers`: the status. */
  const decide = async (
    gate: Gate,
    path: string,
    headers: Record<string, string>,
  ): Promise<number> => {
    const r = await fetch(`${gate.base}/authz/auth-request`, {
      headers: { 'X-Original-Method': 'GET', 'X-Original-URI': path, ...headers },
      signal: AbortSignal.timeout(5000),
    })
    await r.arrayBuffer()
    return r.status
  }

  /** Retries `check` until it holds (at most `ms`): a gate's first PING may still be connecting. */
  const eventually = async (ms: number, check: () => Promise<boolean>): Promise<boolean> => {
    for (const end = Date.now() + ms; ; await sleep(100)) {
      if (await check()) return true
      if (Date.now() > end) return false
    }
  }

  const bearer = { Authorization: `Bearer ${TOKENS.alice}` }
  const cookie = (id: string): Record<string, string> => ({ Cookie: `vibegate_session=${id}` })
  const neverShowsPassword = (gate: Gate): void => {
    expect(gate.process.output()).not.toContain(redis.password)
    expect(gate.process.output()).not.toContain(encodeURIComponent(redis.password))
  }

  let a: Gate
  let b: Gate
  /** A session made at gate A while both gates were up: the negative cases present it too. */
  let sessionId: string

  test('the Redis server listens on TLS only, and refuses plaintext on its TLS port', async () => {
    expect((await redis.cli('CONFIG', 'GET', 'port')).trim().split('\n')).toEqual(['port', '0'])
    expect((await redis.cli('CONFIG', 'GET', 'tls-port')).trim().split('\n')).toEqual([
      'tls-port',
      String(redis.port),
    ])
    // Plain redis-cli (no --tls) on the TLS port: no PONG, and the server logs a TLS error.
    const plain = await run(
      'redis-cli',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(redis.port),
        '-a',
        redis.password,
        '--no-auth-warning',
        'PING',
      ],
      { timeout: 5000 },
    ).then(
      ({ stdout }) => stdout,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    )
    expect(plain).not.toContain('PONG')
    expect(
      await eventually(2000, async () => /wrong version number|SSL|TLS/i.test(await redis.log())),
    ).toBe(true)
  })

  test('two gates trusting the CA (NODE_EXTRA_CA_CERTS) are ready and share state over TLS', async () => {
    const trust = { NODE_EXTRA_CA_CERTS: redis.caFile }
    const before = (await redis.cli('CLIENT', 'LIST')).trim().split('\n').length
    ;[a, b] = await Promise.all([startGate(redis.url, trust), startGate(redis.url, trust)])

    for (const gate of [a, b])
      expect(await eventually(5000, async () => (await readyz(gate)).status === 200)).toBe(true)
    expect(await readyz(a)).toEqual({ status: 200, body: { ready: true } })
    expect(await readyz(b)).toEqual({ status: 200, body: { ready: true } })

    // An OAuth sign-in at A: its session cookie works at B, since the session lives in Redis.
    sessionId = await signInWithOAuth(sim.url, a.base, 'carol')
    expect(await decide(b, '/members/x', cookie(sessionId))).toBe(200)
    expect(await decide(a, '/members/x', cookie(sessionId))).toBe(200)
    expect(await decide(b, '/members/x', cookie('no-such-session'))).toBe(401)

    // A wallet sign-in nonce issued at A is taken at B, once: A sees it gone.
    const { first, replay } = await walletLoginTwice(a.base, b.base, a.base, KEYS.alice, PUBLIC_URL)
    expect(first.status).toBe(200)
    expect(replay.status).not.toBe(200)
    expect(await replay.json()).toMatchObject({ error: 'wallet_nonce_invalid' })

    // Ownership decisions (Bearer) at both gates.
    expect(await decide(a, '/videos/yellow/1.ts', bearer)).toBe(200)
    expect(await decide(b, '/videos/yellow/1.ts', bearer)).toBe(200)

    // The state is in the TLS-only server (no plaintext port exists), and both gates hold
    // connections to it there.
    const keys = (await redis.cli('--scan', '--pattern', 'vibegate:*')).trim().split('\n')
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.some((key) => key.includes('sess'))).toBe(true)
    const clients = (await redis.cli('CLIENT', 'LIST')).trim().split('\n')
    expect(clients.length).toBeGreaterThanOrEqual(before + 2)
    neverShowsPassword(a)
    neverShowsPassword(b)
  }, 25_000)

  test('without NODE_EXTRA_CA_CERTS the certificate is untrusted: not ready, no crash, no allow', async () => {
    const handshakeErrors = async (): Promise<number> =>
      (await redis.log())
        .split('\n')
        .filter((l) => l.includes('Error accepting a client connection')).length
    const before = await handshakeErrors()
    const gate = await startGate(redis.url)
    const ready = await readyz(gate)
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({
      ready: false,
      problems: [expect.stringContaining('REDIS_URL')],
    })
    // A session valid in Redis, and a Bearer token that owns the vibe (both allowed at the
    // gates above), are never allowed here: the gate fails closed without its store.
    expect(await decide(gate, '/members/x', cookie(sessionId))).not.toBe(200)
    expect(await decide(gate, '/videos/yellow/1.ts', bearer)).not.toBe(200)
    // The gate reached the server and dropped the TLS handshake (it does not trust the
    // certificate): Redis logs a failed accept for each attempt.
    expect(await eventually(3000, async () => (await handshakeErrors()) > before)).toBe(true)
    // The log says why, and what to do.
    expect(
      await eventually(3000, async () => gate.process.output().includes('NODE_EXTRA_CA_CERTS')),
    ).toBe(true)
    expect(gate.process.output()).toContain('SELF_SIGNED_CERT_IN_CHAIN')
    expect((await readyz(gate)).status).toBe(503)
    expect(gate.process.child.exitCode).toBeNull()
    neverShowsPassword(gate)
  }, 20_000)

  test('with a wrong password: not ready, no crash, no allow', async () => {
    const wrong = `rediss://:${encodeURIComponent('not-the-password')}@127.0.0.1:${redis.port}`
    const gate = await startGate(wrong, { NODE_EXTRA_CA_CERTS: redis.caFile })
    const ready = await readyz(gate)
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({
      ready: false,
      problems: [expect.stringContaining('REDIS_URL')],
    })
    expect(await decide(gate, '/members/x', cookie(sessionId))).not.toBe(200)
    expect(await decide(gate, '/videos/yellow/1.ts', bearer)).not.toBe(200)
    // The TLS handshake succeeded and Redis refused the AUTH: its ACL log says so.
    expect(
      await eventually(2000, async () => /\bauth\b/.test(await redis.cli('ACL', 'LOG', '1'))),
    ).toBe(true)
    expect(
      await eventually(3000, async () =>
        gate.process.output().includes('check the password in REDIS_URL'),
      ),
    ).toBe(true)
    expect(gate.process.child.exitCode).toBeNull()
    expect(gate.process.output()).not.toContain('not-the-password')
  }, 20_000)
})
