import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Wallet } from 'ethers'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import {
  haveRedisServer,
  startRedisCluster,
  startRedisSentinel,
  type RedisProcesses,
} from '../helpers/redis-servers.js'
import { signInWithOAuth } from '../helpers/sign-in.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import {
  KEYS,
  TEST_API_KEY,
  TEST_API_SECRET,
  TEST_REDIRECT_URI,
  TOKENS,
} from '../helpers/test-fixture.js'

// Issue 13: the gate on a Redis Cluster (3 masters) and on a Sentinel-managed primary with a
// replica, started here on ports of their own (never the shared Redis): two gates on each
// share sessions, sign-in nonces, the ownership cache, purges, logouts and the pass epoch.

if (!haveRedisServer && process.env.CI === 'true')
  throw new Error('redis-server and redis-cli are required in CI (apt-get install redis-server)')
const withServers = haveRedisServer ? describe : describe.skip

const OWN_THIS_VIBE = 'GET /api/open-api/auth-user/own-this-vibe'
const ADMIN_TOKEN = 'a'.repeat(40)
const PUBLIC_URL = new URL(TEST_REDIRECT_URI).origin
const RULES = {
  version: 1,
  rules: [
    { id: 'members', match: { paths: ['/members/**'] }, access: 'authenticated' },
    {
      id: 'stream',
      match: { paths: ['/media/stream/**'] },
      require: { vibe: 'nxwyqqow' },
      pass: { ttl: '60s' },
    },
  ],
}

let sim: SimulatorHarness
beforeAll(async () => {
  sim = await startTestSimulator()
})
afterAll(async () => {
  await sim?.close()
})

interface Running {
  gate: Gate
  server: Server
  url: string
}

async function startGate(redis: string): Promise<Running> {
  const gate = await createGate({
    rules: RULES,
    publicUrl: PUBLIC_URL,
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 't'.repeat(40),
    adminToken: ADMIN_TOKEN,
    passSecrets: ['p'.repeat(40)],
    redis,
  })
  const server = createServer(gate.handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { gate, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function stopGate({ gate, server }: Running): Promise<void> {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await gate.close()
}

/** nginx's auth_request for `path`, with `headers`: status, reason and the pass header. */
async function decide(
  gate: Running,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; reason: string; pass: string | null }> {
  const r = await fetch(`${gate.url}/authz/auth-request`, {
    headers: {
      'X-Original-Method': 'GET',
      'X-Original-URI': path,
      'X-Forwarded-Host': 'fans.example.com',
      ...headers,
    },
  })
  await r.arrayBuffer()
  return {
    status: r.status,
    reason: r.headers.get('x-vibegate-reason') ?? '',
    pass: r.headers.get('x-vibegate-pass'),
  }
}

const session = (id: string): Record<string, string> => ({ Cookie: `vibegate_session=${id}` })
const bearer = { Authorization: `Bearer ${TOKENS.alice}` }
const ownCalls = async (): Promise<number> => (await sim.calls())[OWN_THIS_VIBE] ?? 0

/** Waits until `check` holds, up to `ms`; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
  return Date.now() - start
}

/** The checks both topologies pass; `servers()` is the running topology's URL. */
function acrossTwoGates(name: string, servers: () => { url: string }): void {
  describe(`two gates on ${name}`, () => {
    let a: Running
    let b: Running
    beforeAll(async () => {
      a = await startGate(servers().url)
      b = await startGate(servers().url)
    }, 30_000)
    afterAll(async () => {
      if (a) await stopGate(a)
      if (b) await stopGate(b)
    })

    test('a session made at one gate is known at the other', async () => {
      const id = await signInWithOAuth(sim.url, a.url, 'carol')
      expect((await decide(b, '/members/x', session(id))).status).toBe(200)
      expect((await decide(a, '/members/x', session(id))).status).toBe(200)
    })

    test('a wallet sign-in nonce issued at one gate is taken at the other, once', async () => {
      const wallet = new Wallet(KEYS.alice)
      const challenge = (await (
        await fetch(`${a.url}/auth/wallet/challenge?address=${wallet.address}`)
      ).json()) as { message: string }
      const signature = await wallet.signMessage(challenge.message)
      const login = (gate: Running): Promise<Response> =>
        fetch(`${gate.url}/auth/wallet/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: PUBLIC_URL },
          body: JSON.stringify({ message: challenge.message, signature }),
        })
      const first = await login(b)
      expect(first.status).toBe(200)
      const replay = await login(a)
      expect(replay.status).not.toBe(200)
      expect(await replay.json()).toMatchObject({ error: 'wallet_nonce_invalid' })
    })

    test('the ownership cache is shared, and a purge at one gate reaches the other', async () => {
      await sim.resetCalls()
      expect((await decide(a, '/media/stream/a.ts', bearer)).status).toBe(200)
      const afterA = await ownCalls()
      expect(afterA).toBe(1)
      expect((await decide(b, '/media/stream/a.ts', bearer)).status).toBe(200)
      expect(await ownCalls()).toBe(afterA)

      const me = (await (await fetch(`${a.url}/auth/me`, { headers: bearer })).json()) as {
        user: { uuid: string }
      }
      const purge = await fetch(`${a.url}/admin/cache/purge`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: me.user.uuid }),
      })
      expect(purge.status).toBe(200)
      // B asks OurSong again once it has heard of the purge (its local copy lives 1 s).
      await within(3000, async () => {
        expect((await decide(b, '/media/stream/a.ts', bearer)).status).toBe(200)
        return (await ownCalls()) > afterA
      })
    })

    test('a logout at one gate ends the session at the other', async () => {
      const id = await signInWithOAuth(sim.url, a.url, 'bob')
      expect((await decide(b, '/members/x', session(id))).status).toBe(200)
      const logout = await fetch(`${a.url}/auth/logout`, {
        method: 'POST',
        headers: { ...session(id), origin: PUBLIC_URL },
      })
      expect(logout.status).toBe(204)
      expect((await decide(a, '/members/x', session(id))).status).toBe(401)
      await within(6000, async () => (await decide(b, '/members/x', session(id))).status === 401)
    })

    test('the pass epoch (scripts on two keys of one hash slot) works: passes are issued', async () => {
      await within(5000, async () => (await decide(a, '/media/stream/a.ts', bearer)).pass !== null)
      expect((await decide(b, '/media/stream/b.ts', bearer)).pass).not.toBeNull()
    })
  })
}

withServers('Redis Cluster: 3 masters, created with redis-cli --cluster create', () => {
  let cluster: (RedisProcesses & { url: string }) | undefined
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })
  acrossTwoGates('a Redis Cluster (redis-cluster://)', () => cluster!)
})

withServers('Redis Sentinel: a primary, a replica and 3 Sentinels', () => {
  let sentinel: Awaited<ReturnType<typeof startRedisSentinel>> | undefined
  beforeAll(async () => {
    sentinel = await startRedisSentinel()
  }, 60_000)
  afterAll(async () => {
    await sentinel?.stop()
  })
  acrossTwoGates('Sentinel (redis+sentinel://)', () => sentinel!)

  test('killing the primary under load: no allow that should be a deny, no crash, and both gates recover once the replica is promoted', async () => {
    const a = await startGate(sentinel!.url)
    const b = await startGate(sentinel!.url)
    try {
      const carol = await signInWithOAuth(sim.url, a.url, 'carol')
      const bob = { Authorization: `Bearer ${TOKENS.bob}` }
      expect((await decide(b, '/members/x', session(carol))).status).toBe(200)
      // Written to the primary; the replica must have it before the primary dies.
      await new Promise((r) => setTimeout(r, 500))

      const seen: Record<string, Record<number, number>> = {
        holder: {},
        anonymous: {},
        forged: {},
        other: {},
      }
      const count = (kind: string, status: number): void => {
        seen[kind]![status] = (seen[kind]![status] ?? 0) + 1
      }
      let stop = false
      // Bounded: 6 loops, each one request at a time, for as long as the failover takes.
      const load = Array.from({ length: 6 }, async (_, i) => {
        const gate = i % 2 === 0 ? a : b
        while (!stop) {
          count('holder', (await decide(gate, '/members/x', session(carol))).status)
          count('anonymous', (await decide(gate, '/members/x')).status)
          // A session id no gate issued: looked up in Redis, which may be away.
          count('forged', (await decide(gate, '/members/x', session(`x${Math.random()}`))).status)
          count('other', (await decide(gate, '/media/stream/a.ts', bob)).status)
        }
      })
      await new Promise((r) => setTimeout(r, 1000))
      sentinel!.kill(sentinel!.primary)
      await within(30_000, async () => (await sentinel!.currentPrimary()) === sentinel!.replica)
      // Recovery without a restart: both gates answer the holder from the promoted replica.
      await within(15_000, async () => {
        const [x, y] = [
          await decide(a, '/members/x', session(carol)),
          await decide(b, '/members/x', session(carol)),
        ]
        return x.status === 200 && y.status === 200
      })
      stop = true
      await Promise.all(load)
      // Never allowed: no identity, or no holding of the vibe.
      expect(seen.anonymous![200]).toBeUndefined()
      expect(seen.forged![200]).toBeUndefined()
      expect(seen.other![200]).toBeUndefined()
      // Only these answers, ever: allowed, refused, or unavailable (503) while Redis was away.
      for (const kind of Object.keys(seen))
        for (const status of Object.keys(seen[kind]!))
          expect([200, 401, 403, 503]).toContain(Number(status))
      expect(seen.holder![200]).toBeGreaterThan(0)
      // A new session after the failover works too.
      const dave = await signInWithOAuth(sim.url, b.url, 'queen')
      expect((await decide(a, '/members/x', session(dave))).status).toBe(200)
    } finally {
      await stopGate(a)
      await stopGate(b)
    }
  }, 90_000)
})
