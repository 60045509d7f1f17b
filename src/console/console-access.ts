import type { NextFunction, Request, Response } from 'express'
import type { IdentityChain } from '../identity/identity-chain.js'
import type { SessionUser } from '../identity/session-store.js'
import { singleCookie, singleHeader } from '../http/request-headers.js'
import type { CookieSettings } from '../http/session-cookie.js'
import type { Logger } from '../util/logger.js'
import { ConsoleError } from './console-error.js'
import type { CsrfTokens } from './csrf-tokens.js'
import type { OperatorList } from './operator-list.js'

/** The operator behind a console request, once {@link ConsoleAccess.operator} let it through. */
export interface ConsoleOperator {
  user: SessionUser
  /** The session's CSRF token, for the pages' state-changing requests. */
  csrf: string
  sessionId: string
}

/** What {@link createConsoleAccess} needs. */
export interface ConsoleAccessDeps {
  identity: IdentityChain
  cookies: CookieSettings
  operators: OperatorList
  csrf: CsrfTokens
  /** VIBEGATE_PUBLIC_URL: the one Origin state-changing requests may come from. */
  publicUrl: URL
  logger: Logger
}

/** The console's two checks, as Express middleware. */
export interface ConsoleAccess {
  /**
   * Lets through a request whose session cookie belongs to an operator and stores the
   * {@link ConsoleOperator} in `res.locals.operator`; otherwise `console_signed_out` (no
   * session) or `console_forbidden` (signed in, not listed). Bearer tokens are not accepted:
   * the console is for browsers, and its CSRF tokens are bound to the session.
   */
  operator(req: Request, res: Response, next: NextFunction): void
  /**
   * For state-changing requests, after {@link operator}: the `Origin` header must be present
   * and be the gate's own, and `X-CSRF-Token` must be the session's token.
   */
  stateChange(req: Request, res: Response, next: NextFunction): void
}

/** Builds the console's access checks from the gate's identity chain and VIBEGATE_OPERATORS. */
export function createConsoleAccess(deps: ConsoleAccessDeps): ConsoleAccess {
  return {
    operator(req, res, next) {
      const sessionId = singleCookie(req, deps.cookies.session)
      if (sessionId === undefined) return next(new ConsoleError('console_signed_out'))
      deps.identity
        .identify({ authorization: undefined, sessionCookie: sessionId })
        .then((identity) => {
          if (!identity || identity.kind === 'bearer')
            throw new ConsoleError('console_signed_out', 'no live session for the cookie')
          if (!deps.operators.includes(identity.user)) {
            deps.logger.warn(
              { user: identity.user.uuid, path: req.originalUrl.split('?')[0] },
              'console refused: not an operator',
            )
            throw new ConsoleError('console_forbidden', `user ${identity.user.id}`)
          }
          const operator: ConsoleOperator = {
            user: identity.user,
            csrf: deps.csrf.issue(identity.session.id),
            sessionId: identity.session.id,
          }
          res.locals.operator = operator
          next()
        })
        .catch(next)
    },
    stateChange(req, res, next) {
      const operator = res.locals.operator as ConsoleOperator | undefined
      const origin = singleHeader(req, 'origin')
      // Deny when ambiguous: a state change without an Origin header is refused too.
      if (origin === undefined || origin !== deps.publicUrl.origin)
        return next(
          new ConsoleError('console_cross_origin', `Origin ${String(origin).slice(0, 100)}`),
        )
      if (!operator || !deps.csrf.verify(operator.sessionId, singleHeader(req, 'x-csrf-token')))
        return next(new ConsoleError('console_csrf'))
      next()
    },
  }
}
