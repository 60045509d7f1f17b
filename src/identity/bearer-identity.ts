import { isOurSongError } from '../oursong/oursong-error.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { KeyValueStore } from '../store/key-value-store.js'
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
 * ones more briefly still, so a flood of bad tokens does not become a flood upstream.
 * No session is created.
 */
export function createBearerIdentity(options: BearerIdentityOptions): BearerIdentity {
  const validTtlMs = options.validTtlMs ?? 60_000
  const invalidTtlMs = options.invalidTtlMs ?? 10_000
  const { cache, client } = options
  return {
    async resolve(accessToken) {
      const key = storeKey('bearer', accessToken)
      const cached = await cache.get(key)
      if (cached === INVALID) return undefined
      if (cached !== undefined) return JSON.parse(cached) as SessionUser
      try {
        const user = sessionUserOf(await client.authUser(accessToken))
        await cache.set(key, JSON.stringify(user), validTtlMs)
        return user
      } catch (err) {
        if (!isOurSongError(err, 'oursong_unauthorized', 'oursong_forbidden')) throw err
        await cache.set(key, INVALID, invalidTtlMs)
        return undefined
      }
    },
  }
}
