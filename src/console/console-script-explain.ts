/**
 * The Explain screen's script: the decision and every rule for a user.
 * A fragment of {@link CONSOLE_SCRIPT}: it runs inside its function and uses its helpers
 * (`$`, `el`, `post`, `showStatus`, `data`).
 */
export const EXPLAIN_SCRIPT = String.raw`
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
`
