// The goals of issue 10 and the table `npm run bench` prints: pure functions of the
// measured figures, so they can be tested without measuring anything.

export const GOALS = {
  /** Warm decisions (Bearer, session cookie): req/s at least this share of bare node:http. */
  shareOfBare: 0.6,
  /** ... with a p99 at most this multiple of bare's p99. */
  p99OfBare: 2,
  /** nginx static behind auth_request to vibegate: at least this share of the bare-200 ceiling. */
  shareOfCeiling: 0.85,
  /** nginx static through the edge pass (no subrequest): at least this share of the same nginx ungated. */
  edgeShareOfStatic: 0.5,
  /** N worker processes (N = cores, at least 2): at least this multiple of one worker. */
  workerSpeedup: 1.6,
  /** RSS over the long warm run: its end within this fraction of its start. */
  rssBand: 0.1,
}

/**
 * Other processes on the machine (or the hypervisor's steal) taking more than this many
 * cores during a row: its figures are marked as disturbed.
 */
export const DISTURBED_CORES = 0.1

/**
 * One row's figure from its interleaved slices: those that other processes did not
 * disturb when there are any, else all. req/s is their mean, p99 their median
 * (percentiles of separate runs cannot be merged exactly; the median ignores one outlier),
 * and the CPU others took is the mean; counts (requests, errors, OurSong calls) are summed
 * over every slice. `slices` is how many slices the figures are of.
 */
export function combineSlices(all) {
  if (all.length === 0) throw new Error('no slices')
  // Slices others disturbed are left out when there are undisturbed ones.
  const quiet = all.filter((s) => (disturbance(s) ?? 0) <= DISTURBED_CORES)
  const slices = quiet.length > 0 ? quiet : all
  const mean = (key) => slices.reduce((a, s) => a + (s[key] ?? 0), 0) / slices.length
  // Counts are of every slice: an error or an OurSong call in any of them counts.
  const sum = (key) => all.reduce((a, s) => a + s[key], 0)
  const calls = {}
  for (const slice of all)
    for (const [key, n] of Object.entries(slice.calls ?? {})) calls[key] = (calls[key] ?? 0) + n
  return {
    rps: mean('rps'),
    p99Ms: median(slices.map((s) => s.p99Ms)),
    requests: sum('requests'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    otherCores: mean('otherCores'),
    stealCores: mean('stealCores'),
    calls,
    slices: slices.length,
  }
}

const pct = (x) => `${(x * 100).toFixed(1)}%`
const ms = (x) => (x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(1)} ms`)

/**
 * The verdict of a goal: 'pass', 'FAIL', or 'pass?' when it was met but one of the rows it
 * compares was measured while other processes took CPU (not trusted: a failure for --check).
 */
function verdict(label, ok, rows, failures) {
  if (!ok) return 'FAIL'
  if (rows.some((row) => (disturbance(row) ?? 0) > DISTURBED_CORES)) {
    failures.push(`${label}: met, but measured while other processes took CPU; measure again`)
    return 'pass?'
  }
  return 'pass'
}

/** A load run that saw a status >= 400 or a socket error did not measure what it says. */
function clean(label, figures, failures) {
  const bad = figures.non2xx + figures.errors
  if (bad > 0)
    failures.push(
      `${label}: ${figures.non2xx} non-2xx answers and ${figures.errors} socket errors during the run`,
    )
  return bad === 0
}

/**
 * The table's lines and the goals that failed, from the figures of one run:
 * `{ bare?, bearer?, session?, nginx?: { static, ceiling, gate, edge? }, workers?: { n,
 * processes, one, many, pipelining?, unpipelined?: { one, many } } }`, each figure `{ rps,
 * p99Ms, non2xx, errors }`; `nginx.edge` (with `nginx.edgeUngated`, the same configuration ungated) also has `misses`, the share of its requests the
 * edge sent to the gate. `workers.processes` is the number of worker processes seen under
 * `VIBEGATE_WORKERS=n` (0: the variable was ignored); `pipelining` the requests each
 * connection sent at once in the judged rows; `unpipelined` the same rows without
 * pipelining, shown for reference.
 */
export function evaluate(results) {
  const lines = []
  const failures = []
  const { bare } = results
  if (bare) {
    clean('bare node:http', bare, failures)
    lines.push({ label: 'bare node:http (200, 3 headers)', figures: bare, share: '100%', goal: '' })
  }
  for (const [key, label] of [
    ['bearer', 'auth-request, Bearer (warm)'],
    ['session', 'auth-request, session cookie (warm)'],
  ]) {
    const figures = results[key]
    if (!figures || !bare) continue
    const share = figures.rps / bare.rps
    const p99Ratio = figures.p99Ms / bare.p99Ms
    const okShare = share >= GOALS.shareOfBare
    const okP99 = p99Ratio <= GOALS.p99OfBare
    const ok = clean(label, figures, failures) && okShare && okP99
    if (!okShare)
      failures.push(
        `${label}: ${pct(share)} of bare node:http's req/s (goal >= ${pct(GOALS.shareOfBare)})`,
      )
    if (!okP99)
      failures.push(
        `${label}: p99 ${p99Ratio.toFixed(2)}x bare's (goal <= ${GOALS.p99OfBare}x: ${ms(bare.p99Ms * GOALS.p99OfBare)})`,
      )
    lines.push({
      label,
      figures,
      share: pct(share),
      goal: `${verdict(label, ok, [bare, figures], failures)} (>= ${pct(GOALS.shareOfBare)}, p99 ${p99Ratio.toFixed(1)}x <= ${GOALS.p99OfBare}x)`,
    })
  }
  if (results.nginx) {
    const { static: ungated, ceiling, gate } = results.nginx
    clean('nginx static', ungated, failures)
    clean('nginx auth_request -> bare 200', ceiling, failures)
    lines.push({ section: 'nginx, 1 KiB static file (share: of the ceiling)' })
    lines.push({
      label: 'nginx static, ungated',
      figures: ungated,
      share: pct(ungated.rps / ceiling.rps),
      goal: '',
    })
    lines.push({
      label: 'nginx auth_request -> bare 200 (ceiling)',
      figures: ceiling,
      share: '100%',
      goal: '',
    })
    const share = gate.rps / ceiling.rps
    const ok =
      clean('nginx auth_request -> vibegate', gate, failures) && share >= GOALS.shareOfCeiling
    if (share < GOALS.shareOfCeiling)
      failures.push(
        `nginx auth_request -> vibegate: ${pct(share)} of the bare-200 ceiling (goal >= ${pct(GOALS.shareOfCeiling)})`,
      )
    lines.push({
      label: 'nginx auth_request -> vibegate (Bearer)',
      figures: gate,
      share: pct(share),
      goal: `${verdict('nginx auth_request -> vibegate', ok, [ceiling, gate], failures)} (>= ${pct(GOALS.shareOfCeiling)})`,
    })
    const { edge, edgeUngated } = results.nginx
    if (edge && edgeUngated) {
      const label = 'nginx edge pass (njs)'
      lines.push({
        label: 'nginx static, ungated, edge example config',
        figures: edgeUngated,
        share: pct(edgeUngated.rps / ceiling.rps),
        goal: `(${pct(edgeUngated.rps / ungated.rps)} of the plain static row: sendfile, MIME types)`,
      })
      const ofSame = edge.rps / edgeUngated.rps
      const okEdge = clean(label, edge, failures) && ofSame >= GOALS.edgeShareOfStatic
      if (ofSame < GOALS.edgeShareOfStatic)
        failures.push(
          `${label}: ${pct(ofSame)} of the same nginx ungated (goal >= ${pct(GOALS.edgeShareOfStatic)})`,
        )
      lines.push({
        label: `${label}, ${pct(edge.misses)} to the gate`,
        figures: edge,
        share: pct(edge.rps / ceiling.rps),
        goal: `${verdict(label, okEdge, [edgeUngated, edge], failures)} (${pct(ofSame)} of the same nginx ungated >= ${pct(GOALS.edgeShareOfStatic)}; ${pct(edge.rps / ungated.rps)} of plain static)`,
      })
    }
  }
  if (results.workers) {
    const { n, processes, one, many, pipelining = 1, unpipelined } = results.workers
    lines.push({
      section: `workers, Bearer, REDIS_URL set${pipelining > 1 ? `, ${pipelining} requests pipelined per connection` : ''} (share: speed-up over 1 worker)`,
    })
    clean('1 worker', one, failures)
    // wrk's latency under pipelining is that of a whole batch, and is not comparable.
    const noP99 = pipelining > 1
    lines.push({ label: 'VIBEGATE_WORKERS=1', figures: one, share: '1.00x', goal: '', noP99 })
    const speedup = many.rps / one.rps
    let goal
    if (n < 2) {
      goal = 'n/a (1 core)'
    } else {
      const ok =
        clean(`${n} workers`, many, failures) && processes >= n && speedup >= GOALS.workerSpeedup
      if (processes < n)
        failures.push(
          `VIBEGATE_WORKERS=${n}: ${processes} worker processes seen (the variable is not implemented by this build)`,
        )
      else if (speedup < GOALS.workerSpeedup)
        failures.push(
          `VIBEGATE_WORKERS=${n}: ${speedup.toFixed(2)}x one worker (goal >= ${GOALS.workerSpeedup}x)`,
        )
      goal = `${verdict(`VIBEGATE_WORKERS=${n}`, ok, [one, many], failures)} (>= ${GOALS.workerSpeedup}x)${processes < n ? ` ${processes} workers seen` : ''}`
    }
    lines.push({
      label: `VIBEGATE_WORKERS=${n}`,
      figures: many,
      share: `${speedup.toFixed(2)}x`,
      goal,
      noP99,
    })
    if (unpipelined) {
      // For reference, not judged: one request per round trip, where the load generator's
      // own CPU on a small machine caps both rows alike.
      lines.push({ section: 'the same, one request per round trip (not judged: see the README)' })
      lines.push({
        label: 'VIBEGATE_WORKERS=1',
        figures: unpipelined.one,
        share: '1.00x',
        goal: '',
      })
      lines.push({
        label: `VIBEGATE_WORKERS=${n}`,
        figures: unpipelined.many,
        share: `${(unpipelined.many.rps / unpipelined.one.rps).toFixed(2)}x`,
        goal: '',
      })
    }
  }
  return { lines, failures }
}

/** Cores taken by others during a row (other processes and steal), when it was recorded. */
export function disturbance(figures) {
  if (figures.otherCores === undefined) return undefined
  return figures.otherCores + (figures.stealCores ?? 0)
}

/** The lines of {@link evaluate} as a fixed-width text table. */
export function formatTable(lines) {
  const head = `${'row'.padEnd(42)}${'req/s'.padStart(9)}${'p99'.padStart(11)}${'share'.padStart(9)}${'other'.padStart(8)}   goal`
  const out = [head, '-'.repeat(head.length + 30)]
  for (const line of lines) {
    if (line.section) {
      out.push(`-- ${line.section}`)
      continue
    }
    const { rps, p99Ms } = line.figures
    const other = disturbance(line.figures)
    const mark =
      other === undefined ? '' : `${other.toFixed(2)}${other > DISTURBED_CORES ? '*' : ' '}`
    out.push(
      `${line.label.padEnd(42)}${rps.toFixed(0).padStart(9)}${(line.noP99 ? '-' : ms(p99Ms)).padStart(11)}${line.share.padStart(9)}${mark.padStart(8)}   ${line.goal}`.trimEnd(),
    )
  }
  out.push(
    `other: cores other processes used (and the hypervisor stole) during the row; * above ${DISTURBED_CORES}: disturbed, measure again`,
  )
  return out.join('\n')
}

/**
 * The verdict of the long warm run from its RSS samples (MiB, in order, all taken after the
 * warm-up). A collected heap makes RSS saw up and down by a fifth or more within seconds, so
 * single samples say little: start is the median of the first `window` samples, end the
 * median of the last `window`, and the run is flat when end is within `GOALS.rssBand` of
 * start. min and max of all samples are reported beside it.
 */
export function judgeRss(samples, window = 1) {
  if (samples.length === 0) throw new Error('no RSS samples')
  const n = Math.max(1, Math.min(window, Math.floor(samples.length / 2) || 1))
  const start = median(samples.slice(0, n))
  const end = median(samples.slice(-n))
  const low = start * (1 - GOALS.rssBand)
  const high = start * (1 + GOALS.rssBand)
  return {
    start,
    end,
    min: Math.min(...samples),
    max: Math.max(...samples),
    low,
    high,
    pass: end >= low && end <= high,
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
