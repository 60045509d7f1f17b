import express, { type Router } from 'express'
import type { GateRequestContext } from '../gate/gate-middleware.js'
import type { Fixture } from '../simulator/fixture.js'
import { contentPage } from './content-page.js'
import { DEMO_ITEMS, mediaPath, type DemoItem } from './demo-items.js'
import { createDemoMedia } from './demo-media.js'
import { addStreamPlayerAssets, addStreamRoutes, STREAM_PAGE_CSP } from './demo-stream-routes.js'
import { landingPage, type DemoAccount } from './landing-page.js'
import { sendBytes } from './send-bytes.js'

/** The demo's own covers, for items that are not one vibe. */
const DEMO_COVERS: Record<string, { title: string; subtitle: string }> = {
  lounge: { title: 'Members’ lounge', subtitle: 'vibegate demo' },
  studio: { title: 'Live from the studio', subtitle: 'Coldplay' },
  'queen-club': { title: 'Queen fan club', subtitle: 'Queen' },
}

/** The path of a generated cover; public under rules/demo.yaml (`/assets/**`). */
export const coverPath = (name: string): string => `/assets/covers/${name}.svg`

/**
 * The fan-club site behind `gate.protect()`: the landing page, one page per item, its
 * media below the page (so the item's rule guards it too: a stream's playlists and
 * segments as well), the cover art, and hls.js with the stream player. `fixture`'s
 * vibes give covers their titles and may name their own `cover_image`.
 */
export function createDemoContentRouter(
  fixture: Fixture,
  accounts: readonly DemoAccount[],
): Router {
  const users = new Map(fixture.users.map((u) => [u.id, u.name]))
  const covers = new Map<string, { title: string; subtitle?: string }>(Object.entries(DEMO_COVERS))
  for (const v of fixture.vibes) covers.set(v.id, { title: v.title, subtitle: users.get(v.issuer) })
  const media = createDemoMedia(covers)
  const coverUrl = (item: DemoItem): string =>
    fixture.vibes.find((v) => v.id === item.cover)?.cover_image ?? coverPath(item.cover)

  const router = express.Router({ caseSensitive: true, strict: true })
  router.get('/', (_req, res) => {
    const items = DEMO_ITEMS.map((item) => ({ item, coverUrl: coverUrl(item) }))
    res.type('html').set('Cache-Control', 'no-store').send(landingPage(items, accounts))
  })
  router.get('/assets/covers/:file', (req, res) => {
    const name = /^([a-z0-9-]+)\.svg$/.exec(req.params.file)?.[1]
    const cover = name ? media.cover(name) : undefined
    if (!cover) return void res.status(404).type('text').send('no such cover\n')
    // An SVG opened on its own is a document: it may run nothing and load nothing.
    res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
    sendBytes(req, res, cover.bytes, cover.type)
  })
  addStreamPlayerAssets(router)
  for (const item of DEMO_ITEMS) {
    router.get(item.path, (req, res) => {
      const { token } = (req as unknown as { vibegate: GateRequestContext }).vibegate
      const claims = token
        ? JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
        : {}
      const page = contentPage({ item, coverUrl: coverUrl(item), token, claims })
      if (item.kind === 'stream') res.set('Content-Security-Policy', STREAM_PAGE_CSP)
      res.type('html').set('Cache-Control', 'private, no-store').send(page)
    })
    if (item.kind === 'stream') {
      addStreamRoutes(router, item, media)
      continue
    }
    const path = mediaPath(item)
    if (!path) continue
    router.get(path, (req, res) => {
      const file = media.media(item)!
      if (file.type.startsWith('image/svg'))
        res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      sendBytes(req, res, file.bytes, file.type)
    })
  }
  return router
}
