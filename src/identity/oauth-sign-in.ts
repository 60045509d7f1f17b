import { randomBytes, timingSafeEqual } from 'node:crypto'
import { VibegateError } from '../errors/vibegate-error.js'
import { isOurSongError } from '../oursong/oursong-error.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { storeKey } from '../store/store-key.js'
import { safeReturnTo, type ReturnToPolicy } from './return-to.js'
import type { Session, SessionStore } from './session-store.js'
import { sessionUserOf } from './session-user.js'

/** How long a started sign-in may take, milliseconds: 10 minutes. */
export const OAUTH_STATE_TTL_MS = 600_000

/** Options of {@link createOAuthSignIn}. */
export interface OAuthSignInOptions {
  client: OurSongClient
  store: KeyValueStore
  sessions: SessionStore
  returnTo: ReturnToPolicy
  /** `VIBEGATE_PUBLIC_URL/auth/callback`, registered with OurSong. */
  redirectUri: string
}

/** OurSong authorization-code sign-in. */
export interface OAuthSignIn {
  /**
   * Starts a sign-in: a single-use state, stored server-side with the validated return_to,
   * and to be set in the browser's state cookie; `authorizeUrl` is where to send it.
   */
  start(returnTo: unknown): Promise<{ state: string; authorizeUrl: string }>
  /**
   * Finishes it: the callback's state must equal the browser's state cookie and still be
   * on record (it is consumed), then the code is exchanged and a new session started.
   * Returns the session and where to send the browser, validated again.
   */
  finish(callback: {
    code: unknown
    state: unknown
    error: unknown
    stateCookie: string | undefined
  }): Promise<{ session: Session; returnTo: string }>
}

/** Creates the {@link OAuthSignIn} flow. */
export function createOAuthSignIn(options: OAuthSignInOptions): OAuthSignIn {
  const { client, store, sessions, redirectUri } = options
  return {
    async start(returnTo) {
      const state = randomBytes(32).toString('base64url')
      const record = JSON.stringify({ returnTo: safeReturnTo(returnTo, options.returnTo) })
      await store.set(storeKey('oauth-state', state), record, OAUTH_STATE_TTL_MS)
      return { state, authorizeUrl: client.authorizeUrl({ redirectUri, state }) }
    },

    async finish({ code, state, error, stateCookie }) {
      if (
        typeof state !== 'string' ||
        state === '' ||
        stateCookie === undefined ||
        !sameText(state, stateCookie)
      ) {
        throw new VibegateError('invalid_state', {
          detail:
            stateCookie === undefined ? 'no state cookie' : 'state differs from the browser’s',
        })
      }
      const record = await store.take(storeKey('oauth-state', state))
      if (record === undefined)
        throw new VibegateError('invalid_state', { detail: 'unknown, expired or used state' })
      if (error !== undefined) {
        throw new VibegateError('oauth_denied', {
          detail: `OurSong answered error=${String(error).slice(0, 40)}`,
        })
      }
      if (typeof code !== 'string' || code === '' || code.length > 2048) {
        throw new VibegateError('bad_request', { detail: 'the callback has no code' })
      }
      let accessToken: string
      try {
        ;({ access_token: accessToken } = await client.exchangeCode({ code, redirectUri }))
      } catch (err) {
        if (
          isOurSongError(err, 'oursong_rejected', 'oursong_unauthorized', 'oursong_bad_response')
        ) {
          throw new VibegateError('oauth_failed', { detail: err.message, cause: err })
        }
        throw err
      }
      const user = await client.authUser(accessToken)
      const session = await sessions.create({
        user: sessionUserOf(user),
        kind: 'oauth',
        accessToken,
      })
      const { returnTo } = JSON.parse(record) as { returnTo: string }
      return { session, returnTo: safeReturnTo(returnTo, options.returnTo) }
    },
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
