import { describe, expect, test } from '@jest/globals'
import { connect, type AddressInfo } from 'node:net'
import { drain, DRAIN_MS } from '../../src/cli/serve-gate.js'
import { createGateServer } from '../../src/http/gate-server.js'

/**
 * A stop behind a keep-alive proxy: the proxy's connections stay open between requests, so a
 * drain that only closed the connections idle when it began waited for the rest until
 * DRAIN_MS (10 s) ran out.
 */
describe('drain', () => {
  test('ends a keep-alive connection after its response in flight, and says Connection: close to requests that arrive meanwhile', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const server = createGateServer((req, res) => {
      // The first request is held until the drain has begun; the others answer at once.
      const answer = (): void => void res.writeHead(200, { 'Content-Length': '2' }).end('ok')
      if (req.url === '/slow') void held.then(answer)
      else answer()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await new Promise((resolve) => socket.once('connect', resolve))
    // A request in flight on a keep-alive connection, as on a proxy's pooled connection.
    socket.write('GET /slow HTTP/1.1\r\nHost: gate\r\n\r\n')
    await new Promise((resolve) => setTimeout(resolve, 50))

    const started = Date.now()
    const drained = drain(server)
    // Another request on the same connection once the drain has begun.
    socket.write('GET /next HTTP/1.1\r\nHost: gate\r\n\r\n')
    await new Promise((resolve) => setTimeout(resolve, 50))
    release()
    await drained
    const took = Date.now() - started
    await closed

    const heads = received.split(/(?=HTTP\/1\.1 )/)
    expect(heads).toHaveLength(2)
    expect(heads[0]).toMatch(/^HTTP\/1\.1 200/)
    expect(heads[1]).toMatch(/^HTTP\/1\.1 200/)
    expect(heads[1]).toMatch(/\r\nConnection: close\r\n/)
    // Well before the backstop: the connection ended with its last response.
    expect(took).toBeLessThan(DRAIN_MS / 5)
  })
})
