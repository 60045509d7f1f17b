import type { Router } from 'express'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { DemoMedia } from './demo-media.js'
import { posterPath, streamDir, type DemoItem } from './demo-items.js'
import { sendBytes } from './send-bytes.js'
import { HLS_JS_PATH, STREAM_PLAYER_PATH, STREAM_PLAYER_SCRIPT } from './stream-player-script.js'

/**
 * The CSP of a stream item's page: scripts from the site only (hls.js and the player),
 * media from the site and the `blob:` URL of the Media Source hls.js feeds, requests to the
 * site only (the playlists and segments).
 */
export const STREAM_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' https:; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"

/**
 * hls.js (the light build: one video rendition needs no alternate audio, subtitles or DRM)
 * and the stream player script, public under `/assets/**`. hls.js is read from the
 * installed package on first request, never from the network.
 */
export function addStreamPlayerAssets(router: Router): void {
  let hlsJs: Buffer | undefined
  router.get(HLS_JS_PATH, (req, res) => {
    hlsJs ??= readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.light.min.js'))
    sendBytes(req, res, hlsJs, 'text/javascript; charset=utf-8')
  })
  const player = Buffer.from(STREAM_PLAYER_SCRIPT, 'utf8')
  router.get(STREAM_PLAYER_PATH, (req, res) =>
    sendBytes(req, res, player, 'text/javascript; charset=utf-8'),
  )
}

/**
 * A stream item's playlists, segments and poster, below its page so that the item's rule
 * guards every one of them: a fan whose access ends is refused the next segment.
 */
export function addStreamRoutes(router: Router, item: DemoItem, media: DemoMedia): void {
  router.get(`${streamDir(item)}/:file`, (req, res) => {
    const file = media.stream(item)?.file(req.params.file)
    if (!file) return void res.status(404).type('text').send('no such stream file\n')
    sendBytes(req, res, file.bytes, file.type)
  })
  router.get(posterPath(item), (req, res) => {
    res.set('Content-Security-Policy', SVG_CSP)
    const poster = media.poster(item)!
    sendBytes(req, res, poster.bytes, poster.type)
  })
}
