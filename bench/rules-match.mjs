// npm run bench:rules — what rules files cost the gate, for 10 to 10,000 rules:
// 1. deciding which rule governs a request: canonicalising the path and matching it
//    (resolveRule), the work the gate does per request before any identity or ownership
//    lookup; and parsing the file on the calling thread (`rules check`);
// 2. hot-reloading the file (watchRules): parsed in a worker thread and compiled here in
//    slices, so the figure that matters is the longest stall of this thread's event loop
//    while it happens. The 50,000-rule file is beyond the 20,000-rule cap and is refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { clearInterval, setInterval, setTimeout } from 'node:timers'
import { parseRules } from '../dist/rules/load-rules.js'
import { resolveRule } from '../dist/rules/resolve-rule.js'
import { watchRules } from '../dist/rules/watch-rules.js'

/** A realistic rules file: per-artist video, photo and member areas, some host-bound. */
function rulesText(n, lastId = 'assets') {
  const lines = ['version: 1', 'default: deny', 'rules:']
  for (let i = 0; lines.length - 3 < n; i++) {
    const kind = i % 4
    if (kind === 0)
      lines.push(
        `  - { id: v${i}, match: { paths: ["/artists/a${i}/videos/**"], methods: [GET] }, require: { vibe: vibe${i}, token_ids: ["1-5"] } }`,
      )
    if (kind === 1)
      lines.push(
        `  - { id: p${i}, match: { paths: ["/artists/a${i}/photos/*/full"] }, require: { vibe: vibe${i} } }`,
      )
    if (kind === 2)
      lines.push(
        `  - { id: h${i}, match: { paths: ["/club/**"], hosts: [a${i}.fans.example.com] }, require: { issuer: artist${i} } }`,
      )
    if (kind === 3)
      lines.push(
        `  - { id: m${i}, match: { paths: ["/artists/a${i}/members/**"] }, access: authenticated }`,
      )
  }
  lines.push(`  - { id: ${lastId}, match: { paths: ["/", "/assets/**"] }, access: public }`)
  return `${lines.join('\n')}\n`
}

function requests(n) {
  const last = Math.max(0, n - 4)
  return [
    {
      method: 'GET',
      host: 'fans.example.com',
      target: `/artists/a${last}/videos/hd/seg-00042.ts?token=x`,
    },
    { method: 'GET', host: 'fans.example.com', target: `/artists/a${last + 1}/photos/17/full` },
    { method: 'GET', host: `a${last + 2}.fans.example.com`, target: '/club/news/2026' },
    { method: 'HEAD', host: 'fans.example.com', target: '/assets/css/app.css' },
    { method: 'GET', host: 'fans.example.com', target: '/nowhere/at/all' },
  ]
}

function measure(rules, reqs) {
  const iterations = 200_000
  for (let i = 0; i < 20_000; i++) resolveRule(rules, reqs[i % reqs.length])
  const started = performance.now()
  for (let i = 0; i < iterations; i++) resolveRule(rules, reqs[i % reqs.length])
  return ((performance.now() - started) * 1000) / iterations
}

console.log(
  `node ${process.version}; canonicalise + match one request (mixed: video segment, photo, host-bound club, public asset, no rule)`,
)
console.log('rules     parse here (ms)   per request (µs)')
for (const n of [10, 1_000, 10_000]) {
  const text = rulesText(n)
  const loadStarted = performance.now()
  const { rules } = parseRules(text, `bench-${n}.yaml`)
  const loadMs = performance.now() - loadStarted
  const reqs = requests(n)
  for (const r of reqs)
    if (resolveRule(rules, r).kind === 'bad_request') throw new Error('bench request refused')
  const perRequest = Math.min(measure(rules, reqs), measure(rules, reqs), measure(rules, reqs))
  console.log(
    `${String(rules.rules.length).padStart(6)}  ${loadMs.toFixed(1).padStart(15)}  ${perRequest.toFixed(3).padStart(17)}`,
  )
}

/** Reloads a file of `n` rules through watchRules; the longest stall of this thread, ms. */
async function reload(dir, n) {
  const file = join(dir, `reload-${n}.yaml`)
  await writeFile(file, rulesText(Math.min(n, 10)))
  const source = await watchRules({ file, pollIntervalMs: 60_000 })
  await writeFile(file, rulesText(n, 'assets-2'))
  const rss = process.memoryUsage.rss()
  let peak = rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const started = performance.now()
  await source.reload()
  const ms = performance.now() - started
  // A stall at the very end is recorded when the delayed timer fires: let it.
  await new Promise((resolve) => setTimeout(resolve, 50))
  delay.disable()
  clearInterval(sampler)
  const { lastReloadOk, rules } = source.status()
  await source.close()
  return { ms, stall: delay.max / 1e6, rss: (peak - rss) / 2 ** 20, lastReloadOk, rules }
}

console.log(
  "\nhot reload (watchRules): parsed in a worker, compiled here in slices; the RSS growth is mostly the worker's heap, released when it exits",
)
console.log('rules     reload (ms)   longest stall here (ms)   peak RSS growth (MiB)   outcome')
const dir = await mkdtemp(join(tmpdir(), 'vibegate-bench-'))
try {
  for (const n of [10, 1_000, 10_000, 50_000]) {
    const r = await reload(dir, n)
    const outcome = r.lastReloadOk
      ? `applied, ${r.rules} rules`
      : 'refused (more than 20,000 rules)'
    console.log(
      `${String(n + 1).padStart(6)}  ${r.ms.toFixed(0).padStart(13)}  ${r.stall.toFixed(1).padStart(24)}  ${r.rss.toFixed(0).padStart(22)}   ${outcome}`,
    )
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
