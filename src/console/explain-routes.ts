import type { ConsolePage } from './console-layout.js'
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import type { VibeCatalog } from '../decision/vibe-catalog.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { Rules } from '../rules/compiled-rules.js'
import { ConsoleError, stringField } from './console-error.js'
import { explainBody } from './console-pages.js'
import { explainForUser, fetchUserHoldings } from './explain-for-user.js'

type Middleware = (req: Request, res: Response, next: NextFunction) => void

/** What {@link explainRoutes} needs from the console router. */
export interface ExplainRoutesDeps {
  /** The rules in force. */
  rules: () => Rules
  /** OurSong, for what a user holds (public API, the app's key only). */
  client: OurSongClient
  /** Vibe titles for what is missing. */
  catalog: VibeCatalog
  /** The console's Origin + CSRF check. */
  stateChange: Middleware
  /** The console's bounded JSON body parser. */
  json: Middleware
  /** Renders a console page (layout, CSP nonce, script). */
  page: ConsolePage
}

/**
 * The Explain screen (`GET /console/explain`) and `POST /console/api/explain` `{ method, url,
 * user? }`: the decision the gate would make for that request and user, with what OurSong
 * reports the user holds (looked up within 10 s), and every rule unlocked or not. Mounted
 * behind the console's operator check.
 */
export function explainRoutes(deps: ExplainRoutesDeps): Router {
  const router = express.Router({ caseSensitive: true, strict: true })
  router.get('/console/explain', (_req, res) => {
    deps.page(res, 200, 'Explain a decision', explainBody(), '/console/explain')
  })
  router.post('/console/api/explain', deps.stateChange, deps.json, async (req, res) => {
    const method = stringField(req.body, 'method').toUpperCase()
    const url = stringField(req.body, 'url').trim()
    const user = ((req.body as { user?: unknown }).user ?? '') as unknown
    if (typeof user !== 'string')
      throw new ConsoleError('console_bad_request', '"user" must be a string')
    if (!/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(method))
      throw new ConsoleError(
        'console_bad_request',
        `method: "${method.slice(0, 20)}" is not an HTTP method`,
      )
    if (!/^(\/|https?:\/\/)/i.test(url) || url.length > 2048)
      throw new ConsoleError(
        'console_bad_request',
        'url: give a path starting with / or an http(s) URL',
      )
    const who = user.trim()
    if (/^0x[0-9a-f]{40}$/i.test(who))
      throw new ConsoleError(
        'console_bad_request',
        "user: OurSong's API cannot look a user up by wallet; give their OurSong user id or uuid",
      )
    if (who !== '' && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(who))
      throw new ConsoleError(
        'console_bad_request',
        'user: an OurSong user id or uuid has letters, digits, _ and -',
      )
    const rules = deps.rules()
    const holdings =
      who === ''
        ? undefined
        : await fetchUserHoldings(deps.client, rules, who, AbortSignal.timeout(10_000))
    const result = explainForUser(rules, method, url, holdings)
    // Vibe titles for what is missing, from the catalog (null when OurSong does not say).
    const vibes = new Set<string>()
    for (const m of [...result.explanation.missing, ...result.rules.flatMap((r) => r.missing)])
      if (m && typeof m === 'object' && 'vibe' in m) vibes.add(String(m.vibe))
    const titles: Record<string, string | null> = {}
    for (const u of await deps.catalog.unlocks([...vibes].map((vibe) => ({ vibe }))))
      if ('vibe' in u) titles[u.vibe] = u.title
    res.json({ ...result, holdings: holdings?.holdings ?? null, titles })
  })
  return router
}
