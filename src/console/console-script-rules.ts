/**
 * The rules screens' script: check as you type, preview a form's or the YAML tab's change
 * as a diff, save, move, delete and restore versions.
 * A fragment of {@link CONSOLE_SCRIPT}: it runs inside its function and uses its helpers
 * (`$`, `el`, `post`, `showStatus`, `data`).
 */
export const RULES_SCRIPT = String.raw`
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
      var replacing = form.getAttribute('data-replace')
      var edit = replacing ? { op: 'replace', id: replacing, rule: rule } : { op: 'add', rule: rule }
      if (!replacing && f.position.value !== 'end') edit.position = Number(f.position.value)
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



  document.querySelectorAll('[data-rollback]').forEach(function (b) {
    b.addEventListener('click', function () {
      b.disabled = true
      post('/console/api/rollback', { id: b.getAttribute('data-rollback') }).then(function (saved) {
        sessionStorage.setItem('vibegate-pending', saved.hash)
        location.href = '/console'
      }).catch(function (err) { b.disabled = false; showStatus('bad', err.message + ' ' + ((err.body && err.body.problems) || []).join(' ')) })
    })
  })
`
