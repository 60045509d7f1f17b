/**
 * The console pages' script: plain browser JavaScript, sent inline under the page's CSP nonce
 * (no build step, no CDN). It builds every element with textContent, never from HTML strings.
 */
export const CONSOLE_SCRIPT = String.raw`(function () {
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

  function renderProblems(list, check) {
    list.textContent = ''
    if (check.ok) list.appendChild(el('li', 'ok', check.summary))
    var editor = $('yaml')
    ;(check.problems || []).forEach(function (p) {
      var li = el('li', p.severity || 'error')
      if (editor && p.line) {
        // Jumps to the problem in the editor.
        var b = el('button', '', p.text)
        b.type = 'button'
        b.addEventListener('click', function () {
          var lines = editor.value.split('\n'), at = 0
          for (var i = 0; i < p.line - 1 && i < lines.length; i++) at += lines[i].length + 1
          at += Math.max(0, p.column - 1)
          editor.focus(); editor.setSelectionRange(at, at)
          editor.scrollTop = Math.max(0, (p.line - 5) * parseFloat(getComputedStyle(editor).lineHeight))
        })
        li.appendChild(b)
      } else li.textContent = p.text || p
      list.appendChild(li)
    })
  }
  var pendingText, pendingBase
  function preview(result) {
    var panel = $('preview'); if (!panel) return
    pendingText = result.text; pendingBase = result.base
    var diff = $('diff'); diff.textContent = ''
    var lines = result.diff, run = [], seen = false, changed = false
    function flush(atEnd) {
      var n = run.length, head, tail
      if (!seen) { head = []; tail = run.slice(-3) }
      else if (atEnd) { head = run.slice(0, 3); tail = [] }
      else if (n <= 7) { head = run; tail = [] }
      else { head = run.slice(0, 3); tail = run.slice(-3) }
      var skipped = n - head.length - tail.length
      head.forEach(function (l) { diff.appendChild(el('div', '', '  ' + l.text)) })
      if (skipped > 0) diff.appendChild(el('div', 'skip', '… ' + skipped + ' unchanged line' + (skipped === 1 ? '' : 's')))
      tail.forEach(function (l) { diff.appendChild(el('div', '', '  ' + l.text)) })
      run = []
    }
    lines.forEach(function (l) {
      if (l.op === ' ') { run.push(l); return }
      flush(false); seen = true; changed = true
      diff.appendChild(el('div', l.op === '+' ? 'add' : 'del', (l.op === '+' ? '+ ' : '− ') + l.text))
    })
    flush(true)
    if (!changed) { diff.textContent = ''; diff.appendChild(el('div', 'skip', 'No change.')) }
    renderProblems($('preview-problems'), result)
    $('save').disabled = !result.ok || !changed
    panel.hidden = false; panel.focus(); panel.scrollIntoView({ block: 'start' })
  }
  function failed(err) {
    var panel = $('preview')
    if (panel) {
      panel.hidden = false
      renderProblems($('preview-problems'), { ok: false, problems: [err.message].concat((err.body && err.body.problems) || []) })
      $('save').disabled = true
      $('diff').textContent = ''
      panel.focus()
    } else showStatus('bad', err.message)
  }
  if ($('cancel')) $('cancel').addEventListener('click', function () { $('preview').hidden = true })
  if ($('save')) $('save').addEventListener('click', function () {
    $('save').disabled = true
    post('/console/api/save', { text: pendingText, base: pendingBase }).then(function (saved) {
      sessionStorage.setItem('vibegate-pending', saved.hash)
      location.href = '/console'
    }).catch(failed)
  })

  document.querySelectorAll('[data-edit]').forEach(function (b) {
    b.addEventListener('click', function () {
      var edit = { op: b.getAttribute('data-edit'), id: b.getAttribute('data-id') }
      if (edit.op === 'move') edit.to = Number(b.getAttribute('data-to'))
      post('/console/api/edit', { edit: edit, base: data.base }).then(preview).catch(failed)
    })
  })

  var form = $('rule-form')
  if (form) {
    var kind = function () { return form.querySelector('input[name=kind]:checked').value }
    var sync = function () { $('vibe-fields').hidden = kind() !== 'vibe' }
    form.querySelectorAll('input[name=kind]').forEach(function (r) { r.addEventListener('change', sync) })
    sync()
    var split = function (v, sep) { return v.split(sep).map(function (s) { return s.trim() }).filter(Boolean) }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault()
      var f = form.elements
      var rule = {
        id: f.id.value.trim(), paths: split(f.paths.value, /\n/), hosts: split(f.hosts.value, ','),
        methods: Array.prototype.filter.call(form.querySelectorAll('input[name=methods]'), function (c) { return c.checked }).map(function (c) { return c.value })
      }
      if (f.description.value.trim()) rule.description = f.description.value.trim()
      if (f.ttl.value.trim()) rule.ttl = f.ttl.value.trim()
      if (kind() === 'vibe') {
        rule.vibe = f.vibe.value.trim()
        rule.tokenIds = split(f.token_ids.value, ',').map(function (t) { return /^\d+$/.test(t) ? Number(t) : t })
      } else rule.access = kind()
      var edit = { op: 'add', rule: rule }
      if (f.position.value !== 'end') edit.position = Number(f.position.value)
      post('/console/api/edit', { edit: edit, base: data.base }).then(preview).catch(failed)
    })
  }

  var yaml = $('yaml')
  if (yaml) {
    var timer, seq = 0
    var check = function () {
      var mine = ++seq
      return post('/console/api/check', { text: yaml.value }).then(function (result) {
        if (mine === seq) renderProblems($('problems'), result)
        return result
      })
    }
    yaml.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { check().catch(failed) }, 300) })
    $('review').addEventListener('click', function () { check().then(function (r) { r.text = yaml.value; r.base = data.base; preview(r) }).catch(failed) })
    $('revert').addEventListener('click', function () { yaml.value = data.text; check().catch(failed) })
  }


  var titles = {}
  function describeMissing(m) {
    if (m.issuer) return 'any vibe created by ' + m.issuer
    var s = (titles[m.vibe] ? '“' + titles[m.vibe] + '” (' + m.vibe + ')' : 'vibe ' + m.vibe)
    if (m.token_ids) s += ', token ' + m.token_ids.join(', ')
    if (m.min_amount) s += ', at least ' + m.min_amount
    return s
  }
  var explainForm = $('explain-form')
  if (explainForm) explainForm.addEventListener('submit', function (ev) {
    ev.preventDefault()
    var f = explainForm.elements, out = $('explain-result')
    post('/console/api/explain', { method: f.method.value, url: f.url.value, user: f.user.value }).then(function (r) {
      var e = r.explanation
      titles = r.titles || {}
      out.textContent = ''; out.hidden = false
      var verdict = el('p', 'verdict ' + e.decision, (e.decision === 'allow' ? 'Allowed' : 'Denied') + ' (' + e.status + (e.reason ? ' ' + e.reason : '') + ')')
      out.appendChild(verdict)
      var facts = el('dl')
      function fact(k, v) { facts.appendChild(el('dt', '', k)); facts.appendChild(el('dd', '', v)) }
      fact('Request', e.request.method + ' ' + (e.request.host ? '//' + e.request.host : '') + e.request.target)
      fact('Path matched', e.request.path === undefined ? '(refused: ' + (e.match.problem || '') + ')' : e.request.path)
      fact('Rule', e.match.kind === 'rule' ? e.match.id + ' (line ' + e.match.line + ')' : e.match.kind === 'default' ? 'none matches; default: ' + e.match.access : 'none')
      fact('Who', f.user.value.trim() ? f.user.value.trim() + (r.holdings && r.holdings.length ? ', holds ' + r.holdings.map(function (h) { return h.id + (h.token_ids.length ? ' #' + h.token_ids.join(',') : ' ×' + h.owned_amount) }).join('; ') : ', holds none of the vibes the rules name') : 'signed out')
      if (e.satisfied_by.length) fact('Met by', e.satisfied_by.map(function (h) { return h.id + (h.token_ids.length ? ' token ' + h.token_ids.join(', ') : ' ×' + h.owned_amount) }).join('; '))
      if (e.missing.length) fact('Would unlock', e.missing.map(describeMissing).join(' or '))
      if (e.token) fact('Token', e.token.ttl_seconds + ' s, audience ' + e.token.audience)
      out.appendChild(facts)
      out.appendChild(el('h2', '', 'What this user can access'))
      var table = el('table'), head = el('tr')
      ;['Rule', 'Access', 'Status'].forEach(function (h) { var th = el('th', '', h); th.scope = 'col'; head.appendChild(th) })
      var thead = el('thead'); thead.appendChild(head); table.appendChild(thead)
      var body = el('tbody')
      r.rules.forEach(function (rule) {
        var tr = el('tr'); tr.setAttribute('data-rule', rule.id)
        tr.appendChild(el('td', 'mono', rule.id))
        tr.appendChild(el('td', '', { require: 'holders only', authenticated: 'signed-in fans' }[rule.access] || rule.access))
        tr.appendChild(el('td', rule.unlocked ? 'allow' : 'deny', rule.unlocked ? '✓ unlocked' : '✗ locked: ' + (rule.missing.length ? 'needs ' + rule.missing.map(describeMissing).join(' or ') : 'sign in')))
        body.appendChild(tr)
      })
      table.appendChild(body); out.appendChild(table)
    }).catch(function (err) {
      var out = $('explain-result'); out.hidden = false; out.textContent = ''
      out.appendChild(el('p', 'verdict deny', err.message))
      ;((err.body && err.body.problems) || []).forEach(function (p) { out.appendChild(el('p', '', p)) })
    })
  })


  // Live: inline SVG bar charts and the feed, redrawn every 2 s.
  var SVG = 'http://www.w3.org/2000/svg'
  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG, tag)
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]) })
    return e
  }
  function bars(svg, seconds, series, unit) {
    svg.textContent = ''
    var w = 600, h = 140, left = 56, bottom = 18, n = seconds.length
    var top = 1
    seconds.forEach(function (s) { series.forEach(function (f) { top = Math.max(top, f.stack ? f.value(s) + (f.under ? f.under(s) : 0) : f.value(s)) }) })
    top = Math.ceil(top)
    var bw = (w - left) / n
    svg.appendChild(svgEl('line', { x1: left, y1: h - bottom, x2: w, y2: h - bottom, 'class': 'axis' }))
    var label = svgEl('text', { x: left - 6, y: 12, 'text-anchor': 'end', 'class': 'axis-label' }); label.textContent = top + unit; svg.appendChild(label)
    var zero = svgEl('text', { x: left - 6, y: h - bottom, 'text-anchor': 'end', 'class': 'axis-label' }); zero.textContent = '0'; svg.appendChild(zero)
    var ago = svgEl('text', { x: left, y: h - 4, 'class': 'axis-label' }); ago.textContent = n + ' s ago'; svg.appendChild(ago)
    var now = svgEl('text', { x: w, y: h - 4, 'text-anchor': 'end', 'class': 'axis-label' }); now.textContent = 'now'; svg.appendChild(now)
    seconds.forEach(function (s, i) {
      series.forEach(function (f) {
        var v = f.value(s); if (!v) return
        var base = f.under ? f.under(s) : 0
        var bh = (v / top) * (h - bottom - 4), by = h - bottom - ((base / top) * (h - bottom - 4)) - bh
        var r = svgEl('rect', { x: left + i * bw + (f.narrow ? bw * 0.3 : 0.5), y: by, width: Math.max(1, f.narrow ? bw * 0.4 : bw - 1), height: Math.max(1, bh), 'class': f.cls })
        var t = svgEl('title', {}); t.textContent = new Date(s.at).toLocaleTimeString() + ': ' + v + unit; r.appendChild(t)
        svg.appendChild(r)
      })
    })
  }
  var feedBody = $('feed')
  function live() {
    fetch('/console/api/live', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)) })
      .then(function (d) {
        var secs = d.seconds
        bars($('chart-decisions'), secs, [
          { value: function (s) { return s.allowed }, cls: 'bar-allow' },
          { value: function (s) { return s.denied }, under: function (s) { return s.allowed }, stack: true, cls: 'bar-deny' }
        ], '/s')
        bars($('chart-upstream'), secs, [
          { value: function (s) { return s.upstreamMaxMs }, cls: 'bar-max', narrow: true },
          { value: function (s) { return s.upstreamMeanMs }, cls: 'bar-mean' }
        ], ' ms')
        var total = 0, denied = 0, calls = 0, sum = 0
        secs.forEach(function (s) { total += s.allowed + s.denied; denied += s.denied; calls += s.upstreamCalls; sum += s.upstreamMeanMs * s.upstreamCalls })
        $('sum-decisions').textContent = total + ' decisions (' + denied + ' denied), ' + (total / secs.length).toFixed(2) + ' per second on average'
        $('sum-upstream').textContent = calls ? calls + ' OurSong calls, ' + (sum / calls).toFixed(1) + ' ms on average' : 'No OurSong calls.'
        feedBody.textContent = ''
        if (!d.recent.length) { var tr0 = el('tr'); var td0 = el('td', 'muted', 'No decisions yet.'); td0.colSpan = 5; tr0.appendChild(td0); feedBody.appendChild(tr0) }
        d.recent.forEach(function (e) {
          var tr = el('tr')
          tr.appendChild(el('td', '', new Date(e.at).toLocaleTimeString()))
          tr.appendChild(el('td', 'mono', e.user || '—'))
          tr.appendChild(el('td', 'mono', e.rule || '—'))
          tr.appendChild(el('td', e.outcome, (e.outcome === 'allow' ? '✓ allow ' : '✗ deny ') + e.status))
          tr.appendChild(el('td', '', e.reason || ''))
          feedBody.appendChild(tr)
        })
        setTimeout(live, 2000)
      }).catch(function (err) { showStatus('bad', 'Live data did not load: ' + err.message); setTimeout(live, 5000) })
  }
  if (feedBody) live()
  var purge = $('purge-form')
  if (purge) purge.addEventListener('submit', function (ev) {
    ev.preventDefault()
    var body = {}; body[purge.elements.kind.value] = purge.elements.value.value.trim()
    post('/console/api/purge', body).then(function (r) {
      $('purge-result').textContent = 'Purged ' + (r.purged.user ? 'user ' + r.purged.user : 'vibe ' + r.purged.vibe) + '.'
    }).catch(function (err) { $('purge-result').textContent = err.message + ' ' + ((err.body && err.body.problems) || []).join(' ') })
  })

  document.querySelectorAll('[data-rollback]').forEach(function (b) {
    b.addEventListener('click', function () {
      b.disabled = true
      post('/console/api/rollback', { id: b.getAttribute('data-rollback') }).then(function (saved) {
        sessionStorage.setItem('vibegate-pending', saved.hash)
        location.href = '/console'
      }).catch(function (err) { b.disabled = false; showStatus('bad', err.message + ' ' + ((err.body && err.body.problems) || []).join(' ')) })
    })
  })
})()
`
