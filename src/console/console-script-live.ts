/**
 * The Live screen's script: inline SVG charts and the feed, redrawn every 2 s; purges.
 * A fragment of {@link CONSOLE_SCRIPT}: it runs inside its function and uses its helpers
 * (`$`, `el`, `post`, `showStatus`, `data`).
 */
export const LIVE_SCRIPT = String.raw`
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
`
