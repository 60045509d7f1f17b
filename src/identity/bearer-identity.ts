import { VibegateError } from '../errors/vibegate-error.js'
import { isOurSongError } from '../oursong/oursong-error.js'
import { systemClock, type Clock } from '../util/clock.js'
import { NOT_NOW, type NotNow } from '../util/not-now.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { LruCache } from '../util/lru-cache.js'
import { storeKey } from '../store/store-key.js'
import { createLookupBudget } from './lookup-budget.js'
import type { SessionUser } from './session-store.js'
import { sessionUserOf } from './session-user.js'
import { silentLogger, type Logger } from '../util/logger.js'

/** Options of {@link createBearerIdentity}. */
export interface BearerIdentityOptions {
  client: OurSongClient
  /** Where answers are cached, under a hash of the token. */
  cache: KeyValueStore
  /** How long a valid token's user is cached, ms; default 60000. */
  validTtlMs?: number
  /** How long a token OurSong refused is remembered as refused, ms; default 10000. */
  invalidTtlMs?: number
  /**
   * Most new tokens looked up at OurSong per second, for all clients together; default 50.
   * Each unknown token costs an upstream call, so a flood of random tokens must not spend
   * the app's OurSong quota (and trip the breaker for everyone). Over it: `rate_limited`.
   */
  maxLookupsPerSecond?: number
  /**
   * Most new tokens looked up per second for one client address (an IPv6 /64 counts as
   * one); default 10. One client's flood then leaves the rest of the global budget to others.
   */
  maxLookupsPerClientPerSecond?: number
  /**
   * How long a token OurSong accepted stays known, ms; default 3600000. Its next look-up
   * (after `validTtlMs`) is not counted against the budgets, so a flood of random tokens
   * cannot lock out fans whose cached answer expires during it.
   */
  knownValidTtlMs?: number
  clock?: Clock
  /**
   * Answers kept in process too, so a warm Bearer request costs no store round trip; they
   * expire with the cached answer. Default 10000; 0 turns the in-process tier off.
   */
  localMaxEntries?: number
  /**
   * Refresh-ahead window, ms; default 5000, 0 turns it off. A valid token answered from
   * this process with less than this left is asked of OurSong again in the background,
   * once, while the cached user keeps being served until its own expiry: a token in steady
   * use never expires under its requests (which would otherwise wait for OurSong once per
   * `validTtlMs`), and a revoked one is refused as soon as the refresh hears of it.
   */
  refreshAheadMs?: number
  /** Where a failed refresh-ahead is noted (debug); default silent. */
  logger?: Logger
}

/** Resolves OurSong access tokens presented as `Authorization: Bearer` to their users. */
export interface BearerIdentity {
  /**
   * The token's user, or undefined when OurSong says the token is invalid. Failures to
   * ask (timeouts, 5xx, store errors) throw and are never cached; so does a lookup over
   * budget (`rate_limited`). `client` gives the rate-limit subject of the asking client,
   * asked for only when a look-up starts (unset: `unknown`, one budget shared by all).
   */
  resolve(accessToken: string, client?: () => string): Promise<SessionUser | undefined>
  /**
   * The answer {@link resolve} would give, when this process knows it without I/O: the
   * user, undefined for a refused or unusable token, or `NOT_NOW`.
   */
  peek(accessToken: string): SessionUser | undefined | NotNow
}

const INVALID = '-'

/**
 * Bearer tokens are looked up with OurSong auth-user and cached under a SHA-256 of the
 * token: valid ones briefly (a revoked token works at most `validTtlMs` longer), refused
 * ones more briefly still. Concurrent requests with the same token share one look-up, and
 * only that one look-up is counted against the budgets (global and per client), so a
 * player fetching 60 segments at once on a cold cache costs one token, not 60.
 * No session is created.
 */
export function createBearerIdentity(options: BearerIdentityOptions): BearerIdentity {
  const validTtlMs = options.validTtlMs ?? 60_000
  const invalidTtlMs = options.invalidTtlMs ?? 10_000
  const maxLookups = options.maxLookupsPerSecond ?? 50
  const maxPerClient = options.maxLookupsPerClientPerSecond ?? 10
  const clock = options.clock ?? systemClock
  const { cache, client } = options
  const budget = createLookupBudget({
    perSecond: maxLookups,
    perClientPerSecond: maxPerClient,
    clock,
  })
  // Keyed by the token itself: this map never leaves the process, and hashing the token
  // on every warm request cost more than the rest of the look-up. The parsed, frozen user
  // is kept, so a hit allocates nothing; `null` is a refused token.
  const local =
    (options.localMaxEntries ?? 10_000) > 0
      ? new LruCache<SessionUser | null>(options.localMaxEntries ?? 10_000)
      : undefined
  const knownValidTtlMs = options.knownValidTtlMs ?? 3_600_000
  const knownValid = new LruCache<true>(Math.max(1, options.localMaxEntries ?? 10_000))
  // Keyed by the token; an entry lives only while its look-up is in flight.
  const inFlight = new Map<string, Promise<SessionUser | undefined>>()

  const remember = async (
    accessToken: string,
    key: string,
    user: SessionUser | null,
    ttlMs: number,
  ): Promise<SessionUser | undefined> => {
    const frozen = user && Object.freeze({ ...user })
    local?.set(accessToken, frozen, clock.now() + ttlMs)
    await cache.set(key, user ? JSON.stringify(user) : INVALID, ttlMs)
    return frozen ?? undefined
  }
  // Not copied into the process: the store does not say how long its entry has left.
  const answer = (cached: string): SessionUser | undefined =>
    cached === INVALID ? undefined : Object.freeze(JSON.parse(cached) as SessionUser)

  const lookUp = async (
    accessToken: string,
    subject: (() => string) | undefined,
  ): Promise<SessionUser | undefined> => {
    const key = storeKey('bearer', accessToken)
    const cached = await cache.get(key)
    if (cached !== undefined) return answer(cached)
    const known = knownValid.get(key)
    if (!(known && known.expiresAt > clock.now()) && !budget.take(subject?.() ?? 'unknown')) {
      throw new VibegateError('rate_limited', {
        detail: `new Bearer tokens over budget (${maxLookups}/s in all, ${maxPerClient}/s per client)`,
      })
    }
    return ask(accessToken, key)
  }

  /** Asks OurSong who the token's user is, and remembers the answer (refused ones too). */
  const ask = async (accessToken: string, key: string): Promise<SessionUser | undefined> => {
    try {
      const user = sessionUserOf(await client.authUser(accessToken))
      knownValid.set(key, true, clock.now() + knownValidTtlMs)
      return await remember(accessToken, key, user, validTtlMs)
    } catch (err) {
      if (!isOurSongError(err, 'oursong_unauthorized', 'oursong_forbidden')) throw err
      knownValid.delete(key)
      return remember(accessToken, key, null, invalidTtlMs)
    }
  }

  const refreshAheadMs = options.refreshAheadMs ?? 5000
  const logger = options.logger ?? silentLogger()
  /** A background look-up of a valid token near its expiry, unless one is in flight. */
  const refreshSoon = (accessToken: string): void => {
    if (inFlight.has(accessToken)) return
    // A known-valid token: not counted against the budgets (see knownValidTtlMs).
    const pending = ask(accessToken, storeKey('bearer', accessToken)).finally(() =>
      inFlight.delete(accessToken),
    )
    inFlight.set(accessToken, pending)
    // The cached user stays until it expires; the next request then asks as usual.
    pending.catch((err: unknown) =>
      logger.debug({ err: String(err) }, 'refresh-ahead of a Bearer token failed'),
    )
  }

  const peek = (accessToken: string): SessionUser | undefined | NotNow => {
    // OurSong tokens are opaque but not tiny, and a header is bounded anyway.
    if (accessToken.length < 8 || accessToken.length > 4096) return undefined
    const near = local?.get(accessToken)
    if (!near) return NOT_NOW
    const left = near.expiresAt - clock.now()
    if (left <= 0) return NOT_NOW
    if (near.value && left <= refreshAheadMs) refreshSoon(accessToken)
    return near.value ?? undefined
  }

  return {
    peek,
    resolve(accessToken, subject) {
      const known = peek(accessToken)
      if (known !== NOT_NOW) return Promise.resolve(known)
      let pending = inFlight.get(accessToken)
      if (!pending) {
        pending = lookUp(accessToken, subject).finally(() => inFlight.delete(accessToken))
        inFlight.set(accessToken, pending)
      }
      return pending
    },
  }
}
