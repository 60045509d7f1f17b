import { escapeHtml } from '../http/html-page.js'

/** One piece of content on the demo fan-club site and the rule that guards it. */
export interface DemoItem {
  path: string
  title: string
  kind: 'video' | 'audio' | 'page'
  /** In plain words, who may see it (mirrors rules/demo.yaml). */
  who: string
}

/** The sample site's content, one entry per protected area of rules/demo.yaml. */
export const DEMO_ITEMS: readonly DemoItem[] = [
  {
    path: '/members',
    title: 'Members’ lounge',
    kind: 'page',
    who: 'anyone signed in with OurSong',
  },
  { path: '/videos/yellow', title: 'Coldplay - Yellow', kind: 'video', who: 'holders of nxwyqqow' },
  {
    path: '/videos/yellow/hd',
    title: 'Coldplay - Yellow (HD cut)',
    kind: 'video',
    who: 'holders of nxwyqqow tokens 1-5',
  },
  {
    path: '/videos/dont-stop-me-now',
    title: 'Don’t Stop Me Now',
    kind: 'video',
    who: 'xdwbppyw, or 3 of xdrbpvjr',
  },
  {
    path: '/audio/under-pressure',
    title: 'Under Pressure',
    kind: 'audio',
    who: 'holders of mzwkaxwy',
  },
  {
    path: '/videos/radio-star',
    title: 'Video Killed The Radio Star',
    kind: 'video',
    who: 'holders of npwjlbwq',
  },
  {
    path: '/queen',
    title: 'Queen fan club',
    kind: 'page',
    who: 'holders of any vibe Queen created',
  },
]

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d1b22}
h1{font-size:1.6rem}a{color:#6b3fd4}button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid #6b3fd4;background:#fff;color:#6b3fd4;cursor:pointer}
button.primary{background:#6b3fd4;color:#fff}ul.items{list-style:none;padding:0}ul.items li{display:flex;justify-content:space-between;gap:1rem;padding:.6rem .8rem;border:1px solid #e3ddf3;border-radius:8px;margin:.5rem 0}
.state{font-weight:600}.open{color:#157a3b}.locked{color:#a3261b}.box{padding:1rem;border-radius:8px;background:#f6f3fd;margin:1rem 0}
.media{aspect-ratio:16/9;background:#222;color:#eee;display:flex;align-items:center;justify-content:center;border-radius:8px;font-size:1.2rem}
pre{background:#f4f4f4;padding:.8rem;border-radius:6px;overflow:auto;font-size:.8rem}select{font:inherit;padding:.3rem}`

/** The landing page: who you are, what unlocks, sign-in by OurSong or by wallet. */
export function landingPage(demoAccounts: readonly { id: string; address: string }[]): string {
  const items = DEMO_ITEMS.map(
    (i) =>
      `<li data-path="${escapeHtml(i.path)}"><span><a href="${escapeHtml(i.path)}">${escapeHtml(i.title)}</a><br><small>${escapeHtml(i.who)}</small></span><span class="state">checking…</span></li>`,
  ).join('')
  const options = demoAccounts
    .map(
      (a) =>
        `<option value="${escapeHtml(a.id)}">${escapeHtml(a.id)} (${escapeHtml(a.address.slice(0, 8))}…)</option>`,
    )
    .join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vibegate demo fan club</title><style>${STYLE}</style></head><body>
<h1>vibegate demo fan club</h1>
<div class="box" id="who">Checking who you are…</div>
<div id="signin" class="box" hidden>
  <p><a href="/auth/login?return_to=/"><button class="primary" type="button">Sign in with OurSong</button></a>
  <small>(try alice / alice-pass, bob / bob-pass, carol / carol-pass, dave / dave-pass)</small></p>
  <p>or sign in with a wallet: <select id="account">${options}</select> <button id="wallet" type="button">Sign with wallet</button>
  <br><small>Uses your browser wallet when there is one; otherwise the demo signs with the account's published demo key.</small></p>
</div>
<h2>Content</h2><ul class="items">${items}</ul>
<script type="module">
const who = document.getElementById('who')
const me = await fetch('/auth/me', { headers: { accept: 'application/json' } })
if (me.ok) {
  const { user, session } = await me.json()
  who.innerHTML = ''
  who.append('Signed in as ', Object.assign(document.createElement('strong'), { textContent: user.name + ' (' + user.id + ')' }), ' by ' + session.kind + (user.wallet ? ', wallet ' + user.wallet : '') + '. ')
  const out = Object.assign(document.createElement('button'), { textContent: 'Sign out', id: 'logout' })
  out.onclick = async () => { await fetch('/auth/logout', { method: 'POST' }); location.reload() }
  who.append(out)
} else {
  who.textContent = 'You are not signed in.'
  document.getElementById('signin').hidden = false
}
for (const li of document.querySelectorAll('li[data-path]')) {
  const r = await fetch(li.dataset.path, { headers: { accept: 'application/json' } })
  const state = li.querySelector('.state')
  state.textContent = r.ok ? 'unlocked' : r.status === 401 ? 'sign in to check' : 'locked'
  state.className = 'state ' + (r.ok ? 'open' : 'locked')
}
document.getElementById('wallet').onclick = async () => {
  const account = document.getElementById('account').value
  let address = document.getElementById('account').selectedOptions[0].textContent
  const accounts = ${JSON.stringify(demoAccounts)}
  address = accounts.find((a) => a.id === account).address
  const challenge = await (await fetch('/auth/wallet/challenge?address=' + address)).json()
  let signature
  if (window.ethereum) {
    const [from] = await window.ethereum.request({ method: 'eth_requestAccounts' })
    address = from
    const fresh = await (await fetch('/auth/wallet/challenge?address=' + from)).json()
    challenge.message = fresh.message
    signature = await window.ethereum.request({ method: 'personal_sign', params: [fresh.message, from] })
  } else {
    const signed = await fetch('/demo/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account, message: challenge.message }) })
    signature = (await signed.json()).signature
  }
  const login = await fetch('/auth/wallet/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: challenge.message, signature }) })
  if (login.ok) location.reload(); else alert('Wallet sign-in failed: ' + (await login.json()).message)
}
</script></body></html>
`
}

/** A content page: a media placeholder and the gate's JWT claims, decoded for the curious. */
export function contentPage(item: DemoItem, claims: unknown): string {
  const media =
    item.kind === 'page'
      ? ''
      : `<div class="media">▶ ${escapeHtml(item.title)} (${item.kind} placeholder)</div>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(item.title)}</title><style>${STYLE}</style></head><body>
<p><a href="/">← back</a></p><h1>${escapeHtml(item.title)}</h1>${media}
<p class="open state">Unlocked: you are among ${escapeHtml(item.who)}.</p>
<p>The gate handed this page a signed token; its claims:</p><pre>${escapeHtml(JSON.stringify(claims, null, 2))}</pre>
</body></html>
`
}
