import { randomBytes } from 'node:crypto'
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import type { VibeCatalog } from '../decision/vibe-catalog.js'
import type { IdentityChain } from '../identity/identity-chain.js'
import type { CookieSettings } from '../http/session-cookie.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { OwnershipChecker } from '../ownership/ownership-checker.js'
import type { Rules } from '../rules/compiled-rules.js'
import type { RulesStatus } from '../rules/watch-rules.js'
import type { RulesLimits } from '../rules/rules-limits.js'
import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { createConsoleAccess, type ConsoleOperator } from './console-access.js'
import { ConsoleError } from './console-error.js'
import { consoleCsp, consoleLayout, type ConsolePage } from './console-layout.js'
import { errorBody, forbiddenBody, signInBody } from './console-pages.js'
import { CONSOLE_SCRIPT } from './console-script.js'
import { createCsrfTokens } from './csrf-tokens.js'
import { explainRoutes } from './explain-routes.js'
import type { LiveFeed } from './live-feed.js'
import { liveRoutes } from './live-routes.js'
import type { OperatorList } from './operator-list.js'
import { createRulesEditor } from './rules-editor.js'
import { createRulesHistory } from './rules-history.js'
import { rulesRoutes } from './rules-routes.js'

/** What {@link createConsoleRouter} needs: the gate's parts, injected. */
export interface ConsoleRouterDeps {
  /** VIBEGATE_OPERATORS. */
  operators: OperatorList
  identity: IdentityChain
  cookies: CookieSettings
  /** VIBEGATE_SESSION_SECRET: keys the CSRF tokens. */
  sessionSecret: string
  publicUrl: URL
  /** The rules file the gate watches (VIBEGATE_RULES). */
  rulesFile: string
  rulesLimits?: Partial<RulesLimits>
  /** The rules watcher's status and an immediate re-read. */
  rulesStatus: () => RulesStatus
  reloadRules: () => Promise<void>
  /** The rules in force, for explanations. */
  rules: () => Rules
  /** OurSong, for what a user holds (public API, the app's key only). */
  client: OurSongClient
  /** The live feed, fed by the gate's decision and OurSong call hooks. */
  feed: LiveFeed
  /** Cached ownership, for purges from the Live screen. */
  ownership: Pick<OwnershipChecker, 'purgeUser' | 'purgeVibe'>
  /** Vibe titles and covers for the rule cards. */
  catalog: VibeCatalog
  /** Versions of the rules file kept in its history; default 50. */
  historyVersions?: number
  logger: Logger
  clock?: Clock
}

/** Largest console request body, bytes: a rules file of a few thousand rules, as JSON. */
export const CONSOLE_BODY_LIMIT = 2 * 1024 * 1024

/**
 * The operator console at `/console` (contract section 8): pages for the rules (cards, add-rule
 * form, raw YAML, history) and their JSON API under `/console/api/`. Every route checks that
 * the session belongs to an operator; every POST also checks Origin and the session's CSRF
 * token. Pages carry a nonce-based CSP and `Cache-Control: no-store`.
 */
export function createConsoleRouter(deps: ConsoleRouterDeps): Router {
  const router = express.Router({ caseSensitive: true, strict: true })
  const access = createConsoleAccess({
    identity: deps.identity,
    cookies: deps.cookies,
    operators: deps.operators,
    csrf: createCsrfTokens(deps.sessionSecret),
    publicUrl: deps.publicUrl,
    logger: deps.logger,
  })
  const history = createRulesHistory({
    file: deps.rulesFile,
    ...(deps.historyVersions ? { maxVersions: deps.historyVersions } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  })
  const editor = createRulesEditor({
    file: deps.rulesFile,
    history,
    ...(deps.rulesLimits ? { limits: deps.rulesLimits } : {}),
    reload: deps.reloadRules,
  })
  const json = express.json({ limit: CONSOLE_BODY_LIMIT })
  const page: ConsolePage = (res, status, title, body, current, data) => {
    const nonce = randomBytes(16).toString('base64')
    const operator = res.locals.operator as ConsoleOperator | undefined
    res.set('Content-Security-Policy', consoleCsp(nonce))
    res
      .status(status)
      .type('html')
      .send(
        consoleLayout(body, {
          title,
          nonce,
          ...(current ? { current } : {}),
          ...(operator
            ? { who: `${operator.user.name} (${operator.user.id})`, csrf: operator.csrf }
            : {}),
          ...(data === undefined ? {} : { data }),
          script: CONSOLE_SCRIPT,
        }),
      )
  }
  router.use('/console', (_req, res, next) => {
    res.set({
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    })
    next()
  })
  router.use('/console', access.operator)

  router.use(
    rulesRoutes({
      rulesFile: deps.rulesFile,
      editor,
      history,
      rulesStatus: deps.rulesStatus,
      catalog: deps.catalog,
      stateChange: access.stateChange,
      json,
      page,
      logger: deps.logger,
    }),
  )

  router.use(
    explainRoutes({
      rules: deps.rules,
      client: deps.client,
      catalog: deps.catalog,
      stateChange: access.stateChange,
      json,
      page,
    }),
  )

  router.use(
    liveRoutes({
      feed: deps.feed,
      ownership: deps.ownership,
      stateChange: access.stateChange,
      page,
      logger: deps.logger,
    }),
  )

  router.use('/console', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err)
    const error = asConsoleError(err)
    if (!error) {
      deps.logger.error(
        { err: String((err as Error)?.stack ?? err), path: req.path },
        'console request failed',
      )
      if (req.originalUrl.startsWith('/console/api/'))
        return void res.status(500).json({
          error: 'internal_error',
          message: 'The console failed; the details were logged.',
        })
      return page(
        res,
        500,
        'Something went wrong',
        errorBody('The console failed; the details were logged.'),
      )
    }
    if (error.status >= 400 && error.code !== 'console_signed_out')
      deps.logger.info(
        { code: error.code, detail: error.detail, path: req.originalUrl.split('?')[0] },
        'console request refused',
      )
    if (req.originalUrl.startsWith('/console/api/') || req.method !== 'GET')
      return void res.status(error.status).json(error.toJSON())
    if (error.code === 'console_signed_out')
      return page(res, 401, 'Operator sign-in', signInBody(req.originalUrl.split('?')[0]!))
    if (error.code === 'console_forbidden')
      return page(
        res,
        403,
        'Not an operator',
        forbiddenBody(error.detail?.replace(/^user /, '') ?? ''),
      )
    page(res, error.status, 'The console refused this', errorBody(error.publicMessage))
  })
  return router
}

/** Console errors as they are, and Express's body-parser refusals translated. */
function asConsoleError(err: unknown): ConsoleError | undefined {
  if (err instanceof ConsoleError) return err
  const type = (err as { type?: unknown } | null)?.type
  if (type === 'entity.too.large') return new ConsoleError('console_too_large')
  if (typeof type === 'string' && (err as { status?: number }).status === 400)
    return new ConsoleError('console_bad_request', 'the body is not valid JSON')
  if ((err as { status?: number } | null)?.status === 415)
    return new ConsoleError('console_bad_request', 'send Content-Type: application/json')
  return undefined
}
