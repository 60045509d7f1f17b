/**
 * Invalidation notices between the gates of one deployment, through Redis pub/sub: a
 * logout, an ownership purge, a pass revocation, a rules or keys reload at one gate reaches
 * every other gate within milliseconds, instead of when their copies run out.
 *
 * One channel, `<prefix>{bus}:invalidate`: `PUBLISH`/`SUBSCRIBE` on one server or a
 * Sentinel-managed primary, sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7) on a cluster,
 * where the hash tag puts the channel, and its traffic, on one shard only.
 *
 * Pub/sub delivers at most once: a notice sent while a subscriber reconnects is lost. So the
 * bus checks itself: every `heartbeatMs` it sends itself a ping, and it counts as live only
 * while its pings come back. {@link InvalidationBus.liveSince} says since when it has been
 * live without a break; a copy made before that may have missed a notice, and its holder
 * falls back to its short, polling lifetime ({@link trustsCopy}).
 */
import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import type { RedisClient } from './redis-client.js'

/** What one gate tells the others. */
export type Notice =
  /** A session ended (logout, a token OurSong refused): its store key, hashed as stored. */
  | { kind: 'session'; key: string }
  /** An ownership purge: the scope's generation moved in the shared store. */
  | { kind: 'purge'; scope: 'user' | 'vibe'; id: string }
  /** The pass epoch or revocations changed in Redis. */
  | { kind: 'passes' }
  /** The rules file this gate reads changed (SHA-256 of the new one). */
  | { kind: 'rules'; hash: string }
  /** The key file this gate reads changed. */
  | { kind: 'keys' }

/** The kinds of {@link Notice}. */
export type NoticeKind = Notice['kind']

/** Sends and hears {@link Notice}s; see the module comment. */
export interface InvalidationBus {
  /**
   * Tells every other gate; never rejects and never waits (a lost notice is covered by the
   * holders' short lifetimes, as when the bus is down).
   */
  publish(notice: Notice): void
  /** Calls `handler` for every notice of `kind` from another gate. */
  on<K extends NoticeKind>(kind: K, handler: (notice: Extract<Notice, { kind: K }>) => void): void
  /**
   * Since when (ms since the epoch, by the injected clock) the bus has been live without a
   * break, or undefined while it is not. Synchronous and cheap: read on the decision path.
   */
  liveSince(): number | undefined
  /** Stops the heartbeat and closes the subscriber connection; idempotent. */
  close(): Promise<void>
}

/**
 * Whether a copy made at `copiedAt` may still be served at `now`: for `shortMs` always
 * (the polling lifetime), and up to `longMs` while the bus has been live since before the
 * copy was made, so no notice about it can have been missed.
 */
export function trustsCopy(
  bus: Pick<InvalidationBus, 'liveSince'> | undefined,
  copiedAt: number,
  now: number,
  shortMs: number,
  longMs: number,
): boolean {
  if (now < copiedAt + shortMs) return true
  const since = bus?.liveSince()
  return since !== undefined && since <= copiedAt && now < copiedAt + longMs
}

/** Options of {@link createInvalidationBus}. */
export interface InvalidationBusOptions {
  /** The gate's ioredis client; the bus opens a subscriber connection of its own from it. */
  redis: RedisClient
  /** Key prefix of the deployment; default `vibegate:`. */
  prefix?: string
  /** How often the bus pings itself, ms; default 1000. */
  heartbeatMs?: number
  /** Deadline of a publish, ms; default 1000. */
  timeoutMs?: number
  clock?: Clock
  logger?: Logger
}

/** Largest message read; every notice is far smaller. */
const MAX_MESSAGE_BYTES = 1024
// Pings missed in a row before the bus counts as down.
const MISSED_PINGS = 2.5
// Down this many heartbeats in a row: the subscriber is made again from scratch.
const RENEW_AFTER_HEARTBEATS = 10

/**
 * Starts the bus: subscribes (in the background; until the first ping comes back the bus
 * is not live) and starts the heartbeat. The timers never keep the process alive.
 */
export function createInvalidationBus(options: InvalidationBusOptions): InvalidationBus {
  const { redis } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger()
  const heartbeatMs = options.heartbeatMs ?? 1000
  const timeoutMs = options.timeoutMs ?? 1000
  const prefix = options.prefix ?? 'vibegate:'
  const channel = `${prefix}{bus}:invalidate`
  const sharded = isCluster(redis)
  // Tells this gate's messages from the others' (its own pings, and notices it already applied).
  const self = randomBytes(9).toString('base64url')
  const handlers = new Map<NoticeKind, ((notice: Notice) => void)[]>()

  let since: number | undefined
  let lastPong = -Infinity
  let downSince = clock.now()
  let pingCount = 0
  let closed = false
  let warned = false
  let subscriber: RedisClient | undefined

  const send = (body: Record<string, unknown>): void => {
    const text = JSON.stringify({ ...body, from: self })
    let timer: NodeJS.Timeout | undefined
    const sent = sharded
      ? (redis as Cluster).spublish(channel, text)
      : (redis as Redis).publish(channel, text)
    Promise.race([
      sent,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
      .catch((err: unknown) => {
        if (!warned && !closed) {
          warned = true
          logger.warn(
            { channel, err: (err as Error).message },
            'cannot publish an invalidation notice; other gates apply it when their copies expire',
          )
        }
      })
      .finally(() => clearTimeout(timer))
  }

  const goDown = (why: string): void => {
    if (since === undefined) return
    since = undefined
    downSince = clock.now()
    logger.warn(
      { channel, why },
      'invalidation bus down: until it is back, what other gates change reaches this one by polling',
    )
  }

  const receive = (text: string): void => {
    if (text.length > MAX_MESSAGE_BYTES) return
    let message: Record<string, unknown>
    try {
      message = JSON.parse(text) as Record<string, unknown>
    } catch {
      return
    }
    if (typeof message !== 'object' || message === null) return
    if (message.kind === 'ping') {
      if (message.from !== self) return
      lastPong = clock.now()
      if (since === undefined) {
        // Notices sent before now may have been missed: only copies made from now are trusted.
        since = lastPong
        warned = false
        logger.info({ channel, sharded }, 'invalidation bus live')
      }
      return
    }
    if (message.from === self) return
    const notice = toNotice(message)
    if (notice === undefined) return
    for (const handler of handlers.get(notice.kind) ?? []) {
      try {
        handler(notice)
      } catch (err) {
        logger.error({ kind: notice.kind, err: String(err) }, 'invalidation handler threw')
      }
    }
  }

  const subscribe = (): RedisClient => {
    // Named after the channel, so CLIENT LIST shows whose subscriber it is.
    const connectionName = `${prefix}bus`
    const sub = sharded
      ? (redis as Cluster).duplicate(undefined, {
          shardedSubscribers: true,
          redisOptions: { ...(redis as Cluster).options.redisOptions, connectionName },
        })
      : // Subscribed on every `ready` here: ioredis's own re-subscription leaves a refusal
        // (NOPERM) unhandled.
        (redis as Redis).duplicate({ connectionName, autoResubscribe: false })
    sub.on('error', () => undefined)
    if (sharded) {
      sub.on('smessage', (_channel: string, text: string) => receive(text))
      ;(sub as Cluster).ssubscribe(channel).catch(() => undefined)
    } else {
      sub.on('message', (_channel: string, text: string) => receive(text))
      sub.on('ready', () => void (sub as Redis).subscribe(channel).catch(() => undefined))
      // Notices may have been lost while the connection was away.
      sub.on('close', () => goDown('subscriber connection closed'))
    }
    return sub
  }
  const unsubscribe = (sub: RedisClient): Promise<void> =>
    sub.quit().then(
      () => undefined,
      () => sub.disconnect(),
    )

  subscriber = subscribe()
  const heartbeat = setInterval(() => {
    const now = clock.now()
    if (since !== undefined && now - lastPong > MISSED_PINGS * heartbeatMs)
      goDown('its own pings stopped coming back')
    if (since === undefined && now - downSince > RENEW_AFTER_HEARTBEATS * heartbeatMs) {
      // Whatever is stuck (a subscription on a node that lost its slot, a half-open
      // connection), a new subscriber starts clean.
      downSince = now
      const old = subscriber
      subscriber = subscribe()
      if (old) void unsubscribe(old)
    }
    send({ kind: 'ping', n: ++pingCount })
  }, heartbeatMs)
  heartbeat.unref()
  send({ kind: 'ping', n: ++pingCount })

  return {
    publish(notice) {
      if (!closed) send(notice)
    },
    on(kind, handler) {
      const list = handlers.get(kind) ?? []
      list.push(handler as (notice: Notice) => void)
      handlers.set(kind, list)
    },
    liveSince: () => since,
    async close() {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      since = undefined
      if (subscriber) await unsubscribe(subscriber)
      subscriber = undefined
    },
  }
}

/** A received message as a {@link Notice}, or undefined when it is not a well-formed one. */
function toNotice(m: Record<string, unknown>): Notice | undefined {
  const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256
  switch (m.kind) {
    case 'session':
      return text(m.key) ? { kind: 'session', key: m.key } : undefined
    case 'purge':
      return (m.scope === 'user' || m.scope === 'vibe') && text(m.id)
        ? { kind: 'purge', scope: m.scope, id: m.id }
        : undefined
    case 'passes':
      return { kind: 'passes' }
    case 'rules':
      return text(m.hash) ? { kind: 'rules', hash: m.hash } : undefined
    case 'keys':
      return { kind: 'keys' }
    default:
      return undefined
  }
}

function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true
}
