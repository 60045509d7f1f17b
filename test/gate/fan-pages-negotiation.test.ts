import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'

let gate: Gate
let server: Server
let url = ''
beforeAll(async () => {
  gate = await createGate({
    rules: {
      version: 1,
      default: 'deny',
      rules: [{ id: 'hd', match: { paths: ['/hd'] }, require: { vibe: 'nxwyqqow' } }],
    },
    publicUrl: 'http://gate.test',
    // Nothing listens there: the page is sent without the profile's decoration.
    oursong: { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', apiSecret: 's' },
    sessionSecret: 'x'.repeat(40),
    branding: { name: 'Fan <Club>', accent: '#ffcc00' },
  })
  server = createServer(gate.handler).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server?.close()
  await gate?.close()
})

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

describe('browsers get pages, other clients the contract bodies', () => {
  test.each([
    ['ext-authz, no rule', '/authz/ext-authz/other', 403, 'no_rule'],
    ['ext-authz, signed out', '/authz/ext-authz/hd', 401, 'no_identity'],
  ])('%s', async (_name, path, status, reason) => {
    const page = await fetch(url + path, { headers: HTML })
    expect(page.status).toBe(status)
    expect(page.headers.get('x-vibegate-reason')).toBe(reason)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await page.text()
    expect(html).toContain('Fan &lt;Club&gt;')
    // A light accent gets dark text on its buttons.
    expect(html).toContain('--on-accent:#000000')
    const plain = await fetch(url + path)
    expect(plain.status).toBe(status)
    expect(plain.headers.get('x-vibegate-reason')).toBe(reason)
    expect(await plain.text()).toBe('')
  })

  test('forward-auth still redirects a signed-out browser to sign in', async () => {
    const r = await fetch(`${url}/authz/forward-auth`, {
      redirect: 'manual',
      headers: {
        ...HTML,
        'x-forwarded-method': 'GET',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'fans.test',
        'x-forwarded-uri': '/hd',
      },
    })
    expect(r.status).toBe(302)
  })

  test('an unknown path is the 404 page in a browser, unchanged for others', async () => {
    const page = await fetch(`${url}/nobody/serves/this`, { headers: HTML })
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('Page not found')
    const plain = await fetch(`${url}/nobody/serves/this`, { headers: { accept: '*/*' } })
    expect(plain.status).toBe(404)
    expect(await plain.text()).not.toContain('Page not found')
  })

  test('the pages script is served to pages on other hosts', async () => {
    const r = await fetch(`${url}/auth/fan-page.js`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(r.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
  })
})
