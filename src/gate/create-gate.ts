import express, { type RequestHandler, type Router } from 'express'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { createDecisionEngine } from '../decision/decision-engine.js'
import { createVibeCatalog, type VibeCatalog } from '../decision/vibe-catalog.js'
import { createConsoleRouter } from '../console/console-router.js'
import { createLiveFeed } from '../console/live-feed.js'
import type { OperatorList } from '../console/operator-list.js'
import { createAdminRouter, MIN_ADMIN_TOKEN_LENGTH } from '../http/admin-router.js'
import { createAuthRouter } from '../http/auth-router.js'
import { createDecisionHandler, prefersHtml, type DecisionEvent } from '../http/decision-handler.js'
import { FAN_PAGE_SCRIPT_PATH, serveFanPageScript } from '../http/fan-page-script.js'
import { createFanPages, sendFanPage, type FanPageBranding } from '../http/fan-pages.js'
import type { AuthRequestHostSource } from '../http/original-request.js'
import { createJwksHandler, JWKS_PATH } from '../http/jwks-handler.js'
import { cookieSettings } from '../http/session-cookie.js'
import { pathOf } from '../http/request-headers.js'
import { requestIdOf } from '../http/request-id.js'
import { parseTrustedProxies } from '../http/trusted-proxies.js'
import { createIdentity } from '../identity/create-identity.js'
import { createOurSongClient } from '../oursong/oursong-client.js'
import { createCircuitBreaker } from '../ownership/circuit-breaker.js'
import { createOwnershipChecker } from '../ownership/ownership-checker.js'
import { startGatePasses, type GatePasses } from '../pass/gate-passes.js'
import { parsePassSecrets, type PassKey } from '../pass/pass-secrets.js'
import { createTieredCache } from '../ownership/tiered-cache.js'
import type { Rules } from '../rules/compiled-rules.js'
import type { RulesWorkerOptions } from '../rules/check-rules-in-worker.js'
import { parseRules } from '../rules/load-rules.js'
import type { RulesLimits } from '../rules/rules-limits.js'
import type { RequirementInput } from '../rules/rules-schema.js'
import { watchRules } from '../rules/watch-rules.js'
import type { InvalidationBus } from '../store/invalidation-bus.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { createMemoryStore } from '../store/memory-store.js'
import { createRedisClient, type RedisClient } from '../store/redis-client.js'
import { redisErrorLog } from '../store/redis-error-log.js'
import { createRedisStore } from '../store/redis-store.js'
import { parseRedisTarget } from '../store/redis-target.js'
import { ephemeralKeySet, type KeySet } from '../tokens/key-set.js'
import { createTokenIssuer } from '../tokens/token-issuer.js'
import { watchKeys } from '../tokens/watch-keys.js'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { checkReadiness } from './check-readiness.js'
import { createDecisionLog } from './decision-log.js'
import { createGateMetrics, type GateMetrics } from './gate-metrics.js'
import { startGateBus } from './gate-bus.js'
import { gateMiddleware } from './gate-middleware.js'

/** Options of {@link createGate} (contract section 6). */
export interface GateOptions {
  /** A rules file path (watched and hot-reloaded) or the rules file's content as an object. */
  rules: string | Record<string, unknown>
  /** Caps on the rules file; defaults 8 MiB, 20,000 rules, nesting depth 64. */
  rulesLimits?: Partial<RulesLimits>
  /** Time and memory limits of the worker that parses the rules file; defaults 30 s, 512 MiB. */
  rulesWorker?: RulesWorkerOptions
  /** The gate's external origin: JWT `iss`, OAuth redirect base, cookie `Secure` under https. */
  publicUrl: string
  oursong: { baseUrl: string; apiKey: string; apiSecret: string }
  /**
   * REDIS_URL's forms (`redis://`, `rediss://`, `redis+sentinel://`, `redis-cluster://`;
   * src/store/redis-target.ts) or an ioredis client (`Redis` or `Cluster`) the caller owns;
   * unset: in-process stores (one instance only).
   */
  redis?: string | RedisClient
  /**
   * A private JWK set file from `vibegate keys generate` (watched and hot-reloaded), or a
   * parsed key set kept as it is (`serve`'s workers share the one their primary generated);
   * unset: an ephemeral key.
   */
  keys?: string | KeySet
  /** At least 32 characters; protects sessions and the OurSong tokens in them. */
  sessionSecret: string
  /** CIDRs whose forwarding headers are believed; default `127.0.0.1/8,::1/128`. */
  trustedProxies?: string
  /** Hosts an absolute `return_to` may name; default the public URL's host. */
  allowedRedirectHosts?: string[]
  /** Enables `/admin/*`; at least 32 characters (a TypeError otherwise). */
  adminToken?: string
  /**
   * Where `/authz/auth-request` reads the original host: `x-forwarded-host` (default, the
   * contract's: X-Forwarded-Host, else Host) or `host` (Host only).
   */
  authRequestHost?: AuthRequestHostSource
  /**
   * Whether {@link Gate.handler} serves `/metrics`; default true. False when the metrics
   * have a listener of their own ({@link Gate.metricsHandler}, VIBEGATE_METRICS_PORT).
   */
  metricsOnHandler?: boolean
  /**
   * The Prometheus text `/metrics` answers with; default this gate's own registry. `serve`
   * with several workers passes the whole process group's sum. A rejection answers 503.
   */
  metricsText?: () => Promise<string>
  /**
   * How often a session re-checks the user's OurSong token (auth-user), ms; default 300000
   * (5 minutes); 0 = never. A token OurSong revoked ends the session within this time. While
   * OurSong cannot answer, a session is let through for as long again past the due check,
   * then requests needing it are `upstream_unavailable` (never a logout).
   */
  sessionRevalidateMs?: number
  /**
   * VIBEGATE_OPERATORS: who may use the operator console at `/console` (see
   * `parseOperatorList`); unset: no console, `/console` answers 404. Needs `rules` as a file.
   */
  operators?: OperatorList
  /**
   * The operator's branding of the pages fans see when denied (VIBEGATE_BRAND_NAME,
   * VIBEGATE_BRAND_LOGO_URL, VIBEGATE_BRAND_ACCENT): name (default `vibegate`), an http(s)
   * logo URL (default none) and an accent `#rrggbb` (default `#6b3fd4`). A bad accent or
   * logo URL is a TypeError naming it.
   */
  branding?: FanPageBranding
  /**
   * VIBEGATE_TEMPLATES: a directory holding `locked.html` (every denial page) and
   * optionally `not-found.html`, `{{variable}}` templates read once at start-up, every
   * value HTML-escaped; default the built-in pages. A missing directory or file, or an
   * unknown variable, is a TypeError naming it.
   */
  templates?: string
  /**
   * VIBEGATE_DECISION_LOG: one JSON log line (level info) per decision of the decision
   * endpoints and of `protect()`/`require()` (endpoint `middleware`), with user, rule, outcome, reason and request id, never tokens; default false.
   * Off, the decision path does nothing for it.
   */
  decisionLog?: boolean
  /**
   * VIBEGATE_PASS_SECRET: the secrets of edge passes (docs/edge-pass.md), each at least 32
   * characters; the first signs, every one verifies. Unset or empty: passes are off and
   * the rules' `pass` is ignored (one warning at start). A bad list is a TypeError naming it.
   */
  passSecrets?: readonly string[]
  /**
   * VIBEGATE_PASS_EPOCH_FILE: a file the gate keeps, atomically and within about 1 s of any
   * change in the deployment, holding the pass epoch and the revocations for the edge;
   * unset: none (a pass then stays good at the edge until it expires, at most 5 minutes).
   */
  passEpochFile?: string
  logger?: Logger
  clock?: Clock
}

/** A running gate: its middleware, its node:http handler, and `close()`. */
export interface Gate {
  /** `/auth/*`, `/.well-known/jwks.json` (and `/admin/*`). */
  routes(): Router
  /** Applies the rules file; on allow sets `req.vibegate = { user, rule, token, vibes }`. */
  protect(): RequestHandler
  /** An inline requirement for one route, e.g. `gate.require({ vibe: 'nxwyqqow', token_ids: ['1-5'] })`. */
  require(requirement: RequirementInput): RequestHandler
  /**
   * The whole gate as one node:http handler: decision endpoints, JWKS, `/healthz`,
   * `/readyz`, `/metrics` on the fast path, everything else through `routes()`.
   */
  handler: (req: IncomingMessage, res: ServerResponse) => void
  /** A node:http handler serving `/metrics` alone (404 for anything else). */
  metricsHandler: (req: IncomingMessage, res: ServerResponse) => void
  /** The rules in force. */
  rules(): Rules
  metrics: GateMetrics
  close(): Promise<void>
}

/** Builds a gate from its options; the rules and keys are loaded before it returns. */
export async function createGate(options: GateOptions): Promise<Gate> {
  if (options.adminToken !== undefined && options.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new TypeError(
      `adminToken must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (generate one with: openssl rand -base64 48)`,
    )
  }
  if (options.operators !== undefined && typeof options.rules !== 'string')
    throw new TypeError(
      'operators (the console) needs rules as a file path: the console edits and saves that file',
    )
  let passKeys: PassKey[] | undefined
  if (options.passSecrets !== undefined && options.passSecrets.length > 0) {
    const parsed = parsePassSecrets(options.passSecrets, 'passSecrets')
    if ('problem' in parsed) throw new TypeError(parsed.problem)
    passKeys = parsed.keys
  }
  const logger = options.logger ?? silentLogger()
  const clock = options.clock ?? systemClock
  const publicUrl = new URL(options.publicUrl)
  // Built (and its options checked) before anything is opened; the catalog comes later.
  const late: { catalog?: VibeCatalog } = {}
  const pages = createFanPages({
    publicUrl,
    catalog: {
      unlocks: (m) => late.catalog!.unlocks(m),
      details: (m) => late.catalog!.details(m),
    },
    ...(options.branding ? { branding: options.branding } : {}),
    ...(options.templates !== undefined ? { templates: options.templates } : {}),
  })
  const metrics = createGateMetrics()
  const closers: (() => Promise<void>)[] = []
  let passes: GatePasses | undefined
  // With Redis: logouts, purges and reloads reach the other gates through it (bound late,
  // as the file watchers that announce reloads start first).
  let bus: InvalidationBus | undefined
  let closing: Promise<void> | undefined

  const rulesSource =
    typeof options.rules === 'string'
      ? await watchRules({
          file: options.rules,
          logger,
          clock,
          onReload: (status) => {
            metrics.rules(status)
            passes?.rulesReloaded(status)
            if (status.lastReloadOk) bus?.publish({ kind: 'rules', hash: status.hash })
          },
          ...(options.rulesLimits ? { limits: options.rulesLimits } : {}),
          ...(options.rulesWorker ? { worker: options.rulesWorker } : {}),
        })
      : undefined
  const staticRules = rulesSource
    ? undefined
    : parseRules(JSON.stringify(options.rules), '(inline rules)', options.rulesLimits).rules
  const rules = (): Rules => rulesSource?.current() ?? staticRules!
  if (rulesSource) {
    metrics.rules(rulesSource.status())
    closers.push(() => rulesSource.close())
  }
  const keysSource =
    typeof options.keys === 'string'
      ? await watchKeys({
          file: options.keys,
          logger,
          onReload: (event) => {
            if (event.ok) bus?.publish({ kind: 'keys' })
          },
        })
      : undefined
  // Keys that never change: given as a key set, or generated for this gate alone.
  const fixedKeys =
    typeof options.keys === 'object'
      ? options.keys
      : keysSource
        ? undefined
        : await ephemeralKeySet()
  if (keysSource) closers.push(() => keysSource.close())

  let store: KeyValueStore = createMemoryStore({ clock })
  let shared: KeyValueStore | undefined
  // One client for the store and the pass epoch; closed last (closers run in reverse).
  const ownedRedis =
    typeof options.redis === 'string'
      ? createRedisClient(parseRedisTarget(options.redis), {
          onError: redisErrorLog(logger, clock),
        })
      : undefined
  if (ownedRedis)
    closers.push(() =>
      ownedRedis.quit().then(
        () => undefined,
        () => ownedRedis.disconnect(),
      ),
    )
  const redis = ownedRedis ?? (typeof options.redis === 'object' ? options.redis : undefined)
  if (redis !== undefined) {
    shared = createRedisStore({ client: redis, prefix: 'vibegate:' })
    store = shared
    const wired = startGateBus({
      redis,
      rules: rulesSource,
      keys: keysSource,
      metrics,
      clock,
      logger,
    })
    closers.push(wired.close)
    bus = wired.bus
  }
  // The console's live feed hears every decision and OurSong call, besides the metrics.
  const feed = options.operators ? createLiveFeed({ clock }) : undefined
  const client = createOurSongClient({
    ...options.oursong,
    logger,
    onCall: feed
      ? (event) => {
          metrics.upstream(event)
          feed.upstream(event)
        }
      : metrics.upstream,
  })
  closers.push(() => client.close())

  // One view of OurSong's health for the ownership checks and the session re-validations.
  const breaker = createCircuitBreaker({ clock })
  const identity = createIdentity({
    client,
    store,
    // Each gate answers from its own copy of a session, so the warm decision path neither
    // opens a sealed record nor (with Redis) makes a round trip. A logout at this gate drops
    // its copy at once; one at another replica arrives on the bus within milliseconds, and
    // while the bus is down copies live 5 s (then one at another replica applies within 5 s).
    sessionLocalCacheMs: 5000,
    ...(bus ? { bus } : {}),
    ...(shared ? {} : { sessionStore: createMemoryStore({ clock }) }),
    publicUrl,
    sessionSecret: options.sessionSecret,
    clock,
    ...(options.allowedRedirectHosts ? { allowedRedirectHosts: options.allowedRedirectHosts } : {}),
    ...(options.sessionRevalidateMs !== undefined
      ? { sessionRevalidateMs: options.sessionRevalidateMs }
      : {}),
    breaker,
    logger,
  })
  const ownership = createOwnershipChecker({
    client,
    cache: createTieredCache({ shared, clock, ...(bus ? { bus } : {}) }),
    clock,
    logger,
    breaker,
    onLookup: metrics.lookup,
  })
  const tokens = createTokenIssuer({
    keys: () => keysSource?.current() ?? fixedKeys!,
    issuer: publicUrl.origin,
    clock,
  })
  if (passKeys) {
    passes = await startGatePasses({
      keys: passKeys,
      ...(redis !== undefined ? { redis } : {}),
      ...(bus ? { bus } : {}),
      file: options.passEpochFile,
      rules,
      publicUrl,
      ownership,
      clock,
      logger,
    })
    closers.push(passes.close)
  } else if (rules().rules.some((r) => r.pass !== undefined))
    logger.warn(
      { file: rules().file },
      'the rules give edge passes (pass:) but VIBEGATE_PASS_SECRET is unset: passes are off',
    )
  const purging = passes?.purging ?? ownership
  const engine = createDecisionEngine({
    rules,
    identity: identity.identity,
    ownership,
    tokens,
    logger,
  })
  const catalog = createVibeCatalog({ client, clock })
  late.catalog = catalog
  const cookies = cookieSettings(publicUrl)
  const proxies = parseTrustedProxies(options.trustedProxies ?? '127.0.0.1/8,::1/128')

  // Paths match exactly, as the fast path compares them: `/AUTH/me` or `/auth/me/` is
  // nobody's route and gets a prompt 404, never a handler that declines to answer.
  const router = express.Router({ caseSensitive: true, strict: true })
  router.use(
    createAuthRouter({
      ...identity,
      publicUrl,
      trustsProxy: (a) => proxies.trusts(a),
      logger,
      onLogout: async (user) => {
        await ownership.purgeUser(user.uuid)
        await passes?.loggedOut(user.uuid)
      },
      ...(passes ? { logoutCookies: passes.logoutCookies } : {}),
    }),
  )
  router.use(
    createAdminRouter({
      adminToken: options.adminToken,
      ownership: purging,
      rateLimiter: identity.rateLimiter,
      trustsProxy: (a) => proxies.trusts(a),
      logger,
    }),
  )
  if (options.operators && feed && rulesSource && typeof options.rules === 'string')
    router.use(
      createConsoleRouter({
        operators: options.operators,
        identity: identity.identity,
        cookies,
        sessionSecret: options.sessionSecret,
        publicUrl,
        rulesFile: options.rules,
        ...(options.rulesLimits ? { rulesLimits: options.rulesLimits } : {}),
        rulesStatus: () => rulesSource.status(),
        reloadRules: () => rulesSource.reload(),
        rules,
        client,
        feed,
        ownership: purging,
        catalog,
        logger,
        clock,
      }),
    )
  // In routes() too: a site using gate.routes() and gate.protect() serves the pages' script.
  router.get(FAN_PAGE_SCRIPT_PATH, (req, res, next) => {
    if (!serveFanPageScript(req, res, FAN_PAGE_SCRIPT_PATH)) next()
  })
  const jwks = createJwksHandler(() => keysSource?.current() ?? fixedKeys!)
  router.get(JWKS_PATH, (req, res, next) => {
    if (!jwks(req, res)) next()
  })

  const decisionLog = options.decisionLog ? createDecisionLog(logger) : undefined
  const onDecision: (event: DecisionEvent, req: IncomingMessage) => void =
    decisionLog || feed
      ? (event, req) => {
          metrics.decision(event)
          decisionLog?.(event, req)
          feed?.decision(event)
        }
      : metrics.decision
  const decisions = createDecisionHandler({
    engine,
    catalog,
    trustsProxy: (a) => proxies.trusts(a),
    publicUrl,
    cookies,
    ...(options.authRequestHost ? { authRequestHost: options.authRequestHost } : {}),
    pages,
    logger,
    onDecision,
    onDecisionTime: metrics.decisionTime,
    ...(passes ? { passes: passes.issuer } : {}),
  })
  // The middleware reports to the same log, metrics and live feed as the endpoints.
  const middlewareHooks = { onDecision, onDecisionTime: metrics.decisionTime }
  const app = express()
  app.disable('x-powered-by')
  app.set('case sensitive routing', true)
  app.set('strict routing', true)
  // One JSON line per human-facing request (never the decision hot path), with its id.
  app.use((req, res, next) => {
    const started = performance.now()
    const id = requestIdOf(req)
    res.setHeader('X-Request-Id', id)
    res.on('finish', () => {
      logger.info(
        {
          request_id: id,
          method: req.method,
          // The path only: queries carry OAuth codes and states.
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      )
    })
    next()
  })
  app.use(router)
  // Nobody's route: a browser gets the fan 404 page, anything else Express's own 404.
  app.use((req, res, next) => {
    if (!prefersHtml(req.headers.accept)) return next()
    sendFanPage(res, 404, pages.notFound(), publicUrl)
  })

  const metricsOnHandler = options.metricsOnHandler ?? true
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (decisions(req, res) || jwks(req, res)) return
    const path = pathOf(req.url)
    if (serveFanPageScript(req, res, path)) return
    if (path === '/healthz')
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n')
    if (path === '/readyz' || (path === '/metrics' && metricsOnHandler)) {
      const answer =
        path === '/readyz'
          ? (async () => {
              const readiness = await checkReadiness({
                shared,
                rules: rulesSource && (() => rulesSource.status()),
              })
              res
                .writeHead(readiness.ready ? 200 : 503, {
                  'Content-Type': 'application/json',
                  'Cache-Control': 'no-store',
                })
                .end(`${JSON.stringify(readiness)}\n`)
            })()
          : serveMetrics(res)
      return answerOr503(answer, res, path)
    }
    app(req, res)
  }

  const metricsText = options.metricsText ?? (() => metrics.registry.metrics())
  function serveMetrics(res: ServerResponse): Promise<void> {
    return metricsText().then((text) => {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text)
    })
  }
  /** A health or metrics answer in the making: should it fail, a 503 all the same. */
  function answerOr503(answer: Promise<void>, res: ServerResponse, path: string): void {
    answer.catch((err: unknown) => {
      logger.error(
        { path, err: String((err as Error)?.stack ?? err) },
        'health or metrics endpoint failed',
      )
      if (!res.headersSent) res.writeHead(503)
      res.end()
    })
  }
  const metricsHandler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url)
    if (path !== '/metrics')
      return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n')
    answerOr503(serveMetrics(res), res, path)
  }

  return {
    routes: () => router,
    protect: () =>
      gateMiddleware({ engine, catalog, cookies, publicUrl, pages, ...middlewareHooks }),
    require(requirement) {
      const inline = parseRules(
        JSON.stringify({
          version: 1,
          rules: [{ id: 'inline', match: { paths: ['/**'] }, require: requirement }],
        }),
        '(gate.require)',
      ).rules
      const inlineEngine = createDecisionEngine({
        rules: () => inline,
        identity: identity.identity,
        ownership,
        tokens,
        logger,
      })
      return gateMiddleware({
        engine: inlineEngine,
        catalog,
        cookies,
        publicUrl,
        pages,
        ...middlewareHooks,
      })
    },
    handler,
    metricsHandler,
    rules,
    metrics,
    close() {
      closing ??= (async () => {
        for (const close of [...closers].reverse()) await close()
      })()
      return closing
    },
  }
}
