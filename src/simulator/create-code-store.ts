import { randomBytes } from 'node:crypto'
import type { Clock } from '../util/clock.js'

/** Lifetime of an authorization code in milliseconds (10 minutes). */
export const AUTH_CODE_TTL_MS = 10 * 60 * 1000

/** What an authorization code was issued for. */
export interface AuthCodeGrant {
  userId: string
  clientId: string
  redirectUri: string
  /** Milliseconds since the epoch, on the store's clock. */
  expiresAt: number
}

/** Single-use OAuth authorization codes. */
export interface CodeStore {
  /** A new code (32 random bytes, base64url) for the grant, valid {@link AUTH_CODE_TTL_MS}. */
  create(grant: Omit<AuthCodeGrant, 'expiresAt'>): string
  /**
   * Removes the code and returns its grant, expired or not (the caller tells "expired" from
   * "unknown"); a second call with the same code returns undefined.
   */
  consume(code: string): AuthCodeGrant | undefined
}

/** Creates a {@link CodeStore} whose expiry follows `clock`. */
export function createCodeStore(options: { clock: Clock }): CodeStore {
  const codes = new Map<string, AuthCodeGrant>()
  return {
    create(grant) {
      const now = options.clock.now()
      // Drop expired codes nobody redeemed so an abandoned flow does not stay in memory.
      for (const [code, g] of codes) if (g.expiresAt <= now) codes.delete(code)
      const code = randomBytes(32).toString('base64url')
      codes.set(code, { ...grant, expiresAt: now + AUTH_CODE_TTL_MS })
      return code
    },
    consume(code) {
      const grant = codes.get(code)
      codes.delete(code)
      return grant
    },
  }
}
