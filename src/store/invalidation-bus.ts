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
 * while its pings come back. Its {@link InvalidationBus.liveEpoch} changes whenever a notice
 * may have been missed (it was down, a connection was replaced, a gate could not publish);
 * a copy read in an earlier epoch falls back to its holder's short, polling lifetime
 * ({@link trustsCopy}).
 */
import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { withDeadline } from '../util/with-deadline.js'
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
   * Tells every other gate; never rejects and never waits. A notice that cannot be sent is
   * counted in Redis (`<prefix>{bus}:lost`), and every gate that sees the count move stops
   * trusting the copies it made before.
   */
  publish(notice: Notice): void
  /** Calls `handler` for every notice of `kind` from another gate. */
  on<K extends NoticeKind>(kind: K, handler: (notice: Extract<Notice, { kind: K }>) => void): void
  /**
   * While the bus is live, a number that changes whenever a notice may have been missed
   * since (the bus was down, or a gate could not publish one); undefined while it is not
   * live. A copy records it when its read starts ({@link trustsCopy}). Synchronous and
   * cheap: read on the decision path.
   */
  liveEpoch(): number | undefined
  /** When this gate's own ping last came back (ms since the epoch, injected clock). */
  confirmedAt(): number
  /** Stops the heartbeat and closes the subscriber connection; idempotent. */
  close(): Promise<void>
}

/** A copy that a bus may vouch for: when its read started, and the bus's epoch then. */
export interface BusCopy {
  /** ms since the epoch. */
  at: number
  /** {@link InvalidationBus.liveEpoch} when the read started. */
  epoch: number | undefined
}

/**
 * Whether a copy may still be served at `now`: for `shortMs` always (the polling lifetime),
 * and up to `longMs` while the bus vouches for it: live in the same epoch as when the copy
 * was read (no notice can have been missed since), and heard from within the last `shortMs`
 * (had it been cut off silently, the copy would be no older than polling allows).
 */
export function trustsCopy(
  bus: Pick<InvalidationBus, 'liveEpoch' | 'confirmedAt'> | undefined,
  copy: BusCopy,
  now: number,
  shortMs: number,
  longMs: number,
): boolean {
  if (now < copy.at + shortMs) return true
  return (
    bus !== undefined &&
    copy.epoch !== undefined &&
    now < copy.at + longMs &&
    bus.liveEpoch() === copy.epoch &&
    now - bus.confirmedAt() < shortMs
  )
}

/** Options of {@link createInvalidationBus}. */
export interface InvalidationBusOptions {
  /** The gate's ioredis client; the bus opens a subscriber connection of its own from it. */
  redis: RedisClient
  /** Key prefix of the deployment; default `vibegate:`. */
  prefix?: string
  /**
   * How often the bus pings itself (and reads the lost-notice count), ms; default 250. It
   * is down after 2.5 heartbeats without a ping back, and copies are vouched for only while
   * one came back within their short lifetime, so it must be well under the shortest (1 s).
   */
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
// Down this long in a row, the subscriber is made again from scratch, ms.
const RENEW_AFTER_MS = 5000

/**
 * Starts the bus: subscribes (in the background; until the first ping comes back the bus
 * is not live) and starts the heartbeat. The timers never keep the process alive.
 */
export function createInvalidationBus(options: InvalidationBusOptions): InvalidationBus {
  const { redis } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger()
  const heartbeatMs = options.heartbeatMs ?? 250
  const timeoutMs = options.timeoutMs ?? 1000
  const prefix = options.prefix ?? 'vibegate:'
  const channel = `${prefix}{bus}:invalidate`
  const lostKey = `${prefix}{bus}:lost`
  const sharded = isCluster(redis)
  // Tells this gate's messages from the others' (its own pings, and notices it already applied).
  const self = randomBytes(9).toString('base64url')
  const handlers = new Map<NoticeKind, ((notice: Notice) => void)[]>()

  let epoch: number | undefined
  let epochs = 0
  let lastPong = -Infinity
  let downSince = clock.now()
  let lostSeen: string | null | undefined
  let pingCount = 0
  let closed = false
  let warned = false
  let subscriber: RedisClient | undefined

  /** Runs a command with the bus's deadline. */
  const bounded = <T>(command: Promise<T>): Promise<T> => withDeadline(command, timeoutMs)

  const send = (body: Record<string, unknown>): void => {
    const text = JSON.stringify({ ...body, from: self })
    bounded(
      sharded
        ? (redis as Cluster).spublish(channel, text)
        : (redis as Redis).publish(channel, text),
    ).catch((err: unknown) => {
      if (closed) return
      // A notice nobody heard: say so where every gate looks (pings need no such care).
      if (body.kind !== 'ping') void bounded(redis.incr(lostKey)).catch(() => undefined)
      if (!warned) {
        warned = true
        logger.warn(
          { channel, err: (err as Error).message },
          'cannot publish an invalidation notice; other gates apply it when their copies expire',
        )
      }
    })
  }

  /** A notice may have been missed: copies read before now lose the bus's word. */
  const newEpoch = (): void => {
    epoch = ++epochs
  }
  const goDown = (why: string): void => {
    if (epoch === undefined) return
    epoch = undefined
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
      if (epoch === undefined) {
        newEpoch()
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
    // A replaced subscriber may still deliver a message or two: only the current one counts.
    const heard = (_channel: string, text: string): void => {
      if (sub === subscriber) receive(text)
    }
    if (sharded) {
      sub.on('smessage', heard)
      // ioredis replaces a lost sharded subscriber and subscribes again by itself, within
      // milliseconds: notices sent in between are lost, so the bus is down until a ping
      // comes back on the new connection.
      sub.on('-node', () => goDown('a sharded subscriber connection closed'))
      sub.on('-subscriber', () => goDown('a sharded subscriber was replaced'))
      sub.on('nodeError', (err: Error) => {
        goDown('a sharded subscriber failed')
        // The channel's slot moved: Redis sent SUNSUBSCRIBE, which ioredis reports as a
        // queue error and never subscribes again after. Deferred: closing a Cluster inside
        // its own handler removes its error listeners while ioredis still parses the reply.
        if (/sunsubscribe/i.test(String(err?.message)))
          setTimeout(() => {
            if (!closed && sub === subscriber) renew()
          }, 0).unref()
      })
      ;(sub as Cluster).ssubscribe(channel).catch(() => undefined)
    } else {
      sub.on('message', heard)
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
  /** A new subscriber, from scratch; the old one is closed. */
  const renew = (): void => {
    downSince = clock.now()
    const old = subscriber
    subscriber = subscribe()
    if (old) void unsubscribe(old)
  }

  subscriber = subscribe()
  const beat = (): void => {
    const now = clock.now()
    if (epoch !== undefined && now - lastPong > MISSED_PINGS * heartbeatMs)
      goDown('its own pings stopped coming back')
    // Whatever is stuck (a subscription on a node that lost its slot, a half-open
    // connection), a new subscriber starts clean.
    if (epoch === undefined && now - downSince > RENEW_AFTER_MS) renew()
    bounded(redis.get(lostKey)).then(
      (count) => {
        if (lostSeen !== undefined && count !== lostSeen && epoch !== undefined) {
          newEpoch()
          logger.warn(
            { channel },
            'a gate could not publish an invalidation notice: copies read before now live their short lifetime',
          )
        }
        lostSeen = count
      },
      () => undefined,
    )
    send({ kind: 'ping', n: ++pingCount })
  }
  const heartbeat = setInterval(beat, heartbeatMs)
  heartbeat.unref()
  beat()

  return {
    publish(notice) {
      if (!closed) send(notice)
    },
    on(kind, handler) {
      const list = handlers.get(kind) ?? []
      list.push(handler as (notice: Notice) => void)
      handlers.set(kind, list)
    },
    liveEpoch: () => epoch,
    confirmedAt: () => lastPong,
    async close() {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      epoch = undefined
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
