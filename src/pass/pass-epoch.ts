/**
 * The revocation epoch of edge passes and the per-user revocations (docs/edge-pass.md): one
 * integer per deployment that only moves forward, and a sorted set of user -> revoked-at,
 * kept in Redis (`<prefix>{pass}:epoch`, `<prefix>{pass}:revoked`, and `<prefix>{pass}:config`,
 * the fingerprint of the rules and secrets last in force; one hash tag, so the scripts that
 * touch two of them run on a Redis Cluster too) or, without Redis, in this process.
 * The state is re-read every second, and at once when another gate announces a change on the
 * invalidation bus, and mirrored into the epoch file the edge reads.
 */
import type { InvalidationBus } from '../store/invalidation-bus.js'
import type { RedisClient } from '../store/redis-client.js'
import { MAX_PASS_TTL_SECONDS } from '../rules/compiled-rules.js'
import { VibegateError } from '../errors/vibegate-error.js'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { spacedCalls } from '../util/spaced-calls.js'
import { withDeadline } from '../util/with-deadline.js'
import { ADVANCE, CHANGE, READ, REVOKE, SETTLE } from './pass-epoch-scripts.js'
import {
  epochFileText,
  removeEpochFile,
  writeEpochFile,
  type PassRevocation,
} from './pass-epoch-file.js'

/** Options of {@link createPassEpoch}. */
export interface PassEpochOptions {
  /** An ioredis client (`Redis` or `Cluster`), owned by the caller; unset: in this process only. */
  redis?: RedisClient
  /** Prefix of the Redis keys; default `vibegate:` (the gate's store prefix). */
  prefix?: string
  /** VIBEGATE_PASS_EPOCH_FILE: where the state is mirrored for the edge; unset: nowhere. */
  file?: string
  clock?: Clock
  logger?: Logger
  /** How often Redis is re-read, ms; default 1000. */
  refreshMs?: number
  /**
   * The deployment's invalidation bus (with `redis`): a change recorded here is announced,
   * and one announced by another gate is read at once instead of at the next refresh.
   */
  bus?: Pick<InvalidationBus, 'publish' | 'on'>
  /** Deadline of each Redis call, ms; default 500. */
  timeoutMs?: number
  /**
   * How long the state may go without a successful read before it counts as unknown, ms;
   * default 3000. Unknown: no pass is issued and the epoch file is removed (the edge falls back).
   */
  staleMs?: number
}

/** The epoch and revocations, readable synchronously on the decision path. */
export interface PassEpoch {
  /** The epoch new passes carry; undefined while it is unknown (then issue none). */
  current(): number | undefined
  /** When `user`'s passes were last revoked (Unix seconds), within the last 300 s. */
  revokedAt(user: string): number | undefined
  /**
   * Reads the state, records `fingerprint` (rules hash and key ids) moving the epoch when
   * the deployment last ran with another, and starts re-reading every `refreshMs`. Never
   * rejects: while Redis cannot be reached the state is unknown and a warning is logged.
   * A change Redis did not take (here or in the methods below) is retried every refresh,
   * and the state is unknown until it is recorded.
   */
  start(fingerprint: string): Promise<void>
  /** Moves the epoch forward (an operator purge, a rules change); `why` is logged. */
  advance(why: string): Promise<void>
  /** Records that `user`'s passes issued until now are revoked (logout, purge). */
  revoke(user: string): Promise<void>
  /** Records a new fingerprint (rules reloaded) and moves the epoch forward. */
  changed(fingerprint: string, why: string): Promise<void>
  /** Stops re-reading. The file stays as it was last written. */
  close(): Promise<void>
}

/**
 * How long a revocation is kept, seconds: a pass lives at most 300 s, the edge allows 5 s of
 * clock skew on `i` and refuses passes issued up to 10 s after a revocation (another
 * replica may still allow the user until it re-reads Redis); beyond that no pass it could
 * refuse is still alive.
 */
export const REVOCATION_KEEP_SECONDS = MAX_PASS_TTL_SECONDS + 15

/** More revocations than this within 300 s move the epoch instead (the file stays small). */
export const MAX_REVOCATIONS = 10_000

/** Creates the epoch; call {@link PassEpoch.start} before issuing passes. */
export function createPassEpoch(options: PassEpochOptions = {}): PassEpoch {
  const { redis, file } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger()
  const prefix = options.prefix ?? 'vibegate:'
  const refreshMs = options.refreshMs ?? 1000
  const timeoutMs = options.timeoutMs ?? 500
  const staleMs = options.staleMs ?? 3000
  const keys = [`${prefix}{pass}:epoch`, `${prefix}{pass}:revoked`]
  const configKey = `${prefix}{pass}:config`
  const seconds = (): number => Math.floor(clock.now() / 1000)

  let epoch: number | undefined
  let revoked = new Map<string, number>()
  let readAt = -Infinity
  let timer: NodeJS.Timeout | undefined
  let closed = false
  let written: string | undefined
  let writing: Promise<void> = Promise.resolve()
  let failures = 0
  let ticking = false
  let tickAgain = false

  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(run(), timeoutMs)
    } catch (err) {
      throw new VibegateError('store_unavailable', {
        detail: `redis ${what} (pass epoch): ${(err as Error).message}`,
        cause: err,
      })
    }
  }
  const known = (): boolean => redis === undefined || clock.now() - readAt <= staleMs
  const prune = (): void => {
    const cutoff = seconds() - REVOCATION_KEEP_SECONDS
    for (const [user, at] of revoked) if (at < cutoff) revoked.delete(user)
  }

  /** Mirrors the state into the file; writes are queued so the last state is the last written. */
  const mirror = (): Promise<void> => {
    if (file === undefined) return Promise.resolve()
    writing = writing.then(async () => {
      const text = known() && epoch !== undefined ? fileText() : undefined
      if (text === written) return
      try {
        if (text === undefined) await removeEpochFile(file)
        else await writeEpochFile(file, text)
        written = text
      } catch (err) {
        written = undefined
        logger.error({ file, err: (err as Error).message }, 'cannot write the pass epoch file')
      }
    })
    return writing
  }
  const fileText = (): string => {
    prune()
    const list: PassRevocation[] = [...revoked].map(([user, at]) => ({ user, at }))
    list.sort((a, b) => a.at - b.at || (a.user < b.user ? -1 : 1))
    return epochFileText(epoch!, list)
  }

  const read = async (): Promise<void> => {
    if (redis === undefined) {
      epoch ??= seconds()
      prune()
      return
    }
    const now = seconds()
    const [value, flat] = (await call('read', () =>
      redis.eval(READ, 2, ...keys, String(now), String(now - REVOCATION_KEEP_SECONDS)),
    )) as [string, string[]]
    const next = new Map<string, number>()
    for (let i = 0; i + 1 < flat.length; i += 2) next.set(flat[i]!, Number(flat[i + 1]))
    epoch = Number(value)
    revoked = next
    readAt = clock.now()
  }

  // What Redis has not recorded yet: retried before every read, and until it is recorded
  // the state is unknown (no passes, no file), since passes it should end might still verify.
  let pendingFingerprint: string | undefined
  let pendingAdvance: string | undefined
  const settlePending = async (shared: RedisClient): Promise<void> => {
    if (pendingFingerprint !== undefined) {
      const print = pendingFingerprint
      await advanceTo('the rules or pass secrets differ from the last ones in force', () =>
        call('settle', () => shared.eval(SETTLE, 2, keys[0]!, configKey, String(seconds()), print)),
      )
      if (pendingFingerprint === print) pendingFingerprint = undefined
    }
    if (pendingAdvance !== undefined) {
      const why = pendingAdvance
      await advanceTo(why, () =>
        call('advance', () => shared.eval(ADVANCE, 1, keys[0]!, String(seconds()))),
      )
      if (pendingAdvance === why) pendingAdvance = undefined
    }
  }
  /** A change Redis did not take: the state is unknown until the retry succeeds. */
  const notRecorded = async (why: string, err: unknown): Promise<never> => {
    pendingAdvance = why
    readAt = -Infinity
    await mirror()
    throw err
  }

  const tick = async (): Promise<void> => {
    if (ticking) {
      tickAgain = true
      return
    }
    ticking = true
    clearTimeout(timer)
    try {
      if (redis !== undefined) await settlePending(redis)
      await read()
      if (failures > 0) logger.info({ failures }, 'pass epoch readable again')
      failures = 0
    } catch (err) {
      // One line when it starts failing, then one a minute.
      if (failures++ % 60 === 0)
        logger.warn({ err: (err as VibegateError).detail }, 'cannot read the pass epoch')
    }
    await mirror()
    ticking = false
    if (tickAgain && !closed) {
      tickAgain = false
      return tick()
    }
    if (!closed) timer = setTimeout(() => void tick(), refreshMs).unref()
  }
  const bus = redis !== undefined ? options.bus : undefined
  // At most one read every 100 ms however many notices arrive (anyone who may publish on
  // the channel could otherwise make every gate read the revocations in a loop).
  const readSoon = spacedCalls(() => {
    if (!closed && timer !== undefined) void tick()
  }, 100)
  bus?.on('passes', () => readSoon.call())
  const announce = (): void => bus?.publish({ kind: 'passes' })

  const advanceTo = async (why: string, run: () => Promise<unknown>): Promise<void> => {
    const value = Number(await run())
    if (value > 0) {
      epoch = Math.max(epoch ?? 0, value)
      logger.info({ epoch, why }, 'pass epoch moved')
    }
    announce()
    await mirror()
  }
  const advance = (why: string): Promise<void> => {
    if (redis === undefined)
      return advanceTo(why, async () => Math.max((epoch ?? 0) + 1, seconds()))
    return advanceTo(why, () =>
      call('advance', () => redis.eval(ADVANCE, 1, keys[0]!, String(seconds()))),
    ).catch((err: unknown) => notRecorded(why, err))
  }

  return {
    current: () => (known() ? epoch : undefined),
    revokedAt: (user) => revoked.get(user),
    async start(print) {
      pendingFingerprint = redis === undefined ? undefined : print
      await tick()
    },
    advance,
    async revoke(user) {
      const now = seconds()
      revoked.set(user, now)
      if (redis !== undefined) {
        // ARGV[1] is the clock, as in ADVANCE, which REVOKE may run.
        const args = [
          now,
          user,
          now - REVOCATION_KEEP_SECONDS,
          MAX_REVOCATIONS,
          2 * MAX_PASS_TTL_SECONDS,
        ]
        await advanceTo('too many revocations', () =>
          call('revoke', () => redis.eval(REVOKE, 2, ...keys, ...args.map(String))),
        ).catch((err: unknown) => notRecorded('a revocation Redis did not take', err))
      } else if (revoked.size > MAX_REVOCATIONS) {
        revoked.clear()
        await advance('too many revocations')
      } else await mirror()
    },
    async changed(print, why) {
      if (redis === undefined) return advance(why)
      await advanceTo(why, () =>
        call('change', () => redis.eval(CHANGE, 2, keys[0]!, configKey, String(seconds()), print)),
      ).catch((err: unknown) => {
        pendingFingerprint = print
        return notRecorded(why, err)
      })
    },
    async close() {
      closed = true
      clearTimeout(timer)
      readSoon.cancel()
      await writing
    },
  }
}
