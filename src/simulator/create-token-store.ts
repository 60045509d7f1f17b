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
  /** The user id of a valid, unexpired, unrevoked access token, else undefined. */
  resolve(accessToken: string): string | undefined
  /** Refuses the token from now on (a fixture token too); false when it was not valid. */
  revoke(accessToken: string): boolean
  /** Revokes every valid token of the user (tokens issued later work); how many. */
  revokeUser(userId: string): number
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
  const revoked = new Set<string>()
  const resolve = (accessToken: string): string | undefined => {
    if (revoked.has(accessToken)) return undefined
    const fixed = options.fixtureTokens.get(accessToken)
    if (fixed !== undefined) return fixed
    const entry = issued.get(accessToken)
    if (!entry) return undefined
    if (options.clock.now() >= entry.expiresAt) {
      issued.delete(accessToken)
      return undefined
    }
    return entry.userId
  }
  const revoke = (accessToken: string): boolean => {
    if (resolve(accessToken) === undefined) return false
    issued.delete(accessToken)
    // Fixture tokens are not in `issued`: every revoked token is remembered instead.
    revoked.add(accessToken)
    return true
  }
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
    resolve,
    revoke,
    revokeUser(userId) {
      const owners: [string, string][] = [
        ...options.fixtureTokens,
        ...[...issued].map(([token, entry]): [string, string] => [token, entry.userId]),
      ]
      return owners.filter(([token, owner]) => owner === userId && revoke(token)).length
    },
  }
}
