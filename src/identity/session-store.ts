import { randomBytes } from 'node:crypto'
import type { KeyValueStore } from '../store/key-value-store.js'
import { trustsCopy, type BusCopy, type InvalidationBus } from '../store/invalidation-bus.js'
import { createNoticeLedger } from '../store/notice-ledger.js'
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
   * another replica is dropped here at once, and while the bus vouches for a copy it is kept
   * for `liveLocalCacheMs` instead of `localCacheMs` (`trustsCopy`). Unset: copies live
   * `localCacheMs`.
   */
  bus?: Pick<InvalidationBus, 'publish' | 'on' | 'liveEpoch' | 'confirmedAt'>
  /**
   * How long a copy may be answered from while the bus vouches for it, ms; default 30000.
   * A backstop only: notices end copies sooner.
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

/** This replica's copy of a session, its store key, and when (and in which bus epoch) it was read. */
interface LocalCopy extends BusCopy {
  session: Session
  key: string
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
  // Store key -> session id of every copy, so that a notice (which names the key) finds its
  // copy in one look-up; kept in step with `local`, evictions included.
  const idOfKey = new Map<string, string>()
  const local = new LruCache<LocalCopy>(10_000, (_id, copy) => idOfKey.delete(copy.key))
  const drop = (id: string, key: string): void => {
    local.delete(id)
    idOfKey.delete(key)
  }
  // Sessions other replicas ended: a read that overlapped the notice of its own keeps no copy.
  const ended = createNoticeLedger()
  bus?.on('session', ({ key }) => {
    ended.heard(key)
    const id = idOfKey.get(key)
    if (id !== undefined) drop(id, key)
  })
  /** Starts a read: what {@link keep} needs to know of the moment. */
  const reading = (): BusCopy & { mark: number } => ({
    at: clock.now(),
    epoch: bus?.liveEpoch(),
    mark: ended.mark(),
  })
  const keep = (session: Session, key: string, read: BusCopy & { mark: number }): void => {
    if (localCacheMs === 0 || ended.heardSince(key, read.mark)) return
    local.set(
      session.id,
      { session, key, at: read.at, epoch: read.epoch },
      read.at + Math.max(localCacheMs, liveLocalCacheMs),
    )
    idOfKey.set(key, session.id)
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
    const copy = cached.value
    const { session } = copy
    return now < session.expiresAt &&
      now < session.idleExpiresAt &&
      trustsCopy(bus, copy, now, localCacheMs, liveLocalCacheMs)
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
      const started = reading()
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
      keep(session, key, started)
      return session
    },

    async markValidated(session, at) {
      // Re-read: the session may have ended (logout, another replica) since it was handed out.
      const started = reading()
      const current = await read(session.id)
      if (!current || clock.now() >= current.expiresAt || clock.now() >= current.idleExpiresAt)
        return undefined
      const updated: Session = { ...current, validatedAt: Math.max(current.validatedAt, at) }
      if (!(await write(updated, true))) return undefined
      keep(updated, storeKey('session', updated.id), started)
      return updated
    },

    async destroy(id) {
      if (typeof id !== 'string' || !SESSION_ID.test(id)) return
      const key = storeKey('session', id)
      drop(id, key)
      try {
        await store.delete(key)
      } finally {
        // Even when the delete failed or timed out (it may have run all the same): a needless
        // notice costs the other gates one read; a missing one leaves them a copy.
        bus?.publish({ kind: 'session', key })
      }
    },
  }
}
