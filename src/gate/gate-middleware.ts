import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { publicReason, type Decision, type DecisionEngine } from '../decision/decision-engine.js'
import { rateSubject } from '../http/rate-subject.js'
import type { VibeCatalog } from '../decision/vibe-catalog.js'
import type { SessionUser } from '../identity/session-store.js'
import type { VibeHolding } from '../rules/requirement.js'
import { createFanPages, sendFanPage, type FanPages } from '../http/fan-pages.js'
import { headerOnce, singleCookie, singleHeader } from '../http/request-headers.js'
import type { CookieSettings } from '../http/session-cookie.js'
import type { DecisionEvent } from '../http/decision-handler.js'

/** What `gate.protect()` and `gate.require()` put on an allowed request. */
export interface GateRequestContext {
  /** Undefined for public access. */
  user: SessionUser | undefined
  /** The rule id; undefined when the file's default allowed. */
  rule: string | undefined
  /** The signed JWT, to pass on to content servers; undefined for public access. */
  token: string | undefined
  vibes: VibeHolding[]
}

/**
 * Express middleware that decides each request with the same engine as the decision
 * endpoints, from the request's own method, raw target (`req.originalUrl`, before Express
 * decodes anything) and Host. Allowed: `req.vibegate` is set and the next handler runs.
 * Otherwise 401 (browsers get a sign-in link), 403 with what would unlock it, or 503.
 */
export function gateMiddleware(deps: {
  engine: DecisionEngine
  catalog: VibeCatalog
  cookies: CookieSettings
  publicUrl: URL
  /** The pages browsers get for a denial; default the built-in ones, unbranded. */
  pages?: FanPages
  /**
   * Called once per decision (endpoint `middleware`), after the denial is written or just
   * before the next handler runs: the decision log, `/metrics` and the console's feed.
   */
  onDecision?: (event: DecisionEvent, req: Request) => void
  /** Called once per decision with its duration in seconds, from arrival to answer. */
  onDecisionTime?: (seconds: number) => void
}): RequestHandler {
  const { onDecision, onDecisionTime } = deps
  const pages = deps.pages ?? createFanPages({ publicUrl: deps.publicUrl, catalog: deps.catalog })
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint()
    const decided = (
      status: number,
      reason: DecisionEvent['reason'],
      rule: string | undefined,
      user: string | undefined,
    ): void => {
      onDecision?.({ endpoint: 'middleware', status, reason, rule, user }, req)
      onDecisionTime?.(Number(process.hrtime.bigint() - started) / 1e9)
    }
    const deny = async (decision: Extract<Decision, { allowed: false }>): Promise<void> => {
      res.setHeader('X-Vibegate-Reason', publicReason(decision.reason))
      res.setHeader('Cache-Control', 'no-store')
      if (decision.status === 429) {
        res.setHeader('Retry-After', '1')
        res
          .status(429)
          .json({ error: 'rate_limited', message: 'Too many new sign-ins; retry in a second.' })
        return
      }
      if (req.accepts(['json', 'html']) === 'html') {
        const page = await pages.denial({
          status: decision.status,
          reason: publicReason(decision.reason),
          requirement: decision.rule?.requirement,
          missing: decision.missing,
          ...(decision.held ? { held: decision.held } : {}),
          ...(decision.user ? { user: decision.user } : {}),
          returnTo: req.originalUrl,
        })
        sendFanPage(res, decision.status, page, deps.publicUrl)
        return
      }
      if (decision.status === 401) {
        const login = new URL('/auth/login', deps.publicUrl)
        login.searchParams.set('return_to', req.originalUrl)
        res.status(401).json({ error: 'no_identity', message: 'Sign in first.', login: login.href })
        return
      }
      if (decision.reason === 'not_owned' && decision.rule) {
        const requires = await deps.catalog.unlocks(decision.missing)
        res.status(403).json({ error: 'not_owned', rule: decision.rule.id, requires })
        return
      }
      res.status(decision.status).json({ error: decision.reason, message: 'Access denied.' })
    }
    void (async () => {
      const authorization = headerOnce(req, 'authorization')
      if (authorization === null) {
        res.setHeader('X-Vibegate-Reason', 'bad_request')
        res
          .status(403)
          .json({ error: 'bad_request', message: 'Authorization was sent more than once.' })
        decided(403, 'bad_request', undefined, undefined)
        return
      }
      const decision = await deps.engine.decide({
        method: req.method,
        target: req.originalUrl,
        host: singleHeader(req, 'host'),
        authorization,
        sessionCookie: singleCookie(req, deps.cookies.session),
        // req.ip follows the app's own 'trust proxy' setting.
        client: () => rateSubject(req.ip ?? req.socket.remoteAddress ?? 'unknown'),
      })
      if (decision.allowed) {
        const context: GateRequestContext = {
          user: decision.identity?.user,
          rule: decision.rule?.id,
          token: decision.token,
          vibes: decision.vibes,
        }
        req.vibegate = context
        decided(200, undefined, decision.rule?.id, decision.identity?.user.uuid)
        next()
        return
      }
      await deny(decision)
      decided(decision.status, decision.reason, decision.rule?.id, decision.identity?.user.uuid)
    })().catch(next)
  }
}
