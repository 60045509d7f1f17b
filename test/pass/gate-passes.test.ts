import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { createPassSigner } from '../../src/pass/pass-signer.js'
import { parsePassSecrets, type PassKey } from '../../src/pass/pass-secrets.js'
import { REDIS_URL, redisAvailable, testPrefix } from '../helpers/redis.js'
import { signInWithOAuth } from '../helpers/sign-in.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import {
  TEST_API_KEY,
  TEST_API_SECRET,
  TEST_REDIRECT_URI,
  TOKENS,
} from '../helpers/test-fixture.js'

const hasRedis = await redisAvailable()
const PUBLIC_URL = new URL(TEST_REDIRECT_URI).origin
const SECRET = 'p'.repeat(40)
const ADMIN = 'a'.repeat(40)
const rulesYaml = (ttl: number): string => `version: 1
rules:
  - id: assets
    match: { paths: [/assets/**, /media/stream/free/**] }
    access: public
  - id: stream
    match: { paths: [/media/stream/**] }
    require: { vibe: nxwyqqow }
    pass: { ttl: ${ttl} }
  - id: members
    match: { paths: [/members/**] }
    access: authenticated
`

/** Polls `read` until `ok` holds of its value, for at most `ms`; returns the last value. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 2500): Promise<T> {
  const until = Date.now() + ms
  let value = await read()
  while (!ok(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
    value = await read()
  }
  return value
}

;(hasRedis ? describe : describe.skip)('edge passes through createGate and Redis', () => {
  let sim: SimulatorHarness
  let dir: string
  const prefix = testPrefix()
  const clients: Redis[] = []
  const running: { gate: Gate; server: Server }[] = []
  let gateUrl: string
  let rulesFile: string
  let epochFile: string
  let redis: Redis

  async function start(options: { secrets: string[]; file?: string }): Promise<string> {
    const client = new Redis(REDIS_URL, { keyPrefix: prefix.prefix })
    clients.push(client)
    const gate = await createGate({
      rules: rulesFile,
      publicUrl: PUBLIC_URL,
      oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 's'.repeat(40),
      adminToken: ADMIN,
      redis: client,
      passSecrets: options.secrets,
      ...(options.file ? { passEpochFile: options.file } : {}),
    })
    const server = createServer(gate.handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    running.push({ gate, server })
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  const decide = (
    path: string,
    init: { method?: string; token?: string; cookie?: string; endpoint?: string } = {},
  ): Promise<Response> => {
    const method = init.method ?? 'GET'
    const forward = init.endpoint === 'forward-auth'
    return fetch(`${gateUrl}/authz/${forward ? 'forward-auth' : 'auth-request'}`, {
      headers: {
        ...(forward
          ? {
              'X-Forwarded-Method': method,
              'X-Forwarded-Proto': 'https',
              'X-Forwarded-Host': 'Fans.Example.com',
              'X-Forwarded-Uri': path,
            }
          : {
              'X-Original-Method': method,
              'X-Original-URI': path,
              'X-Forwarded-Host': 'fans.example.com',
            }),
        Accept: 'application/json',
        ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
        ...(init.cookie ? { Cookie: init.cookie } : {}),
      },
    })
  }
  const fileEpoch = async (): Promise<number> =>
    Number((await readFile(epochFile, 'utf8')).split('\n')[0])
  const purge = (url: string, body: object): Promise<Response> =>
    fetch(`${url}/admin/cache/purge`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })

  beforeAll(async () => {
    sim = await startTestSimulator()
    dir = await mkdtemp(join(tmpdir(), 'gate-passes-'))
    rulesFile = join(dir, 'rules.yaml')
    epochFile = join(dir, 'epoch')
    await writeFile(rulesFile, rulesYaml(60))
    redis = new Redis(REDIS_URL, { keyPrefix: prefix.prefix })
    clients.push(redis)
    gateUrl = await start({ secrets: [SECRET], file: epochFile })
  })
  afterAll(async () => {
    for (const { gate, server } of running) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await gate.close()
    }
    for (const client of clients) client.disconnect()
    await prefix.cleanup()
    await sim.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('auth-request answers a pass for a pass rule, and none for other rules or methods', async () => {
    const allowed = await decide('/media/stream/a.ts', { token: TOKENS.alice })
    expect(allowed.status).toBe(200)
    const header = allowed.headers.get('x-vibegate-pass')!
    // http: public URL (the demo): no Secure.
    expect(header).toMatch(
      /^vibegate_pass=v2\|[^;, ]+\.[\w-]{43}; Path=\/media\/stream\/; Max-Age=60; HttpOnly; SameSite=Lax$/,
    )
    const keys = (parsePassSecrets([SECRET]) as { keys: PassKey[] }).keys
    const pass = /^vibegate_pass=([^;]+)/.exec(header)![1]!
    const claims = createPassSigner({ keys }).verify(pass, Math.floor(Date.now() / 1000))!
    expect(claims).toMatchObject({
      h: 'fans.example.com',
      scope: '1|/media/stream/|/media/stream/free/',
      u: allowed.headers.get('x-vibegate-user'),
      e: Number(await redis.get('vibegate:{pass}:epoch')),
    })
    expect(claims.x - claims.i).toBe(60)

    const head = await decide('/media/stream/a.ts', { token: TOKENS.alice, method: 'HEAD' })
    expect(head.headers.get('x-vibegate-pass')).not.toBeNull()
    const forward = await decide('/media/stream/a.ts', {
      token: TOKENS.alice,
      endpoint: 'forward-auth',
    })
    expect(forward.status).toBe(200)
    expect(forward.headers.get('x-vibegate-pass')).not.toBeNull()

    const post = await decide('/media/stream/a.ts', { token: TOKENS.alice, method: 'POST' })
    expect(post.status).toBe(200)
    expect(post.headers.get('x-vibegate-pass')).toBeNull()
    const members = await decide('/members/x', { token: TOKENS.alice })
    expect(members.status).toBe(200)
    expect(members.headers.get('x-vibegate-pass')).toBeNull()
    const denied = await decide('/media/stream/a.ts', { token: TOKENS.bob })
    expect(denied.status).toBe(403)
    expect(denied.headers.get('x-vibegate-pass')).toBeNull()
    // A request that carries a fresh pass gets no new one.
    const carried = await decide('/media/stream/b.ts', {
      token: TOKENS.alice,
      cookie: `vibegate_pass=${pass}`,
    })
    expect(carried.status).toBe(200)
    expect(carried.headers.get('x-vibegate-pass')).toBeNull()
  })

  test('the epoch file holds the epoch in Redis', async () => {
    expect(await fileEpoch()).toBe(Number(await redis.get('vibegate:{pass}:epoch')))
  })

  test("an operator purge moves the epoch; another replica's purge reaches the file within ~1 s", async () => {
    const before = await fileEpoch()
    expect((await purge(gateUrl, { vibe: 'nxwyqqow' })).status).toBe(200)
    expect(await fileEpoch()).toBeGreaterThan(before)
    const replica = await start({ secrets: [SECRET] })
    const seen = await fileEpoch()
    const started = Date.now()
    expect((await purge(replica, { user: 'someone' })).status).toBe(200)
    const after = await eventually(fileEpoch, (e) => e > seen, 2000)
    expect(after).toBeGreaterThan(seen)
    expect(Date.now() - started).toBeLessThan(1600)
    expect(await readFile(epochFile, 'utf8')).toMatch(/\nsomeone \d+\n/)
  })

  test('a rules change that takes effect moves the epoch', async () => {
    const before = await fileEpoch()
    await writeFile(rulesFile, rulesYaml(30))
    const after = await eventually(fileEpoch, (e) => e > before, 4000)
    expect(after).toBeGreaterThan(before)
    const fresh = await decide('/media/stream/a.ts', { token: TOKENS.alice })
    expect(fresh.headers.get('x-vibegate-pass')).toContain('Max-Age=30;')
  })

  test('a gate starting with other pass secrets moves the epoch', async () => {
    const before = Number(await redis.get('vibegate:{pass}:epoch'))
    await start({ secrets: ['q'.repeat(40), SECRET] })
    expect(Number(await redis.get('vibegate:{pass}:epoch'))).toBeGreaterThan(before)
    // The same secrets again: no move.
    const now = Number(await redis.get('vibegate:{pass}:epoch'))
    await start({ secrets: ['q'.repeat(40), SECRET] })
    expect(Number(await redis.get('vibegate:{pass}:epoch'))).toBe(now)
  })

  test('logout revokes the user (epoch file line) and expires the pass cookies', async () => {
    const session = await signInWithOAuth(sim.url, gateUrl, 'alice')
    const who = await decide('/media/stream/a.ts', { cookie: `vibegate_session=${session}` })
    expect(who.status).toBe(200)
    const uuid = who.headers.get('x-vibegate-user')!
    const out = await fetch(`${gateUrl}/auth/logout`, {
      method: 'POST',
      headers: { Cookie: `vibegate_session=${session}` },
    })
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie()).toContain(
      'vibegate_pass=; Path=/media/stream/; Max-Age=0; HttpOnly; SameSite=Lax',
    )
    const text = await eventually(
      () => readFile(epochFile, 'utf8'),
      (t) => t.includes(`\n${uuid} `),
      1500,
    )
    expect(text).toContain(`\n${uuid} `)
    expect(await redis.zscore('vibegate:{pass}:revoked', uuid)).not.toBeNull()
  })
})
