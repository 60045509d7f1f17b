import type { IncomingMessage, ServerResponse } from 'node:http'

/** Where the gate serves {@link FAN_PAGE_SCRIPT} (under /auth/, which proxies pass to the gate). */
export const FAN_PAGE_SCRIPT_PATH = '/auth/fan-page.js'

/**
 * The one script of the fan pages, a file rather than inline code so the pages' CSP allows
 * scripts from the gate alone: "Sign in with a wallet" (the browser wallet signs the gate's
 * EIP-4361 challenge) and "Sign out" (POST /auth/logout, then the same page again, signed out: its sign-in buttons switch account). Without it the
 * pages still work: the OurSong sign-in and buy links are plain links.
 */
export const FAN_PAGE_SCRIPT = `'use strict'
;(() => {
  const status = document.getElementById('vg-status')
  const say = (text) => { if (status) status.textContent = text }
  const wallet = document.getElementById('vg-wallet')
  if (wallet) wallet.addEventListener('click', async () => {
    const eth = window.ethereum
    if (!eth) return say('No browser wallet found. Install one, or sign in with OurSong.')
    try {
      wallet.disabled = true
      say('Waiting for your wallet…')
      const [address] = await eth.request({ method: 'eth_requestAccounts' })
      const challenge = await fetch(wallet.dataset.challenge + '?address=' + encodeURIComponent(address), { credentials: 'include' })
      if (!challenge.ok) throw new Error('challenge')
      const { message } = await challenge.json()
      const signature = await eth.request({ method: 'personal_sign', params: [message, address] })
      const login = await fetch(wallet.dataset.login, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature }) })
      if (!login.ok) throw new Error('login')
      say('Signed in. Loading…')
      location.reload()
    } catch {
      say('Wallet sign-in did not work. Try again, or sign in with OurSong.')
    } finally {
      wallet.disabled = false
    }
  })
  const signout = document.getElementById('vg-signout')
  if (signout) signout.addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      await fetch(signout.action, { method: 'POST', credentials: 'include' })
      location.reload()
    } catch {
      say('Signing out did not work. Try again.')
    }
  })
})()
`

/** Serves {@link FAN_PAGE_SCRIPT}; false for any other path. */
export function serveFanPageScript(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean {
  if (path !== FAN_PAGE_SCRIPT_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false
  res.writeHead(200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': 'public, max-age=300',
    // Pages on a content host (behind forward-auth) load it from the gate's origin.
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  })
  res.end(req.method === 'HEAD' ? undefined : FAN_PAGE_SCRIPT)
  return true
}
