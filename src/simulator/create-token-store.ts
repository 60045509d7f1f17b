import { randomBytes } from 'node:crypto'
import type { Clock } from '../util/clock.js'

/** Lifetime of issued access tokens in seconds, as the upstream's `expires_in`. */
export const ACCESS_TOKEN_TTL_SECONDS = 31535999

/** A freshly issued token pair. */
export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  /** Seconds until the access token expires ({@link ACCESS_TOKEN_TTL_SECONDS}). */
  expiresIn: number
}

/** The access tokens the simulator accepts: the fixture's (never expire) and issued ones. */
export interface TokenStore {
  /** Issues a new token pair for the user; the access token expires after `expiresIn` s. */
  issue(userId: string): IssuedTokens
  /** The user id of a valid, unexpired access token, else undefined. */
  resolve(accessToken: string): string | undefined
}

/**
 * Creates a {@link TokenStore}. `fixtureTokens` maps never-expiring tokens to user ids;
 * expiry uses `clock`. Tokens are 32 random bytes, base64url.
 */
export function createTokenStore(options: {
  clock: Clock
  fixtureTokens: ReadonlyMap<string, string>
}): TokenStore {
  const issued = new Map<string, { userId: string; expiresAt: number }>()
  return {
    issue(userId) {
      const accessToken = randomBytes(32).toString('base64url')
      const expiresAt = options.clock.now() + ACCESS_TOKEN_TTL_SECONDS * 1000
      issued.set(accessToken, { userId, expiresAt })
      // Refresh tokens are returned as the upstream does but never accepted: no refresh grant
      // is documented.
      return {
        accessToken,
        refreshToken: randomBytes(32).toString('base64url'),
        expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      }
    },
    resolve(accessToken) {
      const fixed = options.fixtureTokens.get(accessToken)
      if (fixed !== undefined) return fixed
      const entry = issued.get(accessToken)
      if (!entry) return undefined
      if (options.clock.now() >= entry.expiresAt) {
        issued.delete(accessToken)
        return undefined
      }
      return entry.userId
    },
  }
}
