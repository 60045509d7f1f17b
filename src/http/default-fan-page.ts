import type { FanPageVars, UnlockView } from './fan-page-view.js'
import { escapeHtml as e } from './html-page.js'

/**
 * The built-in fan page (locked, denied, not found): self-contained (inline CSS, no fonts
 * or CDNs; only the cover and logo load from elsewhere), light and dark, one column on
 * phones. Every value is escaped here; URLs were limited to http(s) by the caller.
 */
export function defaultFanPage(vars: FanPageVars, unlocks: readonly UnlockView[]): string {
  const brand = vars.brand_logo_url
    ? `<img class="logo" src="${e(vars.brand_logo_url)}" alt="" height="28"><span>${e(vars.brand_name)}</span>`
    : `<span>${e(vars.brand_name)}</span>`
  const actions: string[] = []
  if (vars.sign_in_url) {
    actions.push(`<a class="button primary" href="${e(vars.sign_in_url)}">Sign in with OurSong</a>`)
    actions.push(
      `<button class="button" type="button" id="vg-wallet" data-challenge="${e(vars.wallet_challenge_url)}" data-login="${e(vars.wallet_login_url)}">Sign in with a wallet</button>`,
    )
  }
  if (vars.sign_out_url) {
    actions.push(
      `<form method="post" action="${e(vars.sign_out_url)}" id="vg-signout"><button class="button" type="submit">Sign out or switch account</button></form>`,
    )
  }
  const who = vars.signed_in_as
    ? `<p class="who">Signed in as <strong>${e(vars.signed_in_as)}</strong></p>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>${e(vars.heading)} · ${e(vars.brand_name)}</title>
<style>${css(vars)}</style>
</head><body>
<header class="top"><a class="brand" href="${e(vars.back_url)}">${brand}</a></header>
<main class="card" data-state="${e(vars.state)}">
<h1>${e(vars.heading)}</h1>
<p class="lead">${e(vars.message)}</p>
${unlocks.map(unlockBlock).join('\n')}
<div class="text">
${who}
${actions.length ? `<div class="actions">${actions.join('')}</div>` : ''}
<p class="status" id="vg-status" role="status" aria-live="polite"></p>
<p class="back"><a href="${e(vars.back_url)}">← Back to the home page</a></p>
</div>
</main>
<footer class="foot">Access checked by ${e(vars.brand_name)} with OurSong · ${e(vars.status)}</footer>
${vars.script_url && actions.length ? `<script src="${e(vars.script_url)}" defer></script>` : ''}
</body></html>
`
}

function unlockBlock(u: UnlockView): string {
  const cover = u.cover_image
    ? `<img class="cover" src="${e(u.cover_image)}" alt="Cover of ${e(u.title)}" width="160" height="160">`
    : `<div class="cover placeholder" aria-hidden="true">${e(initial(u.kind === 'issuer' ? u.artist : u.title))}</div>`
  const meta = [u.artist, u.content_type].filter(Boolean).map(e).join(' · ')
  const need = u.holds
    ? `<p class="need"><span>Needs ${e(u.requires)}.</span> <span>${e(u.holds)}</span></p>`
    : `<p class="need"><span>Holders of ${e(u.requires)} get in.</span></p>`
  const buy = u.buy_url
    ? `<a class="button buy" href="${e(u.buy_url)}">Get it on OurSong<span class="visually-hidden">: ${e(u.title)}</span></a>`
    : ''
  return `<section class="vibe" aria-label="${e(u.title)}">${cover}<div>
<h2>${e(u.title)}</h2>${meta ? `<p class="meta">${meta}</p>` : ''}
${u.description && u.description !== u.title ? `<p class="desc">${e(u.description)}</p>` : ''}${need}${buy}
</div></section>`
}

function initial(title: string): string {
  return [...title.trim()][0]?.toUpperCase() ?? '♪'
}

function css(vars: FanPageVars): string {
  // Checked when the options were, and again here: the value lands inside <style>, where
  // HTML escaping protects nothing.
  const accent = /^#[0-9a-f]{6}$/i.test(vars.accent) ? vars.accent : '#6b3fd4'
  const onAccent = vars.accent_text === '#000000' ? '#000000' : '#ffffff'
  return `:root{--bg:#f6f5f8;--card:#fff;--text:#1d1d21;--muted:#55555f;--line:#dedde3;--accent:${accent};--on-accent:${onAccent};--link:${linkOn(accent, '#ffffff', '#4b2a9e')}}
@media (prefers-color-scheme:dark){:root{--bg:#121214;--card:#1e1e22;--text:#f1f1f4;--muted:#b4b4bd;--line:#34343a;--link:${linkOn(accent, '#1e1e22', '#c9b8ff')}}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text);min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:1rem}
a{color:var(--link)}
.top{width:100%;max-width:44rem;padding:.5rem 0 1rem}
.brand{display:inline-flex;align-items:center;gap:.5rem;font-weight:700;color:var(--text);text-decoration:none}
.logo{height:28px;width:auto}
.card{width:100%;max-width:44rem;background:var(--card);border:1px solid var(--line);border-top:4px solid var(--accent);border-radius:14px;padding:1.5rem;box-shadow:0 6px 24px rgba(0,0,0,.06)}
.vibe{display:flex;gap:1.25rem;align-items:flex-start;padding:1.25rem 0;margin:0 0 1.25rem;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}
.vibe+.vibe{border-top:0;margin-top:-1.25rem}
.cover{width:160px;height:160px;flex:none;border-radius:10px;object-fit:cover;background:var(--line)}
.placeholder{display:flex;align-items:center;justify-content:center;font-size:4rem;font-weight:700;color:var(--on-accent);background:var(--accent)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.2rem;line-height:1.3;margin:0 0 .25rem}
.meta{color:var(--muted);margin:0 0 .5rem;text-transform:capitalize}
.desc{margin:0 0 .5rem}
.need{margin:0 0 .75rem;font-weight:600}
.need span{display:block}
.lead{margin:0 0 1.25rem;font-size:1.05rem}
.who{color:var(--muted);margin:0 0 1rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:0 0 1rem}
.actions form{margin:0}
.button{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1rem;border-radius:999px;border:2px solid var(--accent);background:transparent;color:var(--text);text-decoration:none;cursor:pointer;min-height:44px}
.button.primary,.button.buy{background:var(--accent);color:var(--on-accent)}
[data-state=signed_out] .button.buy{background:transparent;color:var(--text)}
.button:focus-visible,a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.status{margin:0;color:var(--muted)}
.status:not(:empty){margin:0 0 .75rem}
.back{margin:.5rem 0 0}
.foot{max-width:44rem;width:100%;color:var(--muted);font-size:.85rem;padding:1rem 0;text-align:center}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:560px){.card{padding:1.1rem}.vibe{flex-direction:column;align-items:stretch}.cover{width:100%;height:auto;aspect-ratio:1}.placeholder{height:120px;aspect-ratio:auto;font-size:3rem}.actions{flex-direction:column}.button{width:100%;text-align:center}}`
}

/** The accent as link colour where it reads on `bg` (contrast >= 4.5), else `fallback`. */
function linkOn(accent: string, bg: string, fallback: string): string {
  return contrast(accent, bg) >= 4.5 ? accent : fallback
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours. */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)]
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}
