/**
 * One ioredis client for a {@link RedisTarget}: a `Redis` for one server or a Sentinel-managed
 * primary, a `Cluster` for Redis Cluster. The gate's Redis code takes either
 * ({@link RedisClient}); keys that one command or script touches together share a hash tag
 * (`{pass}`), so every multi-key operation works on a cluster too.
 */
import { Cluster, Redis } from 'ioredis'
import type { RedisTarget } from './redis-target.js'

/** What the gate's Redis code is given: a client for one server, a Sentinel primary, or a cluster. */
export type RedisClient = Redis | Cluster

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /** How long a connection attempt may take, ms; default 2000. */
  connectTimeoutMs?: number
  /**
   * Hears every connection error (an untrusted certificate, a wrong password, a refused
   * connection), for the log; default none. The errors never hold the password.
   */
  onError?: (err: Error) => void
}

/**
 * A client for `target`, connecting at once, whose failures surface per command (at most one
 * retry each; callers put their own deadline on every call). An `error` listener is attached
 * (`onError`): a broken connection never crashes the process. The caller closes it (`quit`).
 */
export function createRedisClient(
  target: RedisTarget,
  options: RedisClientOptions = {},
): RedisClient {
  const connectTimeout = options.connectTimeoutMs ?? 2000
  const common = { maxRetriesPerRequest: 1, connectTimeout, enableAutoPipelining: true } as const
  let client: RedisClient
  switch (target.kind) {
    case 'standalone':
      client = new Redis(target.url, common)
      break
    case 'sentinel':
      client = new Redis({
        ...common,
        sentinels: target.sentinels,
        name: target.name,
        db: target.db,
        ...(target.username !== undefined ? { username: target.username } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        // Sentinels usually share the data nodes' password (requirepass on both).
        ...((target.sentinelPassword ?? target.password) !== undefined
          ? { sentinelPassword: target.sentinelPassword ?? target.password }
          : {}),
        ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        // On a failover the connection to the old primary drops, and ioredis asks the
        // Sentinels for the new one as it reconnects. (Its `failoverDetector` would notice
        // sooner, but its Sentinel connections outlive quit() in ioredis 5.11 and keep the
        // process alive.)
      })
      break
    case 'cluster':
      client = new Cluster(target.nodes, {
        // Not on a cluster: ioredis 5.11's auto-pipelining throws an uncaught TypeError
        // (autoPipelining.js, reading 'join') for a key whose slot no node serves, which
        // would end the process on a cluster with uncovered slots.
        enableAutoPipelining: false,
        slotsRefreshTimeout: connectTimeout,
        redisOptions: {
          maxRetriesPerRequest: 1,
          connectTimeout,
          ...(target.username !== undefined ? { username: target.username } : {}),
          ...(target.password !== undefined ? { password: target.password } : {}),
          ...(target.tls ? { tls: {} } : {}),
        },
      })
      break
  }
  const onError = options.onError ?? (() => undefined)
  client.on('error', (err: Error) => onError(err))
  return client
}
