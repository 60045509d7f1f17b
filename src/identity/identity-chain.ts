import type { BearerIdentity } from './bearer-identity.js'
import type { SessionRevalidator } from './session-revalidator.js'
import type { Session, SessionStore, SessionUser } from './session-store.js'
import { NOT_NOW, type NotNow } from '../util/not-now.js'

/** Who is asking, and how they proved it. */
export type Identity =
  | { kind: 'bearer'; user: SessionUser; accessToken: string }
  | { kind: 'oauth' | 'wallet'; user: SessionUser; accessToken: string; session: Session }

/** What the chain reads of a request: already de-duplicated by the HTTP layer. */
export interface IdentityInput {
  /** The Authorization header, if exactly one was sent. */
  authorization: string | undefined
  /** The session cookie's value, if exactly one was sent. */
  sessionCookie: string | undefined
  /**
   * The rate-limit subject of the client (its address, an IPv6 /64 as one), asked for only
   * when a new Bearer token must be looked up; unset: one budget shared by all.
   */
  client?: () => string
}

/**
 * The identity chain (as Oathkeeper's authenticators): a `Bearer` token first, then the
 * session cookie; each says "not responsible" when its credential is absent. A credential
 * that is present but invalid ends the chain with no identity: a bad Bearer token does not
 * fall back to the cookie. A session whose OurSong token is due for a check is re-validated
 * first (see `createSessionRevalidator`).
 */
export function createIdentityChain(deps: {
  bearer: BearerIdentity
  sessions: SessionStore
  /** Re-checks the OurSong token behind a session when due; absent: never. */
  revalidator?: SessionRevalidator
}): IdentityChain {
  // One identity per session object, frozen: sessions are kept in process for seconds, and
  // the warm path then allocates nothing for who is asking.
  const identities = new WeakMap<Session, Identity>()
  const identityOf = (session: Session): Identity => {
    let identity = identities.get(session)
    if (!identity) {
      identity = Object.freeze({
        kind: session.kind,
        user: session.user,
        accessToken: session.accessToken,
        session,
      })
      identities.set(session, identity)
    }
    return identity
  }
  // Likewise one per Bearer answer: each cached answer is a user object of its own token.
  const bearers = new WeakMap<SessionUser, Identity>()
  const bearerIdentity = (user: SessionUser, accessToken: string): Identity => {
    let identity = bearers.get(user)
    if (identity?.accessToken !== accessToken) {
      identity = Object.freeze({ kind: 'bearer' as const, user, accessToken })
      bearers.set(user, identity)
    }
    return identity
  }
  return {
    identifyNow({ authorization, sessionCookie }) {
      const bearer = bearerToken(authorization)
      if (bearer !== undefined) {
        if (bearer === '') return undefined
        const user = deps.bearer.peek(bearer)
        return user === NOT_NOW || user === undefined ? user : bearerIdentity(user, bearer)
      }
      if (sessionCookie === undefined) return undefined
      const session = deps.sessions.peek(sessionCookie)
      if (session === NOT_NOW || session === undefined) return session
      if (deps.revalidator?.isDue(session)) return NOT_NOW
      return identityOf(session)
    },

    async identify({ authorization, sessionCookie, client }) {
      const bearer = bearerToken(authorization)
      if (bearer !== undefined) {
        if (bearer === '') return undefined
        const user = await deps.bearer.resolve(bearer, client)
        return user ? bearerIdentity(user, bearer) : undefined
      }
      if (sessionCookie === undefined) return undefined
      const found = await deps.sessions.get(sessionCookie)
      const session = found && deps.revalidator ? await deps.revalidator.check(found) : found
      return session ? identityOf(session) : undefined
    },
  }
}

/** Who is asking, from a request's credentials; see {@link createIdentityChain}. */
export interface IdentityChain {
  identify(input: IdentityInput): Promise<Identity | undefined>
  /**
   * What {@link identify} would answer, when it needs no I/O (a Bearer token or session this
   * process knows, not due for a re-check); else `NOT_NOW`.
   */
  identifyNow(input: IdentityInput): Identity | undefined | NotNow
}

/**
 * The token of an `Authorization: Bearer` header; '' for a Bearer header without a usable
 * token; undefined when the header is absent or of another scheme (not responsible).
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer(?: +([A-Za-z0-9\-._~+/]+=*))? *$/i.exec(header)
  if (!match) return /^Bearer\b/i.test(header) ? '' : undefined
  return match[1] ?? ''
}
