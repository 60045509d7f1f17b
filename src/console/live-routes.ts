import type { ConsolePage } from './console-layout.js'
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import type { OwnershipChecker } from '../ownership/ownership-checker.js'
import type { Logger } from '../util/logger.js'
import type { ConsoleOperator } from './console-access.js'
import { ConsoleError } from './console-error.js'
import type { LiveFeed } from './live-feed.js'

type Middleware = (req: Request, res: Response, next: NextFunction) => void

/** What {@link liveRoutes} needs from the console router. */
export interface LiveRoutesDeps {
  feed: LiveFeed
  ownership: Pick<OwnershipChecker, 'purgeUser' | 'purgeVibe'>
  /** The console's Origin + CSRF check for state changes. */
  stateChange: Middleware
  /** Renders a console page (layout, CSP nonce, script). */
  page: ConsolePage
  logger: Logger
}

/** Seconds shown in the live charts. */
export const LIVE_SECONDS = 60

/**
 * The Live screen: recent decisions, decisions per second and OurSong latency (drawn as
 * inline SVG by the page's script from `GET /console/api/live`), and a purge of cached
 * ownership for a user or a vibe (`POST /console/api/purge`, as `POST /admin/cache/purge`
 * does, on every replica). Mounted behind the console's operator check.
 */
export function liveRoutes(deps: LiveRoutesDeps): Router {
  const router = express.Router({ caseSensitive: true, strict: true })
  router.get('/console/live', (_req, res) => {
    deps.page(res, 200, 'Live', LIVE_BODY, '/console/live')
  })
  router.get('/console/api/live', (_req, res) => {
    res.json({ recent: deps.feed.recent(25), seconds: deps.feed.perSecond().slice(-LIVE_SECONDS) })
  })
  router.post(
    '/console/api/purge',
    deps.stateChange,
    express.json({ limit: '4kb' }),
    async (req, res) => {
      const { user, vibe } = (req.body ?? {}) as { user?: unknown; vibe?: unknown }
      const valid = (v: unknown): v is string =>
        typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(v)
      if (
        (user !== undefined && !valid(user)) ||
        (vibe !== undefined && !valid(vibe)) ||
        (user === undefined && vibe === undefined)
      )
        throw new ConsoleError(
          'console_bad_request',
          'purge: give "user" (an OurSong uuid) or "vibe" (a vibe id): letters, digits, _ and -',
        )
      if (user !== undefined) await deps.ownership.purgeUser(user)
      if (vibe !== undefined) await deps.ownership.purgeVibe(vibe)
      const { user: by } = res.locals.operator as ConsoleOperator
      deps.logger.info({ user, vibe, by: by.uuid }, 'ownership cache purged from the console')
      res.json({ purged: { ...(user ? { user } : {}), ...(vibe ? { vibe } : {}) } })
    },
  )
  return router
}

const LIVE_BODY = `<p class="hint">This gate process, the last ${LIVE_SECONDS} seconds; refreshed every 2 seconds. Tokens, cookies and paths are never shown.</p>
<div class="charts">
<figure><figcaption>Decisions per second <span class="key"><span class="k-allow">■ allowed</span> <span class="k-deny">■ denied</span></span></figcaption><svg id="chart-decisions" viewBox="0 0 600 140" role="img" aria-label="Decisions per second"></svg><p class="hint" id="sum-decisions"></p></figure>
<figure><figcaption>OurSong latency, ms <span class="key"><span class="k-mean">■ mean</span> <span class="k-max">■ slowest</span></span></figcaption><svg id="chart-upstream" viewBox="0 0 600 140" role="img" aria-label="OurSong latency"></svg><p class="hint" id="sum-upstream"></p></figure>
</div>
<fieldset><legend>Purge cached ownership</legend><p class="hint">After a transfer on OurSong, forget what the gate cached for a fan or a vibe (every replica, within a second).</p>
<form id="purge-form" class="toolbar purge" novalidate><label for="p-kind" class="sr">What to purge</label><select id="p-kind" name="kind"><option value="user">User (OurSong uuid)</option><option value="vibe">Vibe (id)</option></select>
<label for="p-value" class="sr">Uuid or vibe id</label><input id="p-value" name="value" autocomplete="off" placeholder="uuid or vibe id"><button type="submit">Purge</button><span id="purge-result" role="status"></span></form></fieldset>
<h2>Recent decisions</h2>
<table><thead><tr><th scope="col">Time</th><th scope="col">User</th><th scope="col">Rule</th><th scope="col">Outcome</th><th scope="col">Reason</th></tr></thead><tbody id="feed"><tr><td colspan="5" class="muted">No decisions yet.</td></tr></tbody></table>`
