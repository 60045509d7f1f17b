import { createHmac, timingSafeEqual } from 'node:crypto'

/** CSRF tokens bound to a session: the same session always gets the same token. */
export interface CsrfTokens {
  /** The token for pages of this session (base64url, 43 characters). */
  issue(sessionId: string): string
  /** True when `token` is the one {@link issue} gives this session; compared in constant time. */
  verify(sessionId: string, token: string | undefined): boolean
}

/**
 * CSRF tokens as an HMAC-SHA256 of the session id under a key derived from the session secret
 * (VIBEGATE_SESSION_SECRET). Nothing is stored; a new session (every sign-in starts one) has a
 * new token, and a token never works for another session. Only the gate can compute one.
 */
export function createCsrfTokens(sessionSecret: string): CsrfTokens {
  const key = createHmac('sha256', sessionSecret).update('vibegate console csrf v1').digest()
  const issue = (sessionId: string): string =>
    createHmac('sha256', key).update(sessionId).digest('base64url')
  return {
    issue,
    verify(sessionId, token) {
      if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return false
      return timingSafeEqual(Buffer.from(issue(sessionId)), Buffer.from(token))
    },
  }
}
