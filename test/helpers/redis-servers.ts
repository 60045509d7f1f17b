import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** True when redis-server and redis-cli are installed (Debian's redis-server package). */
export const haveRedisServer =
  existsSync('/usr/bin/redis-server') && existsSync('/usr/bin/redis-cli')

/** Redis processes this test started, on ports of their own, in a directory of their own. */
export interface RedisProcesses {
  dir: string
  /** Kills one process (by port) at once, as a crash would. */
  kill(port: number): void
  /** Stops every process and removes the directory. */
  stop(): Promise<void>
}

/**
 * A free port with port + 10000 free too (a cluster node's bus port), both below the
 * ephemeral range: 12000-21999.
 */
async function freePortPair(taken: Set<number>): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
  for (;;) {
    const port = 12_000 + Math.floor(Math.random() * 10_000)
    if (taken.has(port) || taken.has(port + 10_000)) continue
    if ((await free(port)) && (await free(port + 10_000))) {
      taken.add(port)
      taken.add(port + 10_000)
      return port
    }
  }
}

async function cli(port: number, password: string | undefined, ...args: string[]): Promise<string> {
  const auth = password ? ['-a', password, '--no-auth-warning'] : []
  const { stdout } = await run('redis-cli', ['-p', String(port), ...auth, ...args], {
    timeout: 10_000,
  })
  return stdout
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`redis test servers: ${what} within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function startProcesses(dir: string): {
  spawnServer: (port: number, args: string[]) => void
  processes: Map<number, ChildProcess>
} {
  const processes = new Map<number, ChildProcess>()
  return {
    processes,
    spawnServer(port, args) {
      const child = spawn('redis-server', args, { stdio: 'ignore', cwd: dir })
      child.on('error', () => undefined)
      processes.set(port, child)
    },
  }
}

function handle(dir: string, processes: Map<number, ChildProcess>): RedisProcesses {
  return {
    dir,
    kill(port) {
      processes.get(port)?.kill('SIGKILL')
    },
    async stop() {
      await Promise.all(
        [...processes.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve()
              child.once('exit', () => resolve())
              child.kill('SIGKILL')
            }),
        ),
      )
      await rm(dir, { recursive: true, force: true })
    },
  }
}

const BASE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no']

/** redis-server arguments of a cluster-enabled node on `port`, keeping its files in `dir`. */
function clusterNode(port: number, dir: string, password: string): string[] {
  return [
    ...BASE,
    '--port',
    String(port),
    '--dir',
    dir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--requirepass',
    password,
  ]
}

/**
 * A Redis Cluster of `masters` primaries (no replicas), created with
 * `redis-cli --cluster create`, each requiring `password`. Resolves once every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(
  masters = 3,
  password = 'cluster-test-password',
): Promise<RedisProcesses & { ports: number[]; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-redis-cluster-'))
  const taken = new Set<number>()
  const ports: number[] = []
  for (let i = 0; i < masters; i++) ports.push(await freePortPair(taken))
  const { spawnServer, processes } = startProcesses(dir)
  for (const port of ports)
    spawnServer(port, [
      ...clusterNode(port, dir, password),
      '--cluster-node-timeout',
      '2000',
      '--masterauth',
      password,
    ])
  const servers = handle(dir, processes)
  try {
    for (const port of ports)
      await until(`node ${port} answers`, async () =>
        (await cli(port, password, 'PING')).includes('PONG'),
      )
    await cli(
      ports[0]!,
      password,
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    )
    for (const port of ports)
      await until(`node ${port} reports cluster_state:ok`, async () =>
        (await cli(port, password, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      )
  } catch (err) {
    await servers.stop()
    throw err
  }
  return {
    ...servers,
    ports,
    url: `redis-cluster://:${password}@${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
  }
}

/**
 * A primary, one replica and three Sentinels monitoring them as `mymaster` (quorum 2, down
 * after 1 s), every one requiring `password`. Resolves once each Sentinel knows the replica.
 */
export async function startRedisSentinel(password = 'sentinel-test-password'): Promise<
  RedisProcesses & {
    primary: number
    replica: number
    sentinels: number[]
    url: string
    /** The port of the primary the Sentinels name now. */
    currentPrimary(): Promise<number>
  }
> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-redis-sentinel-'))
  const taken = new Set<number>()
  const primary = await freePortPair(taken)
  const replica = await freePortPair(taken)
  const sentinels = [
    await freePortPair(taken),
    await freePortPair(taken),
    await freePortPair(taken),
  ]
  const { spawnServer, processes } = startProcesses(dir)
  const auth = ['--requirepass', password, '--masterauth', password]
  spawnServer(primary, [...BASE, '--port', String(primary), '--dir', dir, ...auth])
  spawnServer(replica, [
    ...BASE,
    '--port',
    String(replica),
    '--dir',
    dir,
    ...auth,
    '--replicaof',
    '127.0.0.1',
    String(primary),
  ])
  for (const port of sentinels) {
    const conf = join(dir, `sentinel-${port}.conf`)
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `requirepass ${password}`,
        `sentinel monitor mymaster 127.0.0.1 ${primary} 2`,
        `sentinel auth-pass mymaster ${password}`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 5000',
        'sentinel parallel-syncs mymaster 1',
        '',
      ].join('\n'),
    )
    spawnServer(port, [conf, '--sentinel'])
  }
  const servers = handle(dir, processes)
  const currentPrimary = async (): Promise<number> => {
    const out = await cli(
      sentinels[0]!,
      password,
      'SENTINEL',
      'get-master-addr-by-name',
      'mymaster',
    )
    return Number(out.trim().split('\n')[1])
  }
  try {
    await until('the replica is in sync', async () =>
      (await cli(replica, password, 'INFO', 'replication')).includes('master_link_status:up'),
    )
    for (const port of sentinels)
      await until(`Sentinel ${port} knows the replica and the other Sentinels`, async () => {
        const out = await cli(port, password, 'SENTINEL', 'master', 'mymaster')
        const field = (name: string): number => {
          const lines = out.trim().split('\n')
          const at = lines.indexOf(name)
          return at === -1 ? 0 : Number(lines[at + 1])
        }
        return field('num-slaves') === 1 && field('num-other-sentinels') === 2
      })
  } catch (err) {
    await servers.stop()
    throw err
  }
  return {
    ...servers,
    primary,
    replica,
    sentinels,
    url: `redis+sentinel://:${password}@${sentinels.map((p) => `127.0.0.1:${p}`).join(',')}/mymaster`,
    currentPrimary,
  }
}

/**
 * One cluster-enabled node serving only the hash slots `from` to `to`: a cluster some of
 * whose slots no node serves (cluster_state:fail), as after losing a master that had no
 * replica. Requires `password`.
 */
export async function startPartialCluster(
  from: number,
  to: number,
  password = 'partial-test-password',
): Promise<RedisProcesses & { port: number; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-redis-partial-'))
  const port = await freePortPair(new Set())
  const { spawnServer, processes } = startProcesses(dir)
  spawnServer(port, clusterNode(port, dir, password))
  const servers = handle(dir, processes)
  try {
    await until(`node ${port} answers`, async () =>
      (await cli(port, password, 'PING')).includes('PONG'),
    )
    await cli(port, password, 'CLUSTER', 'ADDSLOTSRANGE', String(from), String(to))
    await until(`node ${port} serves its slots`, async () =>
      (await cli(port, password, 'CLUSTER', 'SLOTS')).includes(String(to)),
    )
  } catch (err) {
    await servers.stop()
    throw err
  }
  return { ...servers, port, url: `redis-cluster://:${password}@127.0.0.1:${port}` }
}
