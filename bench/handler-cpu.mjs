// npm run bench:cpu — CPU per warm decision through the whole node:http stack (the HTTP
// parser, IncomingMessage, ServerResponse, header serialisation) with an in-memory socket:
// no kernel, no load generator, one process. It separates what the gate's own code costs
// from what the machine's sockets and scheduler add, which `npm run bench` cannot: on a
// shared 2-core VM its req/s move by a third between runs, while these figures move by a
// few percent.
//
// Rows, measured interleaved in ROUNDS rounds of N requests each over one keep-alive
// connection (the next request is sent once the answer is written):
//   bare             a node:http handler writing the gate's allow headers, JWT included
//   bare + server    the same behind createGateServer (the connection bookkeeping of serve)
//   gate, Bearer     vibegate's handler, warm Bearer decision, behind createGateServer
//
//   node bench/handler-cpu.mjs     (env N = 100000 requests per slice, ROUNDS = 5)
import { Buffer } from 'node:buffer'
import { createServer } from 'node:http'
import { Duplex } from 'node:stream'
import { setImmediate } from 'node:timers'
import { createGate } from '../dist/gate/create-gate.js'
import { createGateServer } from '../dist/http/gate-server.js'
import { loadFixture } from '../dist/simulator/fixture.js'
import { startSimulator } from '../dist/simulator/start-simulator.js'

const N = Number(process.env.N ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const root = (path) => new URL(`../${path}`, import.meta.url).pathname

// The subrequest nginx sends with the shipped example (examples/nginx/vibegate.conf).
const REQUEST = Buffer.from(
  [
    'GET /authz/auth-request HTTP/1.1',
    'X-Original-URI: /videos/yellow/hd/segment-00042.ts',
    'X-Original-Method: GET',
    'X-Forwarded-Host: 127.0.0.1',
    'Host: 127.0.0.1',
    'X-Forwarded-For: 127.0.0.1',
    'Authorization: Bearer demo-token-alice',
    '',
    '',
  ].join('\r\n'),
)

/** A socket in memory: what the server writes is handed to `onWrite`. */
class MemorySocket extends Duplex {
  constructor(onWrite) {
    super()
    this.onWrite = onWrite
    this.remoteAddress = '127.0.0.1'
    this.remoteFamily = 'IPv4'
    this.remotePort = 40_000
    this.localAddress = '127.0.0.1'
    this.localPort = 8080
  }
  _read() {}
  _write(chunk, _encoding, callback) {
    this.onWrite(chunk)
    callback()
  }
  setTimeout(ms) {
    this.timeout = ms
    return this
  }
  setNoDelay() {
    return this
  }
  setKeepAlive() {
    return this
  }
}

/** Sends `n` requests over one connection to `server`; resolves to the first non-200 head. */
function drive(server, n) {
  return new Promise((resolve) => {
    let left = n
    let wrong
    const socket = new MemorySocket((chunk) => {
      const head = chunk.toString('latin1', 0, 12)
      if (!head.startsWith('HTTP/1.1')) return
      if (head !== 'HTTP/1.1 200') wrong ??= chunk.toString('latin1').split('\r\n\r\n')[0]
      if (--left > 0) setImmediate(() => socket.push(REQUEST))
      else resolve(wrong)
    })
    server.emit('connection', socket)
    socket.push(REQUEST)
  })
}

const sim = await startSimulator({ fixture: await loadFixture(root('fixtures/demo.yaml')) })
const gate = await createGate({
  rules: root('rules/demo.yaml'),
  publicUrl: 'http://127.0.0.1:8080',
  oursong: { baseUrl: sim.url, apiKey: 'demo-key', apiSecret: 'demo-secret' },
  sessionSecret: 'bench-session-secret-0123456789abcdef',
  trustedProxies: '127.0.0.1',
})
try {
  const gateServer = createGateServer(gate.handler)
  // The gate's own answer, copied: the bare rows write exactly the same bytes.
  let allowHeaders
  const capture = createServer((req, res) => {
    const writeHead = res.writeHead.bind(res)
    res.writeHead = (status, headers) => {
      allowHeaders = headers
      return writeHead(status, headers)
    }
    gate.handler(req, res)
  })
  const wrong = await drive(capture, 1)
  if (wrong || !Array.isArray(allowHeaders)) throw new Error(`no warm allow:\n${wrong}`)
  const bareHandler = (_req, res) => {
    res.writeHead(200, allowHeaders)
    res.end()
  }
  const rows = [
    ['bare (the same headers)', createServer({ keepAliveTimeout: 65_000 }, bareHandler)],
    ['bare + createGateServer', createGateServer(bareHandler)],
    ['gate, Bearer (warm)', gateServer],
  ]
  for (const [, server] of rows) await drive(server, Math.min(N, 20_000)) // warm-up
  const figures = rows.map(() => [])
  for (let round = 0; round < ROUNDS; round++)
    for (const [i, [label, server]] of rows.entries()) {
      const before = process.cpuUsage()
      const failed = await drive(server, N)
      const used = process.cpuUsage(before)
      if (failed) throw new Error(`${label}: ${failed}`)
      figures[i].push((used.user + used.system) / N)
    }
  console.log(
    `node ${process.version}; ${ROUNDS} rounds of ${N} requests per row, one keep-alive connection in memory; µs of CPU per request`,
  )
  console.log(`${'row'.padEnd(28)}${'median'.padStart(8)}${'min'.padStart(8)}`)
  for (const [i, [label]] of rows.entries()) {
    const sorted = figures[i].sort((a, b) => a - b)
    const median = sorted[sorted.length >> 1]
    console.log(
      `${label.padEnd(28)}${median.toFixed(2).padStart(8)}${sorted[0].toFixed(2).padStart(8)}`,
    )
  }
} finally {
  await gate.close()
  await sim.close()
}
