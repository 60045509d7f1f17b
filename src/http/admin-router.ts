import { createHash, timingSafeEqual } from 'node:crypto'
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import { VibegateError } from '../errors/vibegate-error.js'
import type { OwnershipChecker } from '../ownership/ownership-checker.js'
import type { Logger } from '../util/logger.js'
import type { RateLimit, RateLimiter } from '../identity/rate-limiter.js'
import { rateSubject } from './rate-subject.js'
import { clientAddress, singleHeader } from './request-headers.js'
import { toVibegateError } from './to-vibegate-error.js'

/** What the operator routes need. */
export interface AdminRouterDeps {
  /** VIBEGATE_ADMIN_TOKEN; the routes answer 401 to everything while it is unset. */
  adminToken: string | undefined
  /** Purges cached ownership (and, with edge passes, moves the pass epoch). */
  ownership: Pick<OwnershipChecker, 'purgeUser' | 'purgeVibe'>
  /** Counts failed attempts per client. */
  rateLimiter: RateLimiter
  /** VIBEGATE_TRUSTED_PROXIES, to find the client behind a proxy. */
  trustsProxy: (address: string | undefined) => boolean
  logger: Logger
  /** Failed attempts a client may make before it is refused for the window; default 10 in 10 min. */
  failureLimit?: RateLimit
}

/** The shortest operator token accepted (VIBEGATE_ADMIN_TOKEN), in characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 32

/** Default of {@link AdminRouterDeps.failureLimit}. */
export const DEFAULT_ADMIN_FAILURE_LIMIT: RateLimit = { max: 10, windowMs: 600_000 }

/**
 * Operator routes, authenticated with `Authorization: Bearer <VIBEGATE_ADMIN_TOKEN>`:
 * `POST /admin/cache/purge` `{ "user"?: uuid, "vibe"?: id }` forgets cached ownership of a
 * user, of a vibe (for every user), or both, on every replica within a second. A client
 * that keeps sending wrong tokens is refused (`rate_limited`); the right token always passes.
 */
export function createAdminRouter(deps: AdminRouterDeps): Router {
  const router = express.Router({ caseSensitive: true, strict: true })
  const expected = deps.adminToken ? digest(deps.adminToken) : undefined

  const failureLimit = deps.failureLimit ?? DEFAULT_ADMIN_FAILURE_LIMIT

  router.use('/admin', async (req: Request, _res: Response, next: NextFunction) => {
    const client = rateSubject(clientAddress(req, deps.trustsProxy))
    try {
      const header = singleHeader(req, 'authorization')
      const match = header === undefined ? undefined : /^Bearer ([\x21-\x7e]+)$/.exec(header)
      // Compared as digests: equal length, constant time, whatever was sent. The right token
      // always passes, so an attacker sharing the operator's address cannot lock them out.
      if (expected && match && timingSafeEqual(digest(match[1]!), expected)) return next()
      if ((await deps.rateLimiter.count('admin-failures', client)) >= failureLimit.max) {
        throw new VibegateError('rate_limited', {
          detail: `more than ${failureLimit.max} failed operator attempts from ${client}`,
        })
      }
      await deps.rateLimiter.hit('admin-failures', client, {
        ...failureLimit,
        max: Number.MAX_SAFE_INTEGER,
      })
      throw new VibegateError('admin_unauthorized', {
        detail: expected ? 'wrong or missing token' : 'VIBEGATE_ADMIN_TOKEN is unset',
      })
    } catch (err) {
      next(err)
    }
  })

  router.post('/admin/cache/purge', express.json({ limit: '4kb' }), async (req, res) => {
    const { user, vibe } = (req.body ?? {}) as { user?: unknown; vibe?: unknown }
    const valid = (v: unknown): v is string =>
      typeof v === 'string' && v.length > 0 && v.length <= 128
    if (
      (user !== undefined && !valid(user)) ||
      (vibe !== undefined && !valid(vibe)) ||
      (user === undefined && vibe === undefined)
    ) {
      throw new VibegateError('bad_request', {
        detail: 'give "user" (an OurSong uuid), "vibe" (a vibe id), or both, as strings',
      })
    }
    if (user !== undefined) await deps.ownership.purgeUser(user)
    if (vibe !== undefined) await deps.ownership.purgeVibe(vibe)
    deps.logger.info({ user, vibe }, 'ownership cache purged by the operator')
    res.json({
      purged: { ...(user === undefined ? {} : { user }), ...(vibe === undefined ? {} : { vibe }) },
    })
  })

  router.use('/admin', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err)
    const error = toVibegateError(err)
    if (error.status >= 500)
      deps.logger.error({ code: error.code, detail: error.detail }, 'admin request failed')
    if (error.code === 'admin_unauthorized')
      res.set('WWW-Authenticate', 'Bearer realm="vibegate-admin"')
    res.status(error.status).json(error.toJSON())
  })
  return router
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
