import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import helmet from 'helmet'
import { VibegateError } from '../errors/vibegate-error.js'
import type { createIdentityChain } from '../identity/identity-chain.js'
import type { OAuthSignIn } from '../identity/oauth-sign-in.js'
import { OAUTH_STATE_TTL_MS } from '../identity/oauth-sign-in.js'
import type { RateLimit, RateLimiter } from '../identity/rate-limiter.js'
import type { Session, SessionStore, SessionUser } from '../identity/session-store.js'
import type { WalletSignIn } from '../identity/wallet-sign-in.js'
import type { Logger } from '../util/logger.js'
import { messagePage } from './html-page.js'
import { toVibegateError } from './to-vibegate-error.js'
import { clientAddress, singleCookie, singleHeader } from './request-headers.js'
import { rateSubject } from './rate-subject.js'
import { clearCookie, cookieSettings, setCookie } from './session-cookie.js'

/** Per-minute limits of the sign-in endpoints, per client address and per wallet address. */
export interface AuthRateLimits {
  loginPerIp: RateLimit
  challengePerIp: RateLimit
  challengePerAddress: RateLimit
  walletLoginPerIp: RateLimit
  walletLoginPerAddress: RateLimit
}

/** Defaults of {@link AuthRateLimits}. */
export const DEFAULT_AUTH_RATE_LIMITS: AuthRateLimits = {
  loginPerIp: { max: 30, windowMs: 60_000 },
  challengePerIp: { max: 30, windowMs: 60_000 },
  challengePerAddress: { max: 10, windowMs: 60_000 },
  walletLoginPerIp: { max: 20, windowMs: 60_000 },
  walletLoginPerAddress: { max: 10, windowMs: 60_000 },
}

/** What the sign-in routes need. */
export interface AuthRouterDeps {
  publicUrl: URL
  oauth: OAuthSignIn
  wallet: WalletSignIn
  sessions: SessionStore
  identity: ReturnType<typeof createIdentityChain>
  rateLimiter: RateLimiter
  trustsProxy: (address: string | undefined) => boolean
  logger: Logger
  /** Lifetime of the session cookie, seconds (the session's absolute lifetime). */
  sessionCookieMaxAge: number
  rateLimits?: AuthRateLimits
  /** Called after a session ends at logout (e.g. to purge the user's cached ownership). */
  onLogout?: (user: SessionUser) => Promise<void>
  /**
   * More Set-Cookie values for the logout answer, e.g. the edge pass cookies expired
   * (docs/edge-pass.md); default none.
   */
  logoutCookies?: () => readonly string[]
}

/**
 * The human-facing sign-in routes of contract section 3.2: `/auth/login`,
 * `/auth/callback`, `/auth/wallet/challenge`, `/auth/wallet/login`, `/auth/me`,
 * `/auth/logout`. Errors are `{ error, message }` JSON, or a page for browsers on the
 * redirect-driven routes; never a stack trace.
 */
export function createAuthRouter(deps: AuthRouterDeps): Router {
  const router = express.Router({ caseSensitive: true, strict: true })
  const cookies = cookieSettings(deps.publicUrl)
  const limits = deps.rateLimits ?? DEFAULT_AUTH_RATE_LIMITS
  // An IPv6 client controls a whole /64: count it as one.
  const ip = (req: Request): string => rateSubject(clientAddress(req, deps.trustsProxy))
  const startSession = (res: Response, session: Session): void => {
    res.append(
      'Set-Cookie',
      setCookie(cookies.session, session.id, deps.sessionCookieMaxAge, cookies.secure),
    )
  }

  router.use('/auth', helmet(), (_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })

  router.get('/auth/login', async (req, res) => {
    await deps.rateLimiter.hit('login', ip(req), limits.loginPerIp)
    const { state, authorizeUrl } = await deps.oauth.start(req.query.return_to)
    res.append(
      'Set-Cookie',
      setCookie(cookies.state, state, OAUTH_STATE_TTL_MS / 1000, cookies.secure),
    )
    res.redirect(302, authorizeUrl)
  })

  router.get('/auth/callback', async (req, res) => {
    res.append('Set-Cookie', clearCookie(cookies.state, cookies.secure))
    const { session, returnTo } = await deps.oauth.finish({
      code: req.query.code,
      state: req.query.state,
      error: req.query.error,
      stateCookie: singleCookie(req, cookies.state),
    })
    await endCurrentSession(req)
    startSession(res, session)
    deps.logger.info({ user: session.user.uuid, kind: 'oauth' }, 'signed in')
    res.redirect(302, returnTo)
  })

  router.get('/auth/wallet/challenge', async (req, res) => {
    const address = typeof req.query.address === 'string' ? req.query.address : ''
    await deps.rateLimiter.hit('challenge-ip', ip(req), limits.challengePerIp)
    await deps.rateLimiter.hit(
      'challenge-address',
      // Per wallet *and* client: nobody can lock a wallet out by asking for it from elsewhere.
      `${ip(req)} ${address.toLowerCase()}`,
      limits.challengePerAddress,
    )
    res.json(await deps.wallet.challenge(address))
  })

  router.post(
    '/auth/wallet/login',
    sameOrigin,
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const body = (req.body ?? {}) as { message?: unknown; signature?: unknown }
      await deps.rateLimiter.hit('wallet-login-ip', ip(req), limits.walletLoginPerIp)
      const claimed =
        typeof body.message === 'string'
          ? /^0x[0-9a-fA-F]{40}$/m.exec(body.message)?.[0]
          : undefined
      if (claimed)
        await deps.rateLimiter.hit(
          'wallet-login-address',
          `${ip(req)} ${claimed.toLowerCase()}`,
          limits.walletLoginPerAddress,
        )
      const session = await deps.wallet.login(body.message, body.signature)
      await endCurrentSession(req)
      startSession(res, session)
      deps.logger.info({ user: session.user.uuid, kind: 'wallet' }, 'signed in')
      res.json({ user: session.user })
    },
  )

  router.get('/auth/me', async (req, res) => {
    const identity = await deps.identity.identify({
      authorization: singleHeader(req, 'authorization'),
      sessionCookie: singleCookie(req, cookies.session),
      client: () => ip(req),
    })
    if (!identity) throw new VibegateError('no_session')
    const expiresAt =
      identity.kind === 'bearer' ? null : new Date(identity.session.expiresAt).toISOString()
    res.json({ user: identity.user, session: { kind: identity.kind, expires_at: expiresAt } })
  })

  router.post('/auth/logout', sameOrigin, async (req, res) => {
    const ended = await endCurrentSession(req)
    res.append('Set-Cookie', clearCookie(cookies.session, cookies.secure))
    for (const cookie of deps.logoutCookies?.() ?? []) res.append('Set-Cookie', cookie)
    if (ended) {
      deps.logger.info({ user: ended.user.uuid }, 'signed out')
      await deps.onLogout?.(ended.user)
    }
    res.status(204).end()
  })

  router.use('/auth', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err)
    const error = toVibegateError(err)
    const level = error.status >= 500 ? 'error' : 'info'
    deps.logger[level](
      { code: error.code, detail: error.detail, path: req.originalUrl.split('?')[0] },
      'sign-in request refused',
    )
    res.status(error.status)
    if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(
        messagePage('Sign-in did not work', error.publicMessage, {
          href: '/auth/login',
          text: 'Sign in again',
        }),
      )
    } else {
      res.json(error.toJSON())
    }
  })

  /** Ends the session of the request's cookie, if any: a new sign-in never keeps an old id. */
  async function endCurrentSession(req: Request): Promise<Session | undefined> {
    const id = singleCookie(req, cookies.session)
    if (id === undefined) return undefined
    const session = await deps.sessions.get(id)
    await deps.sessions.destroy(id)
    return session
  }

  /** Refuses a state-changing request whose Origin is another site's. */
  function sameOrigin(req: Request, _res: Response, next: NextFunction): void {
    const origin = singleHeader(req, 'origin')
    if (origin !== undefined && origin !== deps.publicUrl.origin) {
      next(new VibegateError('cross_origin', { detail: `Origin ${origin.slice(0, 100)}` }))
      return
    }
    next()
  }

  return router
}
