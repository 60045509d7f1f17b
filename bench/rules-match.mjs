// npm run bench:rules — the cost of deciding which rule governs a request, for rule sets of
// 10, 1,000 and 10,000 rules: canonicalising the path and matching it (resolveRule), the
// work the gate does per request before any identity or ownership lookup.
import { performance } from 'node:perf_hooks'
import { parseRules } from '../dist/rules/load-rules.js'
import { resolveRule } from '../dist/rules/resolve-rule.js'

/** A realistic rules file: per-artist video, photo and member areas, some host-bound. */
function rulesText(n) {
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
  lines.push('  - { id: assets, match: { paths: ["/", "/assets/**"] }, access: public }')
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
console.log('rules     load (ms)   per request (µs)')
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
    `${String(rules.rules.length).padStart(6)}  ${loadMs.toFixed(1).padStart(10)}  ${perRequest.toFixed(3).padStart(17)}`,
  )
}
