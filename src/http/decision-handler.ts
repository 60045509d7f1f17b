import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  publicReason,
  type Decision,
  type DecisionEngine,
  type DecisionReason,
} from '../decision/decision-engine.js'
import type { VibeCatalog } from '../decision/vibe-catalog.js'
import type { PassIssuer } from '../pass/pass-issuer.js'
import { createLogThrottle } from '../util/log-throttle.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { createFanPages, sendFanPage, type FanPages } from './fan-pages.js'
import {
  decisionEndpointOf,
  readOriginalRequest,
  type OriginalRequest,
  type AuthRequestHostSource,
  type DecisionEndpoint,
} from './original-request.js'
import { clientAddress, headerOnce, singleCookie, singleHeader } from './request-headers.js'
import { rateSubject } from './rate-subject.js'
import { requestIdOf } from './request-id.js'
import type { CookieSettings } from './session-cookie.js'

/** One decision, for metrics and logs. */
export interface DecisionEvent {
  /** The decision endpoint, or `middleware` for `gate.protect()` and `gate.require()`. */
  endpoint: DecisionEndpoint | 'middleware'
  status: number
  /** `rate_limited` here, where the client saw `upstream_unavailable` and a 429 (or 403). */
  reason: DecisionReason | undefined
  rule: string | undefined
  /** The OurSong user's uuid, when the decision got that far. */
  user: string | undefined
}

/** What the decision endpoints need. */
export interface DecisionHandlerOptions {
  engine: DecisionEngine
  catalog: VibeCatalog
  /** VIBEGATE_TRUSTED_PROXIES: only these peers may ask. */
  trustsProxy: (address: string | undefined) => boolean
  /** VIBEGATE_PUBLIC_URL: where browsers are sent to sign in. */
  publicUrl: URL
  cookies: CookieSettings
  /** Where `/authz/auth-request` reads the host; default `x-forwarded-host`. */
  authRequestHost?: AuthRequestHostSource
  /** The pages browsers get for a denial; default the built-in ones, unbranded. */
  pages?: FanPages
  logger?: Logger
  /**
   * Edge passes (VIBEGATE_PASS_SECRET): an allowed GET or HEAD under a rule with `pass` gets
   * `X-Vibegate-Pass` on `/authz/auth-request` and `/authz/forward-auth`; unset: never.
   */
  passes?: PassIssuer
  /** Called once per decision, after the answer is written; `req` is the asking request. */
  onDecision?: (event: DecisionEvent, req: IncomingMessage) => void
  /** Called once per decision with its duration in seconds, from arrival to answer written. */
  onDecisionTime?: (seconds: number) => void
}

/**
 * The decision endpoints of contract 3.1 on plain node:http (they serve every request to
 * protected content, so they skip Express's router). Returns a request handler that answers
 * `/authz/auth-request` (nginx), `/authz/forward-auth` (Traefik, Caddy) and
 * `/authz/ext-authz/*` (Envoy), and returns false for any other URL.
 */
export function createDecisionHandler(
  options: DecisionHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const logger = options.logger ?? silentLogger()
  const pages =
    options.pages ?? createFanPages({ publicUrl: options.publicUrl, catalog: options.catalog })
  // Denials are logged at most 10 a second per reason; `suppressed` counts the rest.
  const throttle = createLogThrottle()

  // Synchronous whenever the decision is (the warm path): the answer is then written in
  // the request's own event, with no promise and no turn of the microtask queue.
  const respond = (
    endpoint: DecisionEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
  ): void | Promise<void> => {
    if (!options.trustsProxy(req.socket.remoteAddress)) {
      return deny(
        endpoint,
        req,
        res,
        403,
        'untrusted_proxy',
        undefined,
        undefined,
        `peer ${req.socket.remoteAddress} is not a trusted proxy`,
      )
    }
    const original = readOriginalRequest(endpoint, req, options.authRequestHost)
    if ('problem' in original)
      return deny(endpoint, req, res, 403, 'bad_request', undefined, undefined, original.problem)
    const authorization = headerOnce(req, 'authorization')
    if (authorization === null) {
      return deny(
        endpoint,
        req,
        res,
        403,
        'bad_request',
        undefined,
        original,
        'Authorization was sent more than once',
      )
    }
    const decided = options.engine.decideSoon({
      method: original.method,
      target: original.target,
      host: original.host,
      authorization,
      sessionCookie: singleCookie(req, options.cookies.session),
      client: () => rateSubject(clientAddress(req, options.trustsProxy)),
    })
    return decided instanceof Promise
      ? decided.then((decision) => answer(endpoint, req, res, original, decision))
      : answer(endpoint, req, res, original, decided)
  }

  const answer = (
    endpoint: DecisionEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
    original: OriginalRequest,
    decision: Decision,
  ): void | Promise<void> => {
    if (decision.allowed) return allow(endpoint, req, res, original, decision)
    if (
      decision.status === 401 &&
      endpoint === 'forward-auth' &&
      prefersHtml(singleHeader(req, 'accept'))
    ) {
      const returnTo = originalUrl(original)
      const login = new URL('/auth/login', options.publicUrl)
      login.searchParams.set('return_to', returnTo)
      res.setHeader('Cache-Control', 'no-store')
      res.setHeader('Location', login.href)
      res.setHeader('X-Vibegate-Reason', publicReason(decision.reason))
      return finish(endpoint, req, res, 302, decision.reason, decision.rule?.id, undefined)
    }
    if (decision.status === 429) res.setHeader('Retry-After', '1')
    // nginx auth_request knows only 2xx, 401 and 403.
    const status =
      endpoint === 'auth-request' && (decision.status === 503 || decision.status === 429)
        ? 403
        : decision.status
    return deny(endpoint, req, res, status, decision.reason, decision, original, decision.problem)
  }

  const allow = (
    endpoint: DecisionEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
    original: OriginalRequest,
    decision: Extract<Decision, { allowed: true }>,
  ): void => {
    const rule = decision.rule
    const pass =
      rule?.pass === undefined ? undefined : passHeader(endpoint, req, original, decision)
    // Set explicitly every time, empty for public access: nothing a client sent can leak
    // through. One writeHead with a flat list: the hottest answer skips the header map.
    const headers = [
      'Cache-Control',
      'no-store',
      'Authorization',
      decision.token ? `Bearer ${decision.token}` : '',
      'X-Vibegate-User',
      decision.identity?.user.uuid ?? '',
      'X-Vibegate-Rule',
      decision.token ? (rule?.id ?? 'default') : '',
      // Said here, as end() would: headers written first would otherwise go out chunked.
      'Content-Length',
      '0',
    ]
    if (pass !== undefined) headers.push('X-Vibegate-Pass', pass)
    res.writeHead(200, headers)
    res.end()
    options.onDecision?.(
      {
        endpoint,
        status: 200,
        reason: undefined,
        rule: decision.rule?.id,
        user: decision.identity?.user.uuid,
      },
      req,
    )
  }

  /** `X-Vibegate-Pass` for an allowed request under a rule with `pass`, when one is due. */
  const passHeader = (
    endpoint: DecisionEndpoint,
    req: IncomingMessage,
    original: OriginalRequest,
    decision: Extract<Decision, { allowed: true }>,
  ): string | undefined => {
    const { rule, identity } = decision
    if (
      options.passes === undefined ||
      rule?.pass === undefined ||
      identity === undefined ||
      endpoint === 'ext-authz' ||
      (original.method !== 'GET' && original.method !== 'HEAD')
    )
      return undefined
    return options.passes.header({
      pass: rule.pass,
      user: identity.user.uuid,
      host: original.host,
      cookie: req.headers.cookie,
    })
  }

  const deny = (
    endpoint: DecisionEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: DecisionReason,
    decision: Extract<Decision, { allowed: false }> | undefined,
    original: OriginalRequest | undefined,
    problem: string | undefined,
  ): void | Promise<void> => {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Vibegate-Reason', publicReason(reason))
    if (problem && LOGGED_REASONS.has(reason)) {
      const suppressed = throttle.admit(reason)
      if (suppressed !== undefined) {
        logger.info(
          {
            request_id: requestIdOf(req),
            endpoint,
            reason,
            problem,
            ...(suppressed > 0 ? { suppressed } : {}),
          },
          'request denied',
        )
      }
    }
    const rule = decision?.rule
    // A browser gets the page whatever the reason; other clients the contract's bodies.
    if (prefersHtml(singleHeader(req, 'accept'))) {
      return pages
        .denial({
          status,
          reason: publicReason(reason),
          requirement: rule?.requirement,
          missing: decision?.missing ?? [],
          ...(decision?.held ? { held: decision.held } : {}),
          ...(decision?.user ? { user: decision.user } : {}),
          returnTo: original ? originalUrl(original) : '/',
        })
        .then((page) => {
          sendFanPage(res, status, page, options.publicUrl)
          options.onDecision?.(
            { endpoint, status, reason, rule: rule?.id, user: decision?.identity?.user.uuid },
            req,
          )
        })
    }
    if (reason === 'not_owned' && rule) {
      return options.catalog.unlocks(decision.missing).then((requires) => {
        res.setHeader('Content-Type', 'application/json')
        res.statusCode = status
        res.end(JSON.stringify({ error: 'not_owned', rule: rule.id, requires }))
        options.onDecision?.(
          { endpoint, status, reason, rule: rule.id, user: decision.identity?.user.uuid },
          req,
        )
      })
    }
    finish(endpoint, req, res, status, reason, rule?.id, decision?.identity?.user.uuid)
  }

  const finish = (
    endpoint: DecisionEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: DecisionReason | undefined,
    rule: string | undefined,
    user: string | undefined,
  ): void => {
    res.statusCode = status
    res.end()
    options.onDecision?.({ endpoint, status, reason, rule, user }, req)
  }

  /** The URL the client asked for, to come back to after signing in. */
  const originalUrl = (original: OriginalRequest): string =>
    original.host
      ? `${original.proto ?? options.publicUrl.protocol.slice(0, -1)}://${original.host}${original.target}`
      : original.target
  const { onDecisionTime } = options
  const timed = (started: bigint): void =>
    onDecisionTime?.(Number(process.hrtime.bigint() - started) / 1e9)

  return (req, res) => {
    const endpoint = decisionEndpointOf(req.url ?? '')
    if (!endpoint) return false
    const failed = (err: unknown): void => {
      logger.error(
        { endpoint, err: String((err as Error)?.stack ?? err) },
        'decision endpoint failed',
      )
      if (!res.headersSent) {
        res.statusCode = endpoint === 'auth-request' ? 403 : 503
        res.setHeader('Cache-Control', 'no-store')
        res.setHeader('X-Vibegate-Reason', 'upstream_unavailable')
      }
      res.end()
    }
    // One clock read here and one when answered: the warm path pays two hrtime calls.
    const started = process.hrtime.bigint()
    try {
      const pending = respond(endpoint, req, res)
      if (pending) pending.then(() => timed(started), failed)
      else timed(started)
    } catch (err) {
      failed(err)
    }
    return true
  }
}

/** Denials worth a log line: the proxy or the gate is misbehaving, or someone floods it. */
const LOGGED_REASONS: ReadonlySet<DecisionReason> = new Set([
  'bad_request',
  'untrusted_proxy',
  'upstream_unavailable',
  'rate_limited',
])

/** True when the client's Accept ranks text/html above application/json. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false
  let html = 0
  let json = 0
  for (const range of accept.split(',')) {
    const [type, ...params] = range.trim().split(';')
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith('q='))
        ?.slice(2) ?? 1,
    )
    const weight = Number.isFinite(q) ? q : 0
    if (type === 'text/html') html = Math.max(html, weight)
    if (type === 'application/json') json = Math.max(json, weight)
  }
  return html > json
}
