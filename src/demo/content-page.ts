import { escapeHtml } from '../http/html-page.js'
import { mediaPath, posterPath, type DemoItem } from './demo-items.js'
import { DEMO_LOGO, DEMO_STYLE } from './demo-style.js'
import { safeUrl } from './landing-page.js'
import { HLS_JS_PATH, STREAM_PLAYER_PATH } from './stream-player-script.js'

/** What a content page shows besides its item. */
export interface ContentPageInput {
  item: DemoItem
  /** The item's cover art: a same-origin path or an http(s) URL. */
  coverUrl: string
  /** The gate's JWT for this request, when the rule issued one. */
  token?: string | undefined
  /** Its decoded claims. */
  claims?: unknown
}

/**
 * A content page: the item's video, audio, photo or text, what unlocked it, and the gate's
 * JWT with its claims behind a "details" toggle for the curious.
 */
export function contentPage(input: ContentPageInput): string {
  const { item } = input
  const title = escapeHtml(item.title)
  const cover = safeUrl(input.coverUrl)
  const media = mediaPath(item)
  let body = `<p>${escapeHtml(item.blurb)}</p>`
  if (item.kind === 'video' && media)
    body = `<div class="media"><video controls playsinline loop preload="auto" width="1280" height="800" aria-label="${title}"><source src="${escapeHtml(media)}" type="video/mp4">Your browser cannot play this video; <a href="${escapeHtml(media)}">download it</a>.</video></div>${body}`
  else if (item.kind === 'stream' && media) body = streamPlayer(item, media) + body
  else if (item.kind === 'audio' && media)
    body = `<div class="audio">${cover ? `<img src="${escapeHtml(cover)}" alt="Cover art of ${title}" width="128" height="128">` : ''}<audio controls preload="metadata" src="${escapeHtml(media)}" aria-label="${title}">Your browser cannot play this audio; <a href="${escapeHtml(media)}">download it</a>.</audio></div>${body}`
  else if (item.kind === 'photo' && media)
    body = `<div class="media"><img src="${escapeHtml(media)}" alt="Backstage: the band in silhouette under three spotlights" width="960" height="540"></div>${body}`
  const token = input.token
    ? `<h2>Token</h2><pre class="jwt">${escapeHtml(input.token)}</pre>`
    : '<p>This rule issues no token.</p>'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${title} · vibegate demo</title><style>${DEMO_STYLE}</style></head><body>
<header class="site"><div>${DEMO_LOGO}<span>vibegate demo</span></div></header>
<main>
<p><a href="/">← All content</a></p>
<h1>${title}</h1>
<p><span class="state open">Unlocked</span> <span class="hint">${escapeHtml(item.unlock)}.</span></p>
${body}
<details id="token-details"><summary>Details: the gate’s token for this page</summary>
<p class="hint">The gate checked your holdings and handed this page a short-lived signed JWT (verify it with <code>vibegate/verify</code>).</p>
${token}<h2>Claims</h2><pre class="claims">${escapeHtml(JSON.stringify(input.claims ?? {}, null, 2))}</pre></details>
</main></body></html>
`
}

/**
 * A stream item's player: a `<video>` that the player script (after hls.js) feeds from the
 * playlist, its poster, a line on how it is streamed, and a live region for what went wrong.
 */
function streamPlayer(item: DemoItem, playlist: string): string {
  const title = escapeHtml(item.title)
  return `<figure class="stream"><div class="media"><video controls playsinline width="1280" height="800" poster="${escapeHtml(posterPath(item))}" data-hls="${escapeHtml(playlist)}" aria-label="${title}, video stream" aria-describedby="stream-about">Your browser cannot play this video stream.</video></div>
<figcaption id="stream-about" class="hint">Streamed as HLS: a playlist and 2-second segments, each one checked by the gate.</figcaption>
<p id="player-status" class="player-status" role="status"></p></figure>
<script src="${HLS_JS_PATH}" defer></script><script src="${STREAM_PLAYER_PATH}" defer></script>`
}
