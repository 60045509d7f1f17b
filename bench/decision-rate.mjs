// npm run bench — the warm decision rate of /authz/auth-request beside a bare node:http
// handler, measured in the same run on the same machine with the same load generator.
// Warm: a valid Bearer identity cached, holdings cached, the JWT reusable; the gate then
// signs nothing and calls nothing upstream, which the figures below also check.
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createGate } from '../dist/gate/create-gate.js'
import { loadFixture } from '../dist/simulator/fixture.js'
import { startSimulator } from '../dist/simulator/start-simulator.js'

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 50

const listen = (server) =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)),
  )

const sim = await startSimulator({ fixture: await loadFixture(root('fixtures/demo.yaml')) })
const gate = await createGate({
  rules: root('rules/demo.yaml'),
  publicUrl: 'http://localhost:8080',
  oursong: { baseUrl: sim.url, apiKey: 'demo-key', apiSecret: 'demo-secret' },
  sessionSecret: 'bench-session-secret-0123456789abcdef',
})
const gateServer = createServer(gate.handler)
const bareServer = createServer((_req, res) => {
  res.setHeader('Authorization', 'Bearer x')
  res.setHeader('X-Vibegate-User', 'u')
  res.setHeader('X-Vibegate-Rule', 'r')
  res.end()
})
const gateUrl = await listen(gateServer)
const bareUrl = await listen(bareServer)

const headers = {
  'X-Original-Method': 'GET',
  'X-Original-URI': '/videos/yellow/hd/segment-00042.ts',
  Authorization: 'Bearer demo-token-alice',
}
const warm = await fetch(`${gateUrl}/authz/auth-request`, { headers })
if (warm.status !== 200) throw new Error(`the warm-up request was not allowed: ${warm.status}`)

// The load generator runs in a process of its own, so it does not share the servers' CPU time slices.
const AUTOCANNON = root('node_modules/autocannon/autocannon.js')
const run = (url, path, requestHeaders) =>
  new Promise((resolve, reject) => {
    const args = [AUTOCANNON, '-j', '-c', String(CONNECTIONS), '-d', String(DURATION)]
    for (const [name, value] of Object.entries(requestHeaders)) args.push('-H', `${name}=${value}`)
    args.push(`${url}${path}`)
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout)),
    )
  })

const callsBefore = await (await fetch(`${sim.url}/__sim/calls`)).json()
const bare = await run(bareUrl, '/', {})
const decided = await run(gateUrl, '/authz/auth-request', headers)
const callsAfter = await (await fetch(`${sim.url}/__sim/calls`)).json()
const metrics = await gate.metrics.registry.getSingleMetricAsString(
  'vibegate_ownership_lookups_total',
)

const upstreamCalls =
  Object.values(callsAfter).reduce((a, b) => a + b, 0) -
  Object.values(callsBefore).reduce((a, b) => a + b, 0)
const non2xx = decided.non2xx + decided.errors
console.log(
  `node ${process.version}; ${CONNECTIONS} connections, ${DURATION} s each, autocannon in a separate process on the same machine`,
)
console.log(
  `bare node:http handler      ${bare.requests.average.toFixed(0).padStart(7)} req/s   p99 ${bare.latency.p99} ms`,
)
console.log(
  `warm /authz/auth-request    ${decided.requests.average.toFixed(0).padStart(7)} req/s   p99 ${decided.latency.p99} ms`,
)
console.log(
  `ratio                       ${((decided.requests.average / bare.requests.average) * 100).toFixed(1)}% of bare node:http`,
)
console.log(`during the gate run: ${upstreamCalls} OurSong calls, ${non2xx} non-2xx answers`)
console.log(
  metrics
    .split('\n')
    .filter((l) => l.startsWith('vibegate_ownership_lookups_total{'))
    .join('\n'),
)

for (const server of [gateServer, bareServer]) {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}
await gate.close()
await sim.close()
