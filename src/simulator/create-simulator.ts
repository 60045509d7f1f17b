/**
 * The OurSong Open API simulator as a node:http request handler (contract section 7).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { UPLOAD_KINDS, type UploadKind } from '../oursong/upload-kinds.js'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { requireApp } from './authenticate.js'
import { createCallCounter } from './create-call-counter.js'
import { createCodeStore } from './create-code-store.js'
import { createFaultInjector } from './create-fault-injector.js'
import { createRouter, type RouteMatch } from './create-router.js'
import { createTokenStore } from './create-token-store.js'
import { createWorld } from './create-world.js'
import type { Fixture } from './fixture.js'
import { handleControl, type ControlDeps } from './handle-control.js'
import type { SimDeps } from './handler-context.js'
import { createParams } from './params.js'
import { parseFault, type FaultInput } from './parse-fault.js'
import { DEFAULT_MAX_BODY_BYTES, readBody, type ReadBody } from './read-body.js'
import { errorReply, sendReply, type Reply } from './reply.js'
import { UPSTREAM_ROUTES, type UpstreamRoute } from './routes.js'
import { setHolding, type HoldingChange } from './set-holding.js'
import { SimError } from './sim-error.js'
import { vibePage } from './vibe-page.js'

/** Options of {@link createSimulator}. */
export interface CreateSimulatorOptions {
  fixture: Fixture
  /** Accept only `sign_data` = hex of "hello" in wallet signatures. Default false. */
  strictHello?: boolean
  /** Time source for code and token expiry. Default the system clock. */
  clock?: Clock
  /** Each request is logged at debug (method, path template, status, duration). Default silent. */
  logger?: Logger
  /**
   * Origin used in generated URLs (attach_file_url, base_uri, token-spec end points), no
   * trailing slash needed. Default `http://127.0.0.1` (`startSimulator` defaults it to its URL).
   */
  publicUrl?: string
  /** Per-kind upload limits in bytes, overriding `UPLOAD_KINDS` (for tests). */
  uploadLimits?: Partial<Record<UploadKind, number>>
  /** Limit of non-upload request bodies in bytes. Default 1 MiB. */
  maxBodyBytes?: number
}

/** A simulator: a request handler plus direct access to its test controls. */
export interface Simulator {
  /** The node:http request handler; it never throws. */
  handler: (req: IncomingMessage, res: ServerResponse) => void
  /** The origin used in generated URLs. */
  readonly publicUrl: string
  /** Calls so far, as `GET /__sim/calls` returns them. */
  calls(): Record<string, number>
  resetCalls(): void
  /** As `POST /__sim/faults`; throws a TypeError saying what is wrong with an invalid fault. */
  setFault(fault: FaultInput): void
  clearFaults(): void
  /** As `PUT /__sim/holdings`; throws a TypeError listing the problems. */
  setHolding(change: HoldingChange): void
  /** A new access token for a fixture user id (expires like OAuth-issued ones). */
  issueAccessToken(userId: string): string
  /**
   * Revokes an access token (issued or from the fixture), as a user disconnecting the app
   * at OurSong would: from now on every call with it answers 401. False when it was not
   * valid. A test hook of the TypeScript API only; there is no `/__sim` route for it.
   */
  revokeAccessToken(accessToken: string): boolean
  /** Revokes every valid access token of a fixture user id (test hook); how many. */
  revokeUserTokens(userId: string): number
}

/** Creates a {@link Simulator} over a copy of `options.fixture`. */
export function createSimulator(options: CreateSimulatorOptions): Simulator {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger()
  const publicUrl = normalisePublicUrl(options.publicUrl ?? 'http://127.0.0.1')
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const world = createWorld(options.fixture)
  const fixtureTokens = new Map(
    options.fixture.users.flatMap((u) => (u.access_tokens ?? []).map((t) => [t, u.id] as const)),
  )
  const deps: SimDeps = {
    world,
    tokens: createTokenStore({ clock, fixtureTokens }),
    codes: createCodeStore({ clock }),
    uploads: new Map(),
    clock,
    publicUrl,
    strictHello: options.strictHello ?? false,
  }
  const router = createRouter(UPSTREAM_ROUTES)
  const controls: ControlDeps = {
    router,
    calls: createCallCounter(),
    faults: createFaultInjector(),
    world,
    maxBodyBytes,
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const method = req.method ?? 'GET'
    const rawUrl = req.url ?? '/'
    const q = rawUrl.indexOf('?')
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q)
    let route = '(unknown)'
    let reply: Reply
    let page: Reply | undefined
    try {
      if (path.startsWith('/__sim/')) {
        route = path
        reply = await handleControl(req, path, controls)
      } else if ((page = vibePage(world, method, path))) {
        route = '/project/{vibe_id}'
        reply = page
      } else {
        const match = router.match(path)
        if (!match) throw new SimError(404, 'Not found.')
        route = match.template
        controls.calls.record(method, match.template)
        const fault = controls.faults.take(match.template)
        if (fault && !(await delay(fault.delayMs, res))) return
        const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1))
        reply = fault?.response
          ? { kind: 'raw', ...fault.response }
          : await dispatch(req, match, method, query)
      }
    } catch (error) {
      if (error instanceof SimError) {
        reply = errorReply(error.status, error.message, error.headers)
      } else {
        logger.error({ err: error, method, route }, 'simulator handler failed')
        reply = errorReply(500, 'Internal simulator error.')
      }
    }
    if (res.destroyed) return
    // A body left unread (an early 413 or 422) is drained, and the connection not reused.
    const extraHeaders: Record<string, string> = req.complete ? {} : { connection: 'close' }
    if (!req.complete) req.resume()
    sendReply(res, reply, extraHeaders)
    const status = reply.kind === 'redirect' ? 302 : reply.status
    logger.debug(
      { method, route, status, durationMs: Math.round((performance.now() - started) * 10) / 10 },
      'simulator request',
    )
  }

  async function dispatch(
    req: IncomingMessage,
    match: RouteMatch<UpstreamRoute>,
    method: string,
    query: URLSearchParams,
  ): Promise<Reply> {
    const route = match.byMethod.get(method === 'HEAD' ? 'GET' : method)
    if (!route) {
      const allow = [...match.byMethod.keys()].join(', ')
      throw new SimError(
        405,
        `The ${method} method is not supported for this route; use ${allow}.`,
        { allow },
      )
    }
    const body: ReadBody =
      route.method === 'GET'
        ? { fields: new Map(), file: undefined }
        : await readBody(req, {
            maxBytes: maxBodyBytes,
            multipart: route.upload === undefined ? {} : { file: uploadLimit(route.upload) },
          })
    const params = createParams(query, body.fields)
    const app = route.apiKey ? requireApp(deps, params) : undefined
    return route.handler({
      deps,
      params,
      pathParams: match.pathParams,
      headers: req.headers,
      app,
      file: body.file,
    })
  }

  function uploadLimit(kind: UploadKind) {
    const spec = UPLOAD_KINDS[kind]
    return { maxBytes: options.uploadLimits?.[kind] ?? spec.maxBytes, extensions: spec.extensions }
  }

  return {
    handler: (req, res) => {
      handle(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'simulator failed to answer')
        if (!res.headersSent)
          sendReply(res, errorReply(500, 'Internal simulator error.'), { connection: 'close' })
        else res.destroy()
      })
    },
    publicUrl,
    calls: () => controls.calls.snapshot(),
    resetCalls: () => controls.calls.reset(),
    setFault(input) {
      const result = parseFault(input, router)
      if (!result.ok) throw new TypeError(`setFault: ${result.message}`)
      controls.faults.set(result.fault)
    },
    clearFaults: () => controls.faults.clear(),
    setHolding(change) {
      const result = setHolding(world, change)
      if (!result.ok) throw new TypeError(`setHolding: ${result.problems.join('; ')}`)
    },
    issueAccessToken(userId) {
      if (!world.userById(userId)) throw new TypeError(`issueAccessToken: unknown user ${userId}`)
      return deps.tokens.issue(userId).accessToken
    },
    revokeAccessToken: (accessToken) => deps.tokens.revoke(accessToken),
    revokeUserTokens: (userId) => deps.tokens.revokeUser(userId),
  }
}

/** Waits `ms`; false when the client went away meanwhile (nothing left to answer). */
function delay(ms: number, res: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      res.off('close', onClose)
      resolve(true)
    }, ms)
    res.once('close', onClose)
  })
}

function normalisePublicUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`createSimulator: publicUrl must be an absolute http(s) URL, got ${value}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`createSimulator: publicUrl must be http(s), got ${value}`)
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}
