import type { Unlock } from '../decision/vibe-catalog.js'

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** A small self-contained page for messages to people (sign-in errors, denials). */
export function messagePage(
  title: string,
  body: string,
  link?: { href: string; text: string },
): string {
  const action = link
    ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}a{color:#6b3fd4}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p>${action}</body></html>
`
}

/** The page a browser sees for `not_owned`: what would unlock the content, with links. */
export function lockedPage(requires: Unlock[]): string {
  const items = requires
    .map((u) => {
      if ('issuer' in u)
        return `<li>Any vibe created by <strong>${escapeHtml(u.issuer)}</strong></li>`
      const name = escapeHtml(u.title ?? u.vibe)
      const ids = u.token_ids ? ` (token ${escapeHtml(u.token_ids.join(', '))})` : ''
      const amount = u.min_amount ? ` &times; ${u.min_amount}` : ''
      const link =
        u.external_url && /^https?:\/\//i.test(u.external_url)
          ? ` <a href="${escapeHtml(u.external_url)}">Get it on OurSong</a>`
          : ''
      const cover =
        u.cover_image && /^https?:\/\//i.test(u.cover_image)
          ? `<img src="${escapeHtml(u.cover_image)}" alt="" width="64" height="64"> `
          : ''
      return `<li>${cover}<strong>${name}</strong>${ids}${amount}.${link}</li>`
    })
    .join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Locked</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}li{margin:.5rem 0}img{vertical-align:middle;border-radius:6px}a{color:#6b3fd4}</style>
</head><body><h1>This content is for holders</h1><p>What unlocks it:</p><ul>${items}</ul></body></html>
`
}
