import { EXPLAIN_SCRIPT } from './console-script-explain.js'
import { LIVE_SCRIPT } from './console-script-live.js'
import { RULES_SCRIPT } from './console-script-rules.js'

// Every page: helpers, sign-in and sign-out, and the rules' reload status.
const CORE_SCRIPT = String.raw`
  'use strict'
  var $ = function (id) { return document.getElementById(id) }
  var meta = document.querySelector('meta[name=csrf-token]')
  var csrf = meta ? meta.getAttribute('content') : ''
  var dataEl = $('console-data')
  var data = dataEl ? JSON.parse(dataEl.textContent) : {}
  var el = function (tag, cls, text) {
    var e = document.createElement(tag)
    if (cls) e.className = cls
    if (text !== undefined) e.textContent = text
    return e
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Accept: 'application/json' },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {} }).then(function (json) {
        if (!res.ok) { var e = new Error(json.message || ('HTTP ' + res.status)); e.body = json; throw e }
        return json
      })
    })
  }
  function time(ms) { return new Date(ms).toLocaleTimeString() }
  function showStatus(kind, text) {
    var s = $('status'); if (!s) return
    s.hidden = false; s.className = 'status ' + kind; s.textContent = text
  }

  var signOut = $('sign-out')
  if (signOut) signOut.addEventListener('click', function () {
    fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).then(function () { location.href = '/console' })
  })

  var wallet = $('wallet-login')
  if (wallet) wallet.addEventListener('click', function () {
    var eth = window.ethereum
    if (!eth) { $('wallet-hint').hidden = false; return }
    var address
    eth.request({ method: 'eth_requestAccounts' }).then(function (accounts) {
      address = accounts[0]
      return fetch('/auth/wallet/challenge?address=' + encodeURIComponent(address)).then(function (r) { return r.json() })
    }).then(function (challenge) {
      return eth.request({ method: 'personal_sign', params: [challenge.message, address] }).then(function (signature) {
        return fetch('/auth/wallet/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: challenge.message, signature: signature }) })
      })
    }).then(function (res) {
      if (res.ok) location.reload(); else { $('wallet-hint').hidden = false; $('wallet-hint').textContent = 'The wallet sign-in was refused.' }
    }).catch(function (err) { $('wallet-hint').hidden = false; $('wallet-hint').textContent = String(err && err.message || err) })
  })

  // Reload status: which rules are in force, and whether the last save took effect.
  function poll() {
    if (!csrf) return
    fetch('/console/api/status', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)) })
      .then(function (st) {
        var pending = sessionStorage.getItem('vibegate-pending')
        if (pending && st.hash === pending) {
          sessionStorage.removeItem('vibegate-pending')
          sessionStorage.setItem('vibegate-applied', pending)
        }
        var applied = sessionStorage.getItem('vibegate-applied')
        if (pending && st.hash !== pending) showStatus('warn', 'Saved. Waiting for the gate to reload the rules…')
        else if (!st.lastReloadOk) showStatus('bad', 'The rules file on disk was rejected; the rules loaded at ' + time(st.loadedAt) + ' stay in force.')
        else if (applied && applied === st.hash) showStatus('ok', 'Your change is in force since ' + time(st.loadedAt) + ': ' + st.rules + ' rules.')
        else showStatus('', st.rules + ' rules in force since ' + time(st.loadedAt) + ' (sha256 ' + st.hash.slice(0, 12) + ').')
        setTimeout(poll, pending ? 250 : 3000)
      }).catch(function () { showStatus('bad', 'The gate did not answer the status request.'); setTimeout(poll, 5000) })
  }
  poll()
`

/**
 * The console pages' script: plain browser JavaScript, sent inline under the page's CSP nonce
 * (no build step, no CDN). It builds every element with textContent, never from HTML strings.
 * One function; each screen's part does nothing on pages without its elements.
 */
export const CONSOLE_SCRIPT = `(function () {
${CORE_SCRIPT}
${RULES_SCRIPT}
${EXPLAIN_SCRIPT}
${LIVE_SCRIPT}
})()
`
