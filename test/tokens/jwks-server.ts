import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A JWKS endpoint on 127.0.0.1 (port 0) whose answer tests can change, counting fetches. */
export interface JwksServer {
  /** `http://127.0.0.1:PORT/.well-known/jwks.json` */
  url: string
  /** What the endpoint serves from now on: a JWK set, or a status code with a text body. */
  serve(jwks: unknown): void
  fail(status: number, body?: string): void
  /** GET requests answered so far. */
  fetches(): number
  close(): Promise<void>
}

export async function startJwksServer(initial: unknown): Promise<JwksServer> {
  let answer: { status: number; body: string } = { status: 200, body: JSON.stringify(initial) }
  let fetches = 0
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end()
      return
    }
    fetches++
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    serve: (jwks) => {
      answer = { status: 200, body: JSON.stringify(jwks) }
    },
    fail: (status, body = '{"error":"down"}') => {
      answer = { status, body }
    },
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
