import { VibegateError } from '../errors/vibegate-error.js'
import { isOurSongError } from '../oursong/oursong-error.js'
import { systemClock, type Clock } from '../util/clock.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { LruCache } from '../ownership/lru-cache.js'
import { storeKey } from '../store/store-key.js'
import type { SessionUser } from './session-store.js'
import { sessionUserOf } from './session-user.js'

/** Options of {@link createBearerIdentity}. */
export interface BearerIdentityOptions {
  client: OurSongClient
  /** Where answers are cached, under a hash of the token. */
  cache: KeyValueStore
  /** How long a valid token's user is cached, ms; default 60000. */
  validTtlMs?: number
  /** How long an invalid token is remembered as invalid, ms; default 10000. */
  invalidTtlMs?: number
  /**
   * Most tokens looked up at OurSong per second, for all clients together; default 50. Each
   * unknown token costs an upstream call, so a flood of random tokens must not spend the
   * app's OurSong quota (and trip the breaker for everyone). Over it: `rate_limited`.
   */
  maxLookupsPerSecond?: number
  clock?: Clock
  /**
   * Answers kept in process too, so a warm Bearer request costs no store round trip; they
   * expire with the cached answer. Default 10000; 0 turns the in-process tier off.
   */
  localMaxEntries?: number
}

/** Resolves OurSong access tokens presented as `Authorization: Bearer` to their users. */
export interface BearerIdentity {
  /**
   * The token's user, or undefined when OurSong says the token is invalid. Failures to
   * ask (timeouts, 5xx, store errors) throw and are never cached.
   */
  resolve(accessToken: string): Promise<SessionUser | undefined>
}

const INVALID = '-'

/**
 * Bearer tokens are looked up with OurSong auth-user and cached under a SHA-256 of the
 * token: valid ones briefly (a revoked token works at most `validTtlMs` longer), invalid
 * ones more briefly still, and new tokens are looked up at most `maxLookupsPerSecond`,
 * so a flood of bad tokens does not become a flood upstream.
 * No session is created.
 */
export function createBearerIdentity(options: BearerIdentityOptions): BearerIdentity {
  const validTtlMs = options.validTtlMs ?? 60_000
  const invalidTtlMs = options.invalidTtlMs ?? 10_000
  const maxLookups = options.maxLookupsPerSecond ?? 50
  const clock = options.clock ?? systemClock
  const { cache, client } = options
  const local =
    (options.localMaxEntries ?? 10_000) > 0
      ? new LruCache<string>(options.localMaxEntries ?? 10_000)
      : undefined
  let window = { second: -1, count: 0 }
  const remember = async (key: string, value: string, ttlMs: number): Promise<void> => {
    local?.set(key, value, clock.now() + ttlMs)
    await cache.set(key, value, ttlMs)
  }
  return {
    async resolve(accessToken) {
      // OurSong tokens are opaque but not tiny, and a header is bounded anyway.
      if (accessToken.length < 8 || accessToken.length > 4096) return undefined
      const key = storeKey('bearer', accessToken)
      const near = local?.get(key)
      const cached = near && near.expiresAt > clock.now() ? near.value : await cache.get(key)
      if (cached === INVALID) return undefined
      if (cached !== undefined) return JSON.parse(cached) as SessionUser
      const second = Math.floor(clock.now() / 1000)
      if (second !== window.second) window = { second, count: 0 }
      if (++window.count > maxLookups) {
        throw new VibegateError('rate_limited', {
          detail: `more than ${maxLookups} new Bearer tokens in a second`,
        })
      }
      try {
        const user = sessionUserOf(await client.authUser(accessToken))
        await remember(key, JSON.stringify(user), validTtlMs)
        return user
      } catch (err) {
        if (!isOurSongError(err, 'oursong_unauthorized', 'oursong_forbidden')) throw err
        await remember(key, INVALID, invalidTtlMs)
        return undefined
      }
    },
  }
}
