import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import express from 'express'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import type { GateRequestContext } from '../../src/gate/gate-middleware.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

let sim: SimulatorHarness
let gate: Gate
let gateServer: Server
let appServer: Server
let gateUrl: string
let appUrl: string

beforeAll(async () => {
  sim = await startTestSimulator()
  gate = await createGate({
    rules: {
      version: 1,
      default: 'deny',
      rules: [
        { id: 'assets', match: { paths: ['/', '/assets/**'] }, access: 'public' },
        { id: 'members', match: { paths: ['/members/**'] }, access: 'authenticated' },
        {
          id: 'yellow-hd',
          match: { paths: ['/videos/yellow/hd/**'], methods: ['GET'] },
          require: { vibe: 'nxwyqqow', token_ids: ['1-5'] },
        },
        { id: 'queen', match: { paths: ['/queen/**'] }, require: { issuer: 'queen' } },
      ],
    },
    publicUrl: 'http://gate.test',
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'z'.repeat(40),
  })
  gateServer = createServer(gate.handler)
  await new Promise<void>((resolve) => gateServer.listen(0, '127.0.0.1', resolve))
  gateUrl = `http://127.0.0.1:${(gateServer.address() as AddressInfo).port}`

  const app = express()
  app.set('case sensitive routing', true)
  app.use(gate.routes())
  app.use(gate.protect())
  app.use((req, res) => {
    const context = (req as unknown as { vibegate: GateRequestContext }).vibegate
    // As the decision endpoints do: the rule is named only when a token was issued.
    res.setHeader('X-Test-Rule', context.token ? (context.rule ?? '') : '')
    res.end()
  })
  appServer = createServer(app)
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve))
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const server of [gateServer, appServer]) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await gate.close()
  await sim.close()
})

type Outcome = { status: number; reason: string; rule: string }

async function viaAuthRequest(method: string, path: string, token?: string): Promise<Outcome> {
  const r = await fetch(`${gateUrl}/authz/auth-request`, {
    headers: {
      'X-Original-Method': method,
      'X-Original-URI': path,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
  })
  return {
    status: r.status,
    reason: r.headers.get('x-vibegate-reason') ?? '',
    rule: r.headers.get('x-vibegate-rule') ?? '',
  }
}

async function viaForwardAuth(method: string, path: string, token?: string): Promise<Outcome> {
  const r = await fetch(`${gateUrl}/authz/forward-auth`, {
    redirect: 'manual',
    headers: {
      'X-Forwarded-Method': method,
      'X-Forwarded-Proto': 'http',
      'X-Forwarded-Host': 'gate.test',
      'X-Forwarded-Uri': path,
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
  })
  return {
    status: r.status,
    reason: r.headers.get('x-vibegate-reason') ?? '',
    rule: r.headers.get('x-vibegate-rule') ?? '',
  }
}

/** A raw request: fetch would resolve `%2e%2e` before sending, hiding what is tested. */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

async function viaExtAuthz(method: string, path: string, token?: string): Promise<Outcome> {
  const r = await raw(
    gateUrl,
    method,
    `/authz/ext-authz${path}`,
    token ? { Authorization: `Bearer ${token}` } : {},
  )
  return {
    status: r.status,
    reason: String(r.headers['x-vibegate-reason'] ?? ''),
    rule: String(r.headers['x-vibegate-rule'] ?? ''),
  }
}

async function viaMiddleware(method: string, path: string, token?: string): Promise<Outcome> {
  const r = await raw(appUrl, method, path, {
    Accept: 'application/json',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  })
  return {
    status: r.status,
    reason: String(r.headers['x-vibegate-reason'] ?? ''),
    rule: String(r.headers['x-test-rule'] ?? ''),
  }
}

const cases: [string, string, string, string | undefined, Outcome][] = [
  ['public', 'GET', '/assets/app.css', undefined, { status: 200, reason: '', rule: '' }],
  ['no rule', 'GET', '/elsewhere', TOKENS.alice, { status: 403, reason: 'no_rule', rule: '' }],
  [
    'authenticated, anonymous',
    'GET',
    '/members/x',
    undefined,
    { status: 401, reason: 'no_identity', rule: '' },
  ],
  [
    'authenticated',
    'GET',
    '/members/x',
    TOKENS.carol,
    { status: 200, reason: '', rule: 'members' },
  ],
  [
    'owned',
    'GET',
    '/videos/yellow/hd/1.ts',
    TOKENS.alice,
    { status: 200, reason: '', rule: 'yellow-hd' },
  ],
  [
    'HEAD as GET',
    'HEAD',
    '/videos/yellow/hd/1.ts',
    TOKENS.alice,
    { status: 200, reason: '', rule: 'yellow-hd' },
  ],
  [
    'other method falls to the default',
    'POST',
    '/videos/yellow/hd/1.ts',
    TOKENS.alice,
    { status: 403, reason: 'no_rule', rule: '' },
  ],
  [
    'not owned',
    'GET',
    '/videos/yellow/hd/1.ts',
    TOKENS.bob,
    { status: 403, reason: 'not_owned', rule: '' },
  ],
  ['issuer', 'GET', '/queen/news', TOKENS.bob, { status: 200, reason: '', rule: 'queen' }],
  [
    'encoded slash',
    'GET',
    '/assets/..%2Fvideos/yellow/hd/1.ts',
    TOKENS.bob,
    { status: 403, reason: 'bad_request', rule: '' },
  ],
  [
    'dot segment',
    'GET',
    '/assets/%2e%2e/videos/yellow/hd/1.ts',
    TOKENS.bob,
    { status: 403, reason: 'bad_request', rule: '' },
  ],
  [
    'invalid token',
    'GET',
    '/videos/yellow/hd/1.ts',
    'forged-token-xyz',
    { status: 401, reason: 'no_identity', rule: '' },
  ],
]

describe('every entry point reaches the same decision', () => {
  test.each(cases)('%s: %s %s', async (_name, method, path, token, expected) => {
    const outcomes = {
      authRequest: await viaAuthRequest(method, path, token),
      forwardAuth: await viaForwardAuth(method, path, token),
      extAuthz: await viaExtAuthz(method, path, token),
      middleware: await viaMiddleware(method, path, token),
    }
    expect(outcomes).toEqual({
      authRequest: expected,
      forwardAuth: expected,
      extAuthz: expected,
      middleware: expected,
    })
  })
})
