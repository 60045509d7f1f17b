import { escapeHtml } from '../http/html-page.js'
import type { DemoItem, DemoKind } from './demo-items.js'
import { DEMO_LOGO, DEMO_STYLE } from './demo-style.js'

/** An item as the landing page shows it: with the address of its cover art. */
export interface LandingItem {
  item: DemoItem
  /** A same-origin path or an http(s) URL; anything else is not shown. */
  coverUrl: string
}

/** A demo account the wallet button can sign for. */
export interface DemoAccount {
  id: string
  address: string
}

const KIND_LABEL: Record<DemoKind, string> = {
  video: 'Video',
  stream: 'Video stream',
  audio: 'Audio',
  photo: 'Photo',
  page: 'Club page',
}

/** Only same-origin paths and http(s) URLs become `src` attributes. */
export function safeUrl(url: string): string | undefined {
  return /^\/(?!\/)/.test(url) || /^https?:\/\//i.test(url) ? url : undefined
}

/**
 * The landing page: each item's cover, title, what unlocks it and whether the signed-in
 * fan may open it (asked of the gate from the page), and sign-in with OurSong or a wallet.
 */
export function landingPage(
  items: readonly LandingItem[],
  accounts: readonly DemoAccount[],
): string {
  const cards = items.map(card).join('')
  const options = accounts
    .map(
      (a) =>
        `<option value="${escapeHtml(a.id)}">${escapeHtml(a.id)} (${escapeHtml(`${a.address.slice(0, 6)}…${a.address.slice(-4)}`)})</option>`,
    )
    .join('')
  // JSON inside a script: "<" escaped so no value can close the element.
  const accountsJson = JSON.stringify(accounts).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>vibegate demo fan club</title><style>${DEMO_STYLE}</style></head><body>
<header class="site"><div>${DEMO_LOGO}<span>vibegate demo</span></div></header>
<main>
<h1>The fan club</h1>
<p class="lead">Videos, audio and photos for fans who own the right OurSong vibes. The gate in front of this site checks what you hold each time you open something.</p>
<section class="panel" id="account-panel" aria-labelledby="account-heading">
<h2 id="account-heading" class="visually-hidden">Your account</h2>
<div id="who" aria-live="polite">Checking who you are…</div>
<div id="signin" hidden>
<p class="row"><a class="button primary" href="/auth/login?return_to=%2F">Sign in with OurSong</a>
<span class="hint">Demo accounts: alice, bob, carol or dave; the password is the name followed by <code>-pass</code>.</span></p>
<p class="row"><label for="account">Or sign in with a wallet as</label> <select id="account">${options}</select> <button id="wallet" type="button">Sign in with wallet</button></p>
<p class="hint">Uses your browser wallet when there is one; otherwise the demo signs with the account’s published demo key.</p>
</div>
<p id="error" role="alert" class="state locked" hidden></p>
</section>
<h2>Content</h2>
<ul class="cards">${cards}</ul>
</main>
<script type="module">
const who = document.getElementById('who')
const me = await fetch('/auth/me', { headers: { accept: 'application/json' } })
const how = { oauth: 'with OurSong', wallet: 'with a wallet', bearer: 'with an access token' }
if (me.ok) {
  const { user, session } = await me.json()
  who.textContent = ''
  const line = document.createElement('p')
  line.className = 'row'
  const text = document.createElement('span')
  text.append('Signed in as ', Object.assign(document.createElement('strong'), { textContent: user.name + ' (' + user.id + ')' }), ' ' + (how[session.kind] ?? ''))
  line.append(text)
  const out = Object.assign(document.createElement('button'), { textContent: 'Sign out', id: 'logout', type: 'button' })
  out.onclick = async () => { await fetch('/auth/logout', { method: 'POST' }); location.reload() }
  line.append(out)
  who.append(line)
} else {
  who.textContent = 'You are not signed in. Sign in to see what you hold.'
  document.getElementById('signin').hidden = false
}
await Promise.all([...document.querySelectorAll('li[data-path]')].map(async (li) => {
  const state = li.querySelector('.state')
  const r = await fetch(li.dataset.path, { headers: { accept: 'application/json' } }).catch(() => undefined)
  const [text, kind] = !r ? ['Unavailable', ''] : r.ok ? ['Unlocked', 'open'] : r.status === 401 ? ['Sign in to unlock', ''] : ['Locked', 'locked']
  state.textContent = text
  state.className = 'state ' + kind
}))
const accounts = ${accountsJson}
const fail = (message) => { const e = document.getElementById('error'); e.textContent = 'Wallet sign-in failed: ' + message; e.hidden = false }
document.getElementById('wallet').onclick = async () => {
  const account = document.getElementById('account').value
  let address = accounts.find((a) => a.id === account).address
  let challenge, signature
  if (window.ethereum) {
    ;[address] = await window.ethereum.request({ method: 'eth_requestAccounts' })
    challenge = await (await fetch('/auth/wallet/challenge?address=' + address)).json()
    signature = await window.ethereum.request({ method: 'personal_sign', params: [challenge.message, address] })
  } else {
    challenge = await (await fetch('/auth/wallet/challenge?address=' + address)).json()
    const signed = await fetch('/demo/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account, message: challenge.message }) })
    signature = (await signed.json()).signature
  }
  const login = await fetch('/auth/wallet/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: challenge.message, signature }) })
  if (login.ok) location.reload(); else fail((await login.json()).message)
}
</script></body></html>
`
}

function card({ item, coverUrl }: LandingItem): string {
  const src = safeUrl(coverUrl)
  const cover = src
    ? `<img src="${escapeHtml(src)}" alt="Cover art of ${escapeHtml(item.title)}" width="240" height="240" loading="lazy">`
    : ''
  return `<li class="card" data-path="${escapeHtml(item.path)}">${cover}<div class="body">
<span class="kind">${KIND_LABEL[item.kind]}</span>
<h3><a href="${escapeHtml(item.path)}">${escapeHtml(item.title)}</a></h3>
<p class="unlock">${escapeHtml(item.unlock)}</p>
<span class="state">checking…</span></div></li>`
}
