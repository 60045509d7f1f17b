import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createJwksHandler } from '../../src/http/jwks-handler.js'
import { generateKeySet, parseKeySet, type KeySet } from '../../src/tokens/key-set.js'

let server: Server
let url: string
let keys: KeySet

beforeAll(async () => {
  const first = await generateKeySet({ alg: 'EdDSA', kid: 'new-key' })
  const second = await generateKeySet({ alg: 'ES256', kid: 'old-key' })
  keys = parseKeySet(JSON.stringify({ keys: [...first.keys, ...second.keys] }), 'keys.json')
  const handler = createJwksHandler(() => keys)
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('GET /.well-known/jwks.json', () => {
  test('publishes every key, public parts only, with kid, use and alg', async () => {
    const response = await fetch(`${url}/.well-known/jwks.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    const body = (await response.json()) as { keys: Record<string, unknown>[] }
    expect(body.keys.map((k) => [k.kid, k.use, k.alg])).toEqual([
      ['new-key', 'sig', 'EdDSA'],
      ['old-key', 'sig', 'ES256'],
    ])
    for (const key of body.keys) expect(key).not.toHaveProperty('d')
  })

  test('other methods are 405, other paths are not this handler’s', async () => {
    expect((await fetch(`${url}/.well-known/jwks.json`, { method: 'POST' })).status).toBe(405)
    expect((await fetch(`${url}/.well-known/jwks.json?x=1`)).status).toBe(200)
    expect((await fetch(`${url}/.well-known/jwks.json/`)).status).toBe(404)
    expect((await fetch(`${url}/.WELL-KNOWN/jwks.json`)).status).toBe(404)
  })
})
