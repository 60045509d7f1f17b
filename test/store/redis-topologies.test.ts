import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { createInvalidationBus } from '../../src/store/invalidation-bus.js'
import { createRedisClient } from '../../src/store/redis-client.js'
import { parseRedisTarget } from '../../src/store/redis-target.js'
import {
  haveRedisServer,
  startPartialCluster,
  startRedisCluster,
  startRedisSentinel,
} from '../helpers/redis-servers.js'
import { signInWithOAuth, walletLoginTwice } from '../helpers/sign-in.js'
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
// share sessions, sign-in nonces, the ownership cache, purges, logouts and the pass epoch;
// logouts and purges reach the other gate on the invalidation bus within 200 ms (pub/sub,
// sharded pub/sub on the cluster), and by polling while the bus is down.

if (!haveRedisServer && process.env.CI === 'true')
  throw new Error('redis-server and redis-cli are required in CI (apt-get install redis-server)')
const withServers = haveRedisServer ? describe : describe.skip

/** The invalidation bus's channel (the gate's store prefix). */
const BUS = 'vibegate:{bus}:invalidate'
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

async function startGate(
  redis: string,
  rules: string | Record<string, unknown> = RULES,
): Promise<Running> {
  const gate = await createGate({
    rules,
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

/** The gate's `vibegate_invalidation_bus_live`, or undefined when it has none. */
async function busLive(gate: Running): Promise<number | undefined> {
  const text = await (await fetch(`${gate.url}/metrics`)).text()
  const line = /^vibegate_invalidation_bus_live (\d+)$/m.exec(text)
  return line ? Number(line[1]) : undefined
}

/** Signs in at `a`, shows the session at `b`, logs out at `a`: ms until `b` refuses it. */
async function logoutReaches(a: Running, b: Running, who: string, ms: number): Promise<number> {
  const id = await signInWithOAuth(sim.url, a.url, who)
  // B holds its own copy of the session from here on.
  expect((await decide(b, '/members/x', session(id))).status).toBe(200)
  const logout = await fetch(`${a.url}/auth/logout`, {
    method: 'POST',
    headers: { ...session(id), origin: PUBLIC_URL },
  })
  expect(logout.status).toBe(204)
  const took = await within(
    ms,
    async () => (await decide(b, '/members/x', session(id))).status === 401,
  )
  expect((await decide(a, '/members/x', session(id))).status).toBe(401)
  return took
}

/**
 * The checks both topologies pass; `servers()` is the running topology's URL. `more` adds
 * checks of its own on the same two gates.
 */
function acrossTwoGates(
  name: string,
  servers: () => { url: string },
  more?: (gates: () => [Running, Running]) => void,
): void {
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
      const { first, replay } = await walletLoginTwice(a.url, b.url, a.url, KEYS.alice, PUBLIC_URL)
      expect(first.status).toBe(200)
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
      // B asks OurSong again once the purge notice reached it.
      await within(200, async () => {
        expect((await decide(b, '/media/stream/a.ts', bearer)).status).toBe(200)
        return (await ownCalls()) > afterA
      })
    })

    test('the invalidation bus is live on both gates', async () => {
      await within(3000, async () => (await busLive(a)) === 1 && (await busLive(b)) === 1)
    })

    test('a logout at one gate denies at the other within 200 ms (the bus), both ways', async () => {
      await within(3000, async () => (await busLive(a)) === 1 && (await busLive(b)) === 1)
      const took = [await logoutReaches(a, b, 'bob', 200), await logoutReaches(b, a, 'bob', 200)]
      for (const ms of took) expect(ms).toBeLessThanOrEqual(200)
    })

    test('the pass epoch (scripts on two keys of one hash slot) works: passes are issued', async () => {
      // The purge above revoked this user's passes, and none is issued for 10 s after a
      // revocation (another gate may not have heard of it yet: docs/edge-pass.md).
      await within(
        15_000,
        async () => (await decide(a, '/media/stream/a.ts', bearer)).pass !== null,
      )
      expect((await decide(b, '/media/stream/b.ts', bearer)).pass).not.toBeNull()
    })

    more?.(() => [a, b])
  })
}

withServers('Redis Cluster: 3 masters, created with redis-cli --cluster create', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>> | undefined
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })
  acrossTwoGates(
    'a Redis Cluster (redis-cluster://)',
    () => cluster!,
    (gates) => {
      test('the bus is sharded pub/sub: one shard holds both subscribers, no node a plain one', async () => {
        const [a, b] = gates()
        await within(3000, async () => (await busLive(a)) === 1 && (await busLive(b)) === 1)
        const counts: { sharded: number; plain: number }[] = []
        for (const port of cluster!.ports) {
          const node = new Redis({ port, password: 'cluster-test-password', lazyConnect: true })
          node.on('error', () => undefined)
          try {
            const [, sharded] = (await node.call('PUBSUB', 'SHARDNUMSUB', BUS)) as [string, number]
            const [, plain] = (await node.call('PUBSUB', 'NUMSUB', BUS)) as [string, number]
            counts.push({ sharded, plain })
          } finally {
            node.disconnect()
          }
        }
        expect(counts.map((c) => c.plain)).toEqual([0, 0, 0])
        expect(counts.map((c) => c.sharded).sort()).toEqual([0, 0, 2])
      })
    },
  )

  test('a sharded subscriber connection that drops (ioredis replaces it at once) starts a new bus epoch: copies read before it lose the bus’s word', async () => {
    const client = createRedisClient(parseRedisTarget(cluster!.url))
    const bus = createInvalidationBus({ redis: client, prefix: 'epoch-test:' })
    const admins: Redis[] = []
    try {
      await within(5000, async () => bus.liveEpoch() !== undefined)
      const first = bus.liveEpoch()
      // The bus's own subscriber, on the shard that holds its channel.
      const victims: { admin: Redis; id: string }[] = []
      for (const port of cluster!.ports) {
        const admin = new Redis({ port, password: 'cluster-test-password' })
        admin.on('error', () => undefined)
        admins.push(admin)
        for (const line of String(await admin.client('LIST')).split('\n'))
          if (/ ssub=1 /.test(line) && line.includes('epoch-test'))
            victims.push({ admin, id: /(?:^| )id=(\d+)/.exec(line)![1]! })
      }
      expect(victims).toHaveLength(1)
      await victims[0]!.admin.client('KILL', 'ID', victims[0]!.id)
      await within(5000, async () => bus.liveEpoch() !== undefined && bus.liveEpoch() !== first)
    } finally {
      await bus.close()
      client.disconnect()
      for (const admin of admins) admin.disconnect()
    }
  }, 20_000)

  test('when the bus channel’s slot moves to another master, the bus starts a new epoch and hears notices again', async () => {
    const clients = [
      createRedisClient(parseRedisTarget(cluster!.url)),
      createRedisClient(parseRedisTarget(cluster!.url)),
    ]
    const [a, b] = clients.map((redis) => createInvalidationBus({ redis, prefix: 'move-test:' }))
    const nodes = cluster!.ports.map((port) => {
      const node = new Redis({ port, password: 'cluster-test-password' })
      node.on('error', () => undefined)
      return node
    })
    try {
      await within(5000, async () => a!.liveEpoch() !== undefined && b!.liveEpoch() !== undefined)
      const first = a!.liveEpoch()
      const slot = Number(await nodes[0]!.cluster('KEYSLOT', 'move-test:{bus}:invalidate'))
      const ids: string[] = []
      let from = -1
      for (const [i, node] of nodes.entries()) {
        ids.push(String(await node.cluster('MYID')))
        for (const [lo, hi, primary] of await node.cluster('SLOTS'))
          if (slot >= lo && slot <= hi && primary?.[1] === cluster!.ports[i]) from = i
      }
      const to = (from + 1) % 3
      // The channel holds no keys: the slot moves without MIGRATE.
      await nodes[to]!.cluster('SETSLOT', slot, 'IMPORTING', ids[from]!)
      await nodes[from]!.cluster('SETSLOT', slot, 'MIGRATING', ids[to]!)
      for (const i of [to, from, 3 - from - to])
        await nodes[i]!.cluster('SETSLOT', slot, 'NODE', ids[to]!)
      // At once, not after the 5 s a stuck bus waits before it renews its subscriber.
      await within(3000, async () => a!.liveEpoch() !== undefined && a!.liveEpoch() !== first)
      const heard: string[] = []
      a!.on('keys', () => heard.push('keys'))
      await within(5000, async () => {
        b!.publish({ kind: 'keys' })
        await new Promise((r) => setTimeout(r, 50))
        return heard.length > 0
      })
    } finally {
      await a!.close()
      await b!.close()
      for (const client of clients) client.disconnect()
      for (const node of nodes) node.disconnect()
    }
  }, 40_000)

  test('a rules file changed under one gate is read at once by the other, even where its own watcher cannot see the change', async () => {
    // Same length, same inode, same mtime: only the content differs.
    const rules = (access: string): string =>
      JSON.stringify({
        version: 1,
        rules: [{ id: 'members', match: { paths: ['/members/**'] }, access }],
      }).padEnd(120)
    const dir = await mkdtemp(join(tmpdir(), 'vibegate-bus-rules-'))
    const file = join(dir, 'shared', 'rules.json')
    const link = join(dir, 'b', 'rules.json')
    await mkdir(join(dir, 'shared'))
    await mkdir(join(dir, 'b'))
    await writeFile(file, rules('authenticated'))
    const mtime = new Date(1_700_000_000_000)
    await utimes(file, mtime, mtime)
    // B reads it through a symlink in another directory: no watch event reaches it, and
    // its poll's signature (inode, size, mtime) will not change.
    await symlink(file, link)
    const a = await startGate(cluster!.url, file)
    const b = await startGate(cluster!.url, link)
    try {
      await within(3000, async () => (await busLive(a)) === 1 && (await busLive(b)) === 1)
      expect((await decide(b, '/members/x')).status).toBe(401)
      await writeFile(file, rules('public'))
      await utimes(file, mtime, mtime)
      await within(3000, async () => (await decide(a, '/members/x')).status === 200)
      // A's reload was announced; B read its own file again at once.
      await within(3000, async () => (await decide(b, '/members/x')).status === 200)
    } finally {
      await stopGate(a)
      await stopGate(b)
      await rm(dir, { recursive: true, force: true })
    }
  }, 20_000)
})

withServers('Redis Sentinel: a primary, a replica and 3 Sentinels', () => {
  let sentinel: Awaited<ReturnType<typeof startRedisSentinel>> | undefined
  beforeAll(async () => {
    sentinel = await startRedisSentinel()
  }, 60_000)
  afterAll(async () => {
    await sentinel?.stop()
  })
  acrossTwoGates(
    'Sentinel (redis+sentinel://)',
    () => sentinel!,
    (gates) => {
      test('while pub/sub is refused the bus is down and a logout reaches the other gate by polling; the bus comes back by itself', async () => {
        const [a, b] = gates()
        const admin = new Redis({ port: sentinel!.primary, password: 'sentinel-test-password' })
        admin.on('error', () => undefined)
        try {
          // Every channel refused but the Sentinels' own; subscribers are disconnected.
          await admin.call('ACL', 'SETUSER', 'default', 'resetchannels', '&__sentinel__:*')
          await within(5000, async () => (await busLive(a)) === 0 && (await busLive(b)) === 0)
          // B's copy of the session now lives its short, polling lifetime (5 s).
          const took = await logoutReaches(a, b, 'carol', 8000)
          expect(took).toBeGreaterThan(1000)
        } finally {
          await admin.call('ACL', 'SETUSER', 'default', 'allchannels')
          admin.disconnect()
        }
        await within(20_000, async () => (await busLive(a)) === 1 && (await busLive(b)) === 1)
        expect(await logoutReaches(a, b, 'carol', 200)).toBeLessThanOrEqual(200)
      }, 60_000)
    },
  )

  test('a gate that cannot publish a notice (no channel permission) counts it as lost, and every other gate starts a new epoch: their older copies lose the bus’s word', async () => {
    const admin = new Redis({ port: sentinel!.primary, password: 'sentinel-test-password' })
    admin.on('error', () => undefined)
    // A user of its own for gate B: every key and command, no channel.
    await admin.call(
      'ACL',
      'SETUSER',
      'nochannels',
      'on',
      '>nochannels-password',
      '~*',
      '+@all',
      'resetchannels',
    )
    admin.disconnect()
    const hosts = sentinel!.sentinels.map((p) => `127.0.0.1:${p}`).join(',')
    const clients = [
      sentinel!.url,
      `redis+sentinel://nochannels:nochannels-password@${hosts}/mymaster?sentinel_password=sentinel-test-password`,
    ].map((url) => createRedisClient(parseRedisTarget(url)))
    const [a, b] = clients.map((redis) => createInvalidationBus({ redis, prefix: 'lost-test:' }))
    let wentDown = false
    const watch = setInterval(() => {
      if (a!.liveEpoch() === undefined) wentDown = true
    }, 5)
    try {
      await within(5000, async () => a!.liveEpoch() !== undefined)
      wentDown = false
      const first = a!.liveEpoch()
      expect(b!.liveEpoch()).toBeUndefined()
      b!.publish({ kind: 'session', key: 'session:x' })
      await within(2000, async () => a!.liveEpoch() !== first)
      // Not because A's own bus went down and came back: because it read the count.
      expect(wentDown).toBe(false)
      expect(a!.liveEpoch()).toBeDefined()
    } finally {
      clearInterval(watch)
      await a!.close()
      await b!.close()
      for (const client of clients) client.disconnect()
    }
  }, 30_000)

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

withServers('a Redis Cluster some of whose slots no node serves', () => {
  let partial: Awaited<ReturnType<typeof startPartialCluster>> | undefined
  beforeAll(async () => {
    partial = await startPartialCluster(0, 5460)
  }, 30_000)
  afterAll(async () => {
    await partial?.stop()
  })

  test('keys in the unserved slots fail the requests that need them, never the process', async () => {
    const gate = await startGate(partial!.url)
    try {
      const seen: { status: number; reason: string }[] = []
      // Session ids (43 characters): their hashed keys fall all over the slot space.
      for (let i = 0; i < 8; i++)
        seen.push(await decide(gate, '/members/x', session(`s${i}${'x'.repeat(41)}`)))
      seen.push(await decide(gate, '/media/stream/a.ts', bearer))
      // auth_request knows 2xx, 401 and 403 only: "cannot tell" is a 403 with its reason.
      for (const { status } of seen) expect([401, 403]).toContain(status)
      expect(seen.map((s) => s.reason)).toContain('upstream_unavailable')
      // Still answering.
      expect((await fetch(`${gate.url}/healthz`)).status).toBe(200)
    } finally {
      await stopGate(gate)
    }
  }, 30_000)
})
