import type { World } from './create-world.js'
import { html, type Reply } from './reply.js'

/** The path of a vibe's page, the `external_url` the simulator gives vibes without one. */
const VIBE_PAGE = /^\/project\/([A-Za-z0-9_-]+)$/

/**
 * The simulator's stand-in for a vibe's page on OurSong (`/project/{vibe_id}`), where a
 * denied fan's "Get it on OurSong" link leads: a small HTML page with the vibe's title,
 * artist, description and cover. Undefined when `path` is not such a page; a 404 page for a
 * vibe that does not exist or is hidden.
 */
export function vibePage(world: World, method: string, path: string): Reply | undefined {
  const match = VIBE_PAGE.exec(path)
  if (!match || (method !== 'GET' && method !== 'HEAD')) return undefined
  const vibe = world.vibe(match[1]!)
  if (!vibe || !world.canSee(vibe, undefined))
    return html(page('Vibe not found', '<p>There is no public vibe at this address.</p>'), 404)
  const artist = world.userById(vibe.issuer)?.name ?? vibe.issuer
  const cover =
    vibe.cover_image && /^https?:\/\//i.test(vibe.cover_image)
      ? `<img src="${escape(vibe.cover_image)}" alt="Cover of ${escape(vibe.title)}" width="240" height="240">`
      : ''
  const range =
    vibe.token_id_start !== undefined && vibe.token_id_end !== undefined
      ? `<p>Tokens #${vibe.token_id_start}–#${vibe.token_id_end} (${escape(vibe.token_spec)})</p>`
      : ''
  return html(
    page(
      vibe.title,
      `${cover}<p class="by">by ${escape(artist)} · ${escape(vibe.content_type)}</p>
${vibe.description ? `<p>${escape(vibe.description)}</p>` : ''}${range}
<p><em>This is the OurSong simulator: nothing is sold here. Change holdings with PUT /__sim/holdings.</em></p>`,
    ),
  )
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · OurSong (simulator)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}img{border-radius:12px;max-width:100%;height:auto}.by{color:#555}@media (prefers-color-scheme:dark){body{color:#eee;background:#161618}.by{color:#bbb}}</style>
</head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>
`
}

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}
