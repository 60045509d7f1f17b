import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { createGateServer, type GateServer } from '../../src/http/gate-server.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET } from '../helpers/test-fixture.js'

let sim: SimulatorHarness
let gate: Gate
let server: GateServer | undefined
const sockets: Socket[] = []

beforeAll(async () => {
  sim = await startTestSimulator()
  gate = await createGate({
    rules: {
      version: 1,
      rules: [{ id: 'open', match: { paths: ['/open/**'] }, access: 'public' }],
    },
    publicUrl: 'http://gate.test',
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'b'.repeat(40),
  })
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  if (server) {
    server.closeAllConnections()
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
  }
})
afterAll(async () => {
  await gate.close()
  await sim.close()
})

async function listen(limits: Parameters<typeof createGateServer>[1]): Promise<number> {
  server = createGateServer(gate.handler, limits)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** Opens `count` connections that never send a byte. */
async function idleSockets(port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, () => {
        const socket = connect(port, '127.0.0.1')
        socket.on('error', () => undefined)
        sockets.push(socket)
        return new Promise((resolve) => socket.once('connect', resolve))
      }),
    )
  }
}

/** One decision on a fresh connection: its status and how long it took, ms. */
async function decide(port: number): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  const response = await fetch(`http://127.0.0.1:${port}/authz/auth-request`, {
    headers: { 'X-Original-Method': 'GET', 'X-Original-URI': '/open/a.css', Connection: 'close' },
    signal: AbortSignal.timeout(5000),
  })
  return { status: response.status, ms: performance.now() - started }
}

describe('the gate server under idle and slow clients', () => {
  test('thousands of idle sockets: a decision still answers within 100 ms', async () => {
    const port = await listen({})
    await idleSockets(port, 3000)
    for (let i = 0; i < 100 && server!.connectionStats().open < 3000; i++)
      await new Promise((resolve) => setTimeout(resolve, 20))
    expect(server!.connectionStats().open).toBe(3000)
    const { status, ms } = await decide(port)
    expect(status).toBe(200)
    expect(ms).toBeLessThan(100)
  })

  test('past the cap, the longest-idle connection makes room: idle sockets cannot keep a proxy out', async () => {
    const port = await listen({ maxConnections: 100 })
    await idleSockets(port, 400)
    for (let i = 0; i < 5; i++) expect((await decide(port)).status).toBe(200)
    const stats = server!.connectionStats()
    expect(stats.open).toBeLessThanOrEqual(100)
    expect(stats.evicted).toBeGreaterThanOrEqual(300)
  })

  test('a client that sends its headers too slowly is cut off', async () => {
    const port = await listen({ headersTimeoutMs: 300, requestTimeoutMs: 600 })
    const slow = connect(port, '127.0.0.1')
    sockets.push(slow)
    slow.on('error', () => undefined)
    await new Promise((resolve) => slow.once('connect', resolve))
    slow.write('GET /healthz HTTP/1.1\r\nHost: gate.test\r\nX-Slow: ')
    const drip = setInterval(() => slow.writable && slow.write('a'), 100)
    const closed = await new Promise<string>((resolve) => {
      let answer = ''
      slow.on('data', (chunk: Buffer) => (answer += chunk.toString()))
      slow.once('close', () => resolve(answer))
    })
    clearInterval(drip)
    expect(closed).toMatch(/^HTTP\/1\.1 408/)
  })

  test('a socket that never sends a byte is closed after the headers timeout', async () => {
    const port = await listen({ headersTimeoutMs: 300 })
    const silent = connect(port, '127.0.0.1')
    sockets.push(silent)
    silent.on('error', () => undefined)
    const started = performance.now()
    await new Promise((resolve) => silent.once('close', resolve))
    expect(performance.now() - started).toBeLessThan(2000)
  })

  test('connection counts stay right when clients vanish mid-request, pipeline, or linger', async () => {
    // A handler that answers /slow after 100 ms, anything else at once.
    server = createGateServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 100)
      else res.end('now')
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const open = async (): Promise<Socket> => {
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => undefined)
      sockets.push(socket)
      await new Promise((resolve) => socket.once('connect', resolve))
      return socket
    }
    const request = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`
    const settle = async (open: number): Promise<void> => {
      for (let i = 0; i < 100 && server!.connectionStats().open !== open; i++)
        await new Promise((resolve) => setTimeout(resolve, 20))
      expect(server!.connectionStats().open).toBe(open)
    }
    const vanishing = await Promise.all(Array.from({ length: 5 }, open))
    for (const s of vanishing) s.write(request('/slow'))
    const staying = await Promise.all(Array.from({ length: 5 }, open))
    // Two pipelined requests each, one of them slow.
    for (const s of staying) s.write(request('/slow') + request('/fast'))
    await new Promise((resolve) => setTimeout(resolve, 30))
    for (const s of vanishing) s.destroy()
    await settle(5)
    // Once both answers are out, every staying socket counts once (idle), not twice or never.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await settle(5)
    for (const s of staying) s.destroy()
    await settle(0)
  })
})
