// npm run soak — `vibegate serve` under a mixed, bounded load on loopback, for SOAK_SECONDS
// (default 60): valid fans deciding all along, one address flooding random Bearer tokens,
// and idle sockets that reconnect as the gate closes them. Passes (exit 0) when every valid
// fan's decision was 200 and the gate's open descriptors and RSS stayed within 10% of
// their start. The start is the highest reading of the first SOAK_WARMUP_SECONDS (default
// 20) with the whole load running: the idle sockets cycle every 10 s, so the warm-up sees
// two cycles, and V8 sizes its heap for the load. Prints the figures either way, and a
// last line `soak-json: {...}` for scripts.
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadFixture } from '../dist/simulator/fixture.js'
import { startSimulator } from '../dist/simulator/start-simulator.js'

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60)
const WARMUP = Number(process.env.SOAK_WARMUP_SECONDS ?? Math.min(20, SECONDS / 3))
const IDLE_SOCKETS = Number(process.env.SOAK_IDLE_SOCKETS ?? 1000)
const FAN_LOOPS = 8
const FLOOD_LOOPS = 16
const TOLERANCE = 0.1

/** A free port below the ephemeral range (nginx's subrequest sockets live there). */
async function freeLowPort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const probe = createServer()
    const free = await new Promise((resolve) => {
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (free) return new Promise((resolve) => probe.close(() => resolve(port)))
  }
}

const sim = await startSimulator({ fixture: await loadFixture(root('fixtures/demo.yaml')) })
const dir = await mkdtemp(join(tmpdir(), 'vibegate-soak-'))
await writeFile(
  join(dir, 'rules.yaml'),
  `version: 1
rules:
  - { id: yellow, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }
  - { id: members, match: { paths: ["/members/**"] }, access: authenticated }
`,
)
const port = await freeLowPort()
const gate = spawn(process.execPath, [root('dist/cli.js'), 'serve'], {
  env: {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    VIBEGATE_RULES: join(dir, 'rules.yaml'),
    VIBEGATE_SESSION_SECRET: 'soak-session-secret-0123456789abcdef',
    OURSONG_BASE_URL: sim.url,
    OURSONG_API_KEY: 'demo-key',
    OURSONG_API_SECRET: 'demo-secret',
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
})
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break
  } catch {
    if (i > 200) throw new Error('vibegate serve did not start')
  }
  await new Promise((r) => setTimeout(r, 50))
}

const agent = new Agent({ keepAlive: true, maxSockets: FAN_LOOPS + FLOOD_LOOPS })
/** One decision: its status, or 'error'. */
const decide = (uri, token, address) =>
  new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/authz/auth-request',
        agent,
        timeout: 5000,
        headers: {
          'X-Original-Method': 'GET',
          'X-Original-URI': uri,
          'X-Forwarded-For': address,
          Authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve('error'))
    req.end()
  })

const FANS = [
  { token: 'demo-token-alice', uri: '/videos/yellow/hd/segment-1.ts', address: '198.51.100.1' },
  { token: 'demo-token-bob', uri: '/members/news.html', address: '198.51.100.2' },
  { token: 'demo-token-carol', uri: '/members/news.html', address: '198.51.100.3' },
  { token: 'demo-token-dave', uri: '/members/news.html', address: '198.51.100.4' },
]
const deadline = Date.now() + SECONDS * 1000
const fan = { ok: 0, other: {} }
const flood = { sent: 0, statuses: {} }
let running = true

const fanLoop = async (i) => {
  const { token, uri, address } = FANS[i % FANS.length]
  while (running) {
    const status = await decide(uri, token, address)
    if (status === 200) fan.ok++
    else fan.other[status] = (fan.other[status] ?? 0) + 1
  }
}
const floodLoop = async () => {
  while (running) {
    const status = await decide(
      '/videos/yellow/hd/segment-1.ts',
      `random-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
      '203.0.113.66',
    )
    flood.sent++
    flood.statuses[status] = (flood.statuses[status] ?? 0) + 1
  }
}
// Idle sockets: opened, never written to; reopened whenever the gate closes one.
let idleOpened = 0
const openIdle = () => {
  if (!running) return
  const socket = connect(port, '127.0.0.1')
  idleOpened++
  socket.on('error', () => undefined)
  socket.once('close', () => setTimeout(openIdle, 10))
  idleSockets.add(socket)
  socket.once('close', () => idleSockets.delete(socket))
}
const idleSockets = new Set()
for (let i = 0; i < IDLE_SOCKETS; i++) openIdle()

const sample = async () => {
  const fds = (await readdir(`/proc/${gate.pid}/fd`)).length
  const status = await readFile(`/proc/${gate.pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1])
  return { fds, rssMb: rssKb / 1024 }
}
const before = await sample()
const loops = [
  ...Array.from({ length: FAN_LOOPS }, (_, i) => fanLoop(i)),
  ...Array.from({ length: FLOOD_LOOPS }, floodLoop),
]
const samples = []
while (Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 1000))
  const s = await sample()
  samples.push({ t: Math.round(SECONDS - (deadline - Date.now()) / 1000), ...s })
}
running = false
await Promise.all(loops)
for (const socket of idleSockets) socket.destroy()
const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
const upstream = await (await fetch(`${sim.url}/__sim/calls`)).json()
gate.kill('SIGTERM')
await new Promise((resolve) => gate.once('exit', resolve))
await sim.close()
await rm(dir, { recursive: true, force: true })
agent.destroy()

const highest = (list) => ({
  fds: Math.max(...list.map((s) => s.fds)),
  rssMb: Math.max(...list.map((s) => s.rssMb)),
})
const start = highest(samples.filter((s) => s.t <= WARMUP))
const peak = highest(samples.filter((s) => s.t > WARMUP))
const fdsOk = peak.fds <= start.fds * (1 + TOLERANCE)
const rssOk = peak.rssMb <= start.rssMb * (1 + TOLERANCE)
const fansOk = Object.keys(fan.other).length === 0 && fan.ok > 0
const rateLimited = /vibegate_decisions_total\{[^}]*reason="rate_limited"\} (\d+)/g
const limitedCount = [...metrics.matchAll(rateLimited)].reduce((a, m) => a + Number(m[1]), 0)

console.log(
  `soak: ${SECONDS} s on loopback, node ${process.version}; ${FAN_LOOPS} fan loops, ${FLOOD_LOOPS} random-token loops from one address, ${IDLE_SOCKETS} idle sockets`,
)
console.log(
  `valid fans:   ${fan.ok} decisions, all 200: ${fansOk ? 'yes' : `NO ${JSON.stringify(fan.other)}`}`,
)
console.log(
  `flood:        ${flood.sent} decisions ${JSON.stringify(flood.statuses)}; rate_limited in metrics: ${limitedCount}; OurSong auth-user calls: ${upstream['GET /api/open-api/auth-user'] ?? 0}`,
)
console.log(`idle sockets: ${idleOpened} opened (the gate closes a silent one after 10 s)`)
console.log(
  `descriptors:  ${before.fds} before load, ${start.fds} in the first ${WARMUP} s, peak ${peak.fds} after: ${fdsOk ? 'within' : 'OUTSIDE'} 10%`,
)
console.log(
  `RSS:          ${before.rssMb.toFixed(1)} MB before load, ${start.rssMb.toFixed(1)} MB in the first ${WARMUP} s, peak ${peak.rssMb.toFixed(1)} MB after: ${rssOk ? 'within' : 'OUTSIDE'} 10%`,
)
console.log(
  `every 5 s:    ${samples
    .filter((s) => s.t % 5 === 0)
    .map((s) => `${s.t}s ${s.fds} fds ${s.rssMb.toFixed(0)} MB`)
    .join(', ')}`,
)
console.log(fansOk && fdsOk && rssOk ? 'soak: PASS' : 'soak: FAIL')
console.log(
  `soak-json: ${JSON.stringify({ fan, flood, rateLimited: limitedCount, authUserCalls: upstream['GET /api/open-api/auth-user'] ?? 0, idleOpened, before, start, peak, fansOk, fdsOk, rssOk })}`,
)
process.exitCode = fansOk && fdsOk && rssOk ? 0 : 1
