import { randomBytes } from 'node:crypto'
import type { KeyValueStore } from '../store/key-value-store.js'
import { trustsCopy, type InvalidationBus } from '../store/invalidation-bus.js'
import { storeKey } from '../store/store-key.js'
import { systemClock, type Clock } from '../util/clock.js'
import { LruCache } from '../util/lru-cache.js'
import { NOT_NOW, type NotNow } from '../util/not-now.js'
import type { Sealer } from './sealer.js'

/** Who a session belongs to, as OurSong's auth-user described them at sign-in. */
export interface SessionUser {
  /** OurSong uuid: the JWT `sub`. */
  uuid: string
  id: string
  username: string
  name: string
  /** The connected wallet (0x address), when known. */
  wallet: string | null
}

/** How the session was started. */
export type SessionKind = 'oauth' | 'wallet'

/** A signed-in browser. */
export interface Session {
  /** The cookie value: 256 random bits, base64url. Never logged. */
  id: string
  user: SessionUser
  kind: SessionKind
  /** The user's OurSong access token, for ownership checks. Encrypted at rest. */
  accessToken: string
  /** ms since the epoch. */
  createdAt: number
  /**
   * When OurSong last accepted `accessToken` (sign-in counts), ms since the epoch. Sealed
   * with the rest, so every replica knows when the token is due to be checked again.
   */
  validatedAt: number
  /** Absolute end, ms since the epoch: sign in again after it. */
  expiresAt: number
  /** End unless used again before, ms since the epoch (idle timeout). */
  idleExpiresAt: number
}

/** Options of {@link createSessionStore}. */
export interface SessionStoreOptions {
  store: KeyValueStore
  /** Encrypts each record (user and OurSong token) with its key as context. */
  sealer: Sealer
  clock?: Clock
  /** Idle timeout in milliseconds; default 12 hours. */
  idleTtlMs?: number
  /** Absolute lifetime in milliseconds; default 7 days. */
  absoluteTtlMs?: number
  /**
   * How long a replica may answer from its own copy of a session, ms; default 0 (always ask
   * the store). With Redis, a few seconds keep the decision path off the network; a logout
   * on another replica then applies here within that time.
   */
  localCacheMs?: number
  /**
   * The deployment's invalidation bus: a session ended here is announced, one ended at
   * another replica is dropped here at once, and while the bus is live a copy is kept for
   * `liveLocalCacheMs` instead of `localCacheMs`. Unset: copies live `localCacheMs`.
   */
  bus?: Pick<InvalidationBus, 'publish' | 'on' | 'liveSince'>
  /**
   * How long a copy may be answered from while the bus has been live since before it was
   * made, ms; default 30000. A backstop only: notices end copies sooner.
   */
  liveLocalCacheMs?: number
}

/** Sessions in a {@link KeyValueStore}; see {@link createSessionStore}. */
export interface SessionStore {
  /** Starts a session under a fresh id (a new id at every sign-in: no fixation). */
  create(init: { user: SessionUser; kind: SessionKind; accessToken: string }): Promise<Session>
  /**
   * The live session for a cookie value, or undefined (unknown, expired, tampered, malformed).
   * `fresh` skips this replica's own copy (`localCacheMs`) and reads the store.
   */
  get(id: string, options?: { fresh?: boolean }): Promise<Session | undefined>
  /**
   * Records that OurSong accepted the session's token at `at` (ms since the epoch), for
   * every replica; returns the updated session. A session that ended meanwhile stays ended.
   */
  markValidated(session: Session, at: number): Promise<Session | undefined>
  /**
   * What {@link get} would answer from this replica's own copy, without I/O: the session,
   * undefined for a malformed id, or `NOT_NOW` when the store must be asked.
   */
  peek(id: string): Session | undefined | NotNow
  /** Ends a session; unknown ids are fine. */
  destroy(id: string): Promise<void>
}

/** This replica's copy of a session: its store key, and when it was read (ms since the epoch). */
interface LocalCopy {
  session: Session
  key: string
  at: number
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
// Writing the sliding idle expiry back on every request would put a store write on the hot
// path; once a minute is precise enough for an idle timeout of hours.
const TOUCH_INTERVAL_MS = 60_000

/**
 * Sessions with idle and absolute expiry, checked against the injected clock (the store's
 * own TTL is only a backstop). Records are sealed, keys hashed, so neither a dump of the
 * store nor its key space yields a usable session id or token.
 */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const clock = options.clock ?? systemClock
  const idleTtlMs = options.idleTtlMs ?? 12 * 3_600_000
  const absoluteTtlMs = options.absoluteTtlMs ?? 7 * 86_400_000
  const { store, sealer } = options
  const localCacheMs = options.localCacheMs ?? 0
  const { bus } = options
  const liveLocalCacheMs = bus ? Math.max(localCacheMs, options.liveLocalCacheMs ?? 30_000) : 0
  const local = new LruCache<LocalCopy>(10_000)
  // Sessions other replicas ended, counted: a read that overlapped one keeps no copy, since
  // its answer may predate the notice (the two travel on different connections).
  let endedElsewhere = 0
  bus?.on('session', ({ key }) => {
    endedElsewhere++
    const ids: string[] = []
    for (const copy of local.values()) if (copy.key === key) ids.push(copy.session.id)
    for (const id of ids) local.delete(id)
  })
  const keep = (session: Session, key: string, at: number): void => {
    if (localCacheMs > 0)
      local.set(session.id, { session, key, at }, at + Math.max(localCacheMs, liveLocalCacheMs))
  }

  /** Writes a session; `update`: only if it still exists (a logout in between stands). */
  const write = async (session: Session, update = false): Promise<boolean> => {
    const key = storeKey('session', session.id)
    const { id: _id, ...record } = session
    const ttl = Math.max(1, Math.min(session.idleExpiresAt, session.expiresAt) - clock.now())
    const sealed = sealer.seal(JSON.stringify(record), key)
    if (update) return store.setIfPresent(key, sealed, ttl)
    await store.set(key, sealed, ttl)
    return true
  }

  const read = async (id: string): Promise<Session | undefined> => {
    const key = storeKey('session', id)
    const box = await store.get(key)
    const text = box === undefined ? undefined : sealer.open(box, key)
    if (text === undefined) return undefined
    const record = JSON.parse(text) as Omit<Session, 'id' | 'validatedAt'> & {
      validatedAt?: number
    }
    // Records written before validatedAt existed: sign-in was their last validation.
    return { id, ...record, validatedAt: record.validatedAt ?? record.createdAt }
  }

  const peek = (id: string): Session | undefined | NotNow => {
    if (typeof id !== 'string') return undefined
    // Only well-formed ids are ever copied here, so a hit needs no format check.
    const cached = localCacheMs > 0 ? local.get(id) : undefined
    if (!cached) return SESSION_ID.test(id) ? NOT_NOW : undefined
    const now = clock.now()
    const { session, at } = cached.value
    return now < session.expiresAt &&
      now < session.idleExpiresAt &&
      trustsCopy(bus, at, now, localCacheMs, liveLocalCacheMs)
      ? session
      : NOT_NOW
  }

  return {
    async create({ user, kind, accessToken }) {
      const now = clock.now()
      const session: Session = {
        id: randomBytes(32).toString('base64url'),
        user,
        kind,
        accessToken,
        createdAt: now,
        validatedAt: now,
        expiresAt: now + absoluteTtlMs,
        idleExpiresAt: Math.min(now + idleTtlMs, now + absoluteTtlMs),
      }
      await write(session)
      return session
    },

    peek,

    async get(id, options = {}) {
      if (!options.fresh) {
        const known = peek(id)
        if (known !== NOT_NOW) return known
      } else if (typeof id !== 'string' || !SESSION_ID.test(id)) return undefined
      const seen = endedElsewhere
      const readAt = clock.now()
      const session = await read(id)
      if (!session) return undefined
      const key = storeKey('session', id)
      const now = clock.now()
      if (now >= session.expiresAt || now >= session.idleExpiresAt) {
        await store.delete(key)
        return undefined
      }
      const idleExpiresAt = Math.min(now + idleTtlMs, session.expiresAt)
      if (idleExpiresAt - session.idleExpiresAt >= TOUCH_INTERVAL_MS) {
        session.idleExpiresAt = idleExpiresAt
        if (!(await write(session, true))) return undefined
      }
      if (seen === endedElsewhere) keep(session, key, readAt)
      return session
    },

    async markValidated(session, at) {
      // Re-read: the session may have ended (logout, another replica) since it was handed out.
      const seen = endedElsewhere
      const readAt = clock.now()
      const current = await read(session.id)
      if (!current || clock.now() >= current.expiresAt || clock.now() >= current.idleExpiresAt)
        return undefined
      const updated: Session = { ...current, validatedAt: Math.max(current.validatedAt, at) }
      if (!(await write(updated, true))) return undefined
      if (seen === endedElsewhere) keep(updated, storeKey('session', updated.id), readAt)
      return updated
    },

    async destroy(id) {
      if (typeof id !== 'string' || !SESSION_ID.test(id)) return
      local.delete(id)
      const key = storeKey('session', id)
      await store.delete(key)
      bus?.publish({ kind: 'session', key })
    },
  }
}
