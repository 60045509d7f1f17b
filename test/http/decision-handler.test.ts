import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createDecisionEngine } from '../../src/decision/decision-engine.js'
import { createVibeCatalog } from '../../src/decision/vibe-catalog.js'
import { createDecisionHandler, type DecisionEvent } from '../../src/http/decision-handler.js'
import { cookieSettings } from '../../src/http/session-cookie.js'
import { createIdentity, type IdentityServices } from '../../src/identity/create-identity.js'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import { createOwnershipChecker } from '../../src/ownership/ownership-checker.js'
import { createTieredCache } from '../../src/ownership/tiered-cache.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { ephemeralKeySet } from '../../src/tokens/key-set.js'
import { createTokenIssuer } from '../../src/tokens/token-issuer.js'
import {
  startTestSimulator,
  testClient,
  type SimulatorHarness,
} from '../helpers/simulator-harness.js'
import { TOKENS } from '../helpers/test-fixture.js'

const PUBLIC_URL = new URL('http://gate.test:8080')
const { rules } = parseRules(
  `version: 1
rules:
  - { id: assets, match: { paths: ["/", "/assets/**"] }, access: public }
  - { id: yellow, match: { paths: ["/videos/yellow/**"] }, require: { vibe: nxwyqqow, token_ids: ["1-5"] } }
`,
  'rules.yaml',
)

let sim: SimulatorHarness
let client: OurSongClient
let identity: IdentityServices
let server: Server
let port: number
let trusted = true
const events: DecisionEvent[] = []
let keys: Awaited<ReturnType<typeof ephemeralKeySet>>

beforeAll(async () => {
  sim = await startTestSimulator()
  client = testClient(sim.url, { timeoutMs: 300, retries: 0 })
  identity = createIdentity({
    client,
    store: createMemoryStore(),
    publicUrl: PUBLIC_URL,
    sessionSecret: 'y'.repeat(32),
  })
  keys = await ephemeralKeySet()
  const handler = createDecisionHandler({
    engine: createDecisionEngine({
      rules: () => rules,
      identity: identity.identity,
      ownership: createOwnershipChecker({ client, cache: createTieredCache() }),
      tokens: createTokenIssuer({ keys: () => keys, issuer: PUBLIC_URL.origin }),
    }),
    catalog: createVibeCatalog({ client }),
    trustsProxy: () => trusted,
    publicUrl: PUBLIC_URL,
    cookies: cookieSettings(PUBLIC_URL),
    onDecision: (event) => events.push(event),
  })
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await client.close()
  await sim.close()
})

/** A raw request, so duplicate headers can be sent. */
function ask(
  path: string,
  headers: [string, string][],
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: headers.flat() as unknown as Record<string, string>,
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const nginx = (uri: string, extra: [string, string][] = []): [string, string][] => [
  ['X-Original-Method', 'GET'],
  ['X-Original-URI', uri],
  ['Host', 'gate.test'],
  ...extra,
]

describe('decision endpoints', () => {
  test('auth-request: an allow carries the JWT, the user and the rule', async () => {
    const r = await ask(
      '/authz/auth-request',
      nginx('/videos/yellow/hd.m3u8', [['Authorization', `Bearer ${TOKENS.alice}`]]),
    )
    expect(r.status).toBe(200)
    expect(r.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    expect(r.headers['x-vibegate-user']).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.headers['x-vibegate-rule']).toBe('yellow')
    expect(r.headers['cache-control']).toBe('no-store')
    // An empty body, framed as one: no chunked encoding for proxies to unwrap.
    expect(r.headers['content-length']).toBe('0')
    expect(r.headers['transfer-encoding']).toBeUndefined()
  })

  test.each([
    [
      'an allow',
      '/authz/auth-request',
      nginx('/videos/yellow/hd.m3u8', [['Authorization', `Bearer ${TOKENS.alice}`]]),
      200,
    ],
    ['a public allow', '/authz/auth-request', nginx('/assets/app.css'), 200],
    ['no identity', '/authz/auth-request', nginx('/videos/yellow/hd.m3u8'), 401],
    [
      'not owned',
      '/authz/auth-request',
      nginx('/videos/yellow/hd.m3u8', [['Authorization', `Bearer ${TOKENS.bob}`]]),
      403,
    ],
    ['a bad request', '/authz/auth-request', nginx('/videos/../x'), 403],
    [
      'a login redirect',
      '/authz/forward-auth',
      [
        ['X-Forwarded-Method', 'GET'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'gate.test'],
        ['X-Forwarded-Uri', '/videos/yellow/hd.m3u8'],
        ['Accept', 'text/html'],
        ['Host', 'gate.test'],
      ],
      302,
    ],
  ] as [string, string, [string, string][], number][])(
    'every answer says Cache-Control: no-store: %s',
    async (_name, path, headers, status) => {
      const r = await ask(path, headers)
      expect(r.status).toBe(status)
      expect(r.headers['cache-control']).toBe('no-store')
    },
  )

  test('a public rule answers 200 with the identity headers present and empty', async () => {
    const r = await ask(
      '/authz/auth-request',
      nginx('/assets/app.css', [['X-Vibegate-User', 'spoofed']]),
    )
    expect(r.status).toBe(200)
    expect(r.headers.authorization).toBe('')
    expect(r.headers['x-vibegate-user']).toBe('')
    expect(r.headers['x-vibegate-rule']).toBe('')
  })

  test('a session cookie is an identity too', async () => {
    const user = await client.authUser(TOKENS.alice)
    const session = await identity.sessions.create({
      user: {
        uuid: user.uuid,
        id: user.id,
        username: user.username,
        name: user.name,
        wallet: null,
      },
      kind: 'oauth',
      accessToken: TOKENS.alice,
    })
    const r = await ask(
      '/authz/auth-request',
      nginx('/videos/yellow/1.ts', [['Cookie', `vibegate_session=${session.id}`]]),
    )
    expect(r.status).toBe(200)
  })

  test.each([
    ['anonymous', [], 401, 'no_identity'],
    [
      'no X-Original-URI',
      [
        ['X-Original-Method', 'GET'],
        ['Host', 'gate.test'],
      ],
      403,
      'bad_request',
    ],
    [
      'a duplicated X-Original-URI',
      [...nginx('/assets/x'), ['X-Original-URI', '/videos/yellow/1.ts']],
      403,
      'bad_request',
    ],
    [
      'a duplicated Authorization',
      [
        ...nginx('/videos/yellow/1.ts'),
        ['Authorization', `Bearer ${TOKENS.alice}`],
        ['Authorization', 'Bearer x'],
      ],
      403,
      'bad_request',
    ],
    ['an ambiguous path', nginx('/assets/%2e%2e/videos/yellow/1.ts'), 403, 'bad_request'],
  ] as const)('auth-request, %s: %i %s', async (_name, headers, status, reason) => {
    const all: [string, string][] =
      headers.length === 0 ? nginx('/videos/yellow/1.ts') : ([...headers] as [string, string][])
    const r = await ask('/authz/auth-request', all)
    expect(r.status).toBe(status)
    expect(r.headers['x-vibegate-reason']).toBe(reason)
    expect(r.headers.authorization).toBeUndefined()
  })

  test('an untrusted peer is denied', async () => {
    trusted = false
    try {
      const r = await ask('/authz/auth-request', nginx('/assets/x'))
      expect(r.status).toBe(403)
      expect(r.headers['x-vibegate-reason']).toBe('untrusted_proxy')
    } finally {
      trusted = true
    }
  })

  test('not owned: JSON says what would unlock it', async () => {
    const r = await ask(
      '/authz/auth-request',
      nginx('/videos/yellow/1.ts', [
        ['Authorization', `Bearer ${TOKENS.bob}`],
        ['Accept', 'application/json'],
      ]),
    )
    expect(r.status).toBe(403)
    expect(r.headers['x-vibegate-reason']).toBe('not_owned')
    expect(JSON.parse(r.body)).toEqual({
      error: 'not_owned',
      rule: 'yellow',
      requires: [
        {
          vibe: 'nxwyqqow',
          title: 'Coldplay - Yellow',
          cover_image: null,
          external_url: expect.stringContaining('nxwyqqow'),
          token_ids: ['1-5'],
        },
      ],
    })
  })

  test('not owned: browsers get a page naming the vibe', async () => {
    const r = await ask(
      '/authz/auth-request',
      nginx('/videos/yellow/1.ts', [
        ['Authorization', `Bearer ${TOKENS.bob}`],
        ['Accept', 'text/html,application/xhtml+xml'],
      ]),
    )
    expect(r.status).toBe(403)
    expect(r.headers['content-type']).toMatch(/^text\/html/)
    expect(r.body).toContain('Coldplay - Yellow')
  })

  test('forward-auth: a browser without identity is sent to sign in with its URL', async () => {
    const r = await ask('/authz/forward-auth', [
      ['Host', 'gate.internal'],
      ['X-Forwarded-Method', 'GET'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'fans.example.com'],
      ['X-Forwarded-Uri', '/videos/yellow/1.ts?x=1'],
      ['Accept', 'text/html'],
    ])
    expect(r.status).toBe(302)
    expect(r.headers['x-vibegate-reason']).toBe('no_identity')
    const location = new URL(r.headers.location as string)
    expect(`${location.origin}${location.pathname}`).toBe('http://gate.test:8080/auth/login')
    expect(location.searchParams.get('return_to')).toBe(
      'https://fans.example.com/videos/yellow/1.ts?x=1',
    )
  })

  test.each([
    [
      [
        ['X-Forwarded-Method', 'GET'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Uri', '/x'],
      ],
    ],
    [
      [
        ['X-Forwarded-Method', 'GET'],
        ['X-Forwarded-Proto', 'gopher'],
        ['X-Forwarded-Host', 'a.b'],
        ['X-Forwarded-Uri', '/x'],
      ],
    ],
    [
      [
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'a.b'],
        ['X-Forwarded-Uri', '/x'],
      ],
    ],
  ] as const)('forward-auth with missing or bad headers is bad_request: %j', async (headers) => {
    const r = await ask('/authz/forward-auth', [
      ['Host', 'gate.internal'],
      ...(headers as unknown as [string, string][]),
    ])
    expect(r.status).toBe(403)
    expect(r.headers['x-vibegate-reason']).toBe('bad_request')
  })

  test('a query on the endpoint URL (Caddy appends the client’s) is ignored', async () => {
    const r = await ask('/authz/forward-auth?quality=hd', [
      ['Host', 'gate.internal'],
      ['X-Forwarded-Method', 'GET'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'gate.test'],
      ['X-Forwarded-Uri', '/videos/yellow/1.ts?quality=hd'],
      ['Authorization', `Bearer ${TOKENS.alice}`],
    ])
    expect(r.status).toBe(200)
  })

  test('ext-authz: the original path follows the prefix', async () => {
    const r = await ask('/authz/ext-authz/videos/yellow/1.ts?q=1', [
      ['Host', 'gate.test'],
      ['Authorization', `Bearer ${TOKENS.alice}`],
    ])
    expect(r.status).toBe(200)
    expect(r.headers['x-vibegate-rule']).toBe('yellow')
  })

  test('OurSong down: 403 on auth-request (nginx), 503 elsewhere', async () => {
    await sim.fault({ path: '/api/open-api/auth-user', status: 500 })
    try {
      const viaNginx = await ask(
        '/authz/auth-request',
        nginx('/videos/yellow/1.ts', [['Authorization', `Bearer ${TOKENS.carol}`]]),
      )
      expect([viaNginx.status, viaNginx.headers['x-vibegate-reason']]).toEqual([
        403,
        'upstream_unavailable',
      ])
      const viaEnvoy = await ask('/authz/ext-authz/videos/yellow/1.ts', [
        ['Host', 'gate.test'],
        ['Authorization', `Bearer ${TOKENS.carol}`],
      ])
      expect([viaEnvoy.status, viaEnvoy.headers['x-vibegate-reason']]).toEqual([
        503,
        'upstream_unavailable',
      ])
    } finally {
      await sim.clearFaults()
    }
  })

  test('a flood of new Bearer tokens from one client is rate_limited, and only that client', async () => {
    await sim.resetCalls()
    events.length = 0
    const from = (address: string, token: string): [string, string][] =>
      nginx('/videos/yellow/1.ts', [
        ['Authorization', `Bearer ${token}`],
        ['X-Forwarded-For', address],
      ])
    const flood = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        ask('/authz/auth-request', from('203.0.113.66', `flood-token-${i}-${Date.now()}`)),
      ),
    )
    // The default budget is 10 new tokens a second per client; the flood may straddle
    // two seconds, so at most 20 were asked and at least 5 refused.
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBeLessThanOrEqual(20)
    const refused = flood.filter((r) => r.status === 403 && r.headers['retry-after'] === '1')
    expect(refused.length).toBeGreaterThanOrEqual(5)
    // The contract's reason set has no "rate limited": the header says the gate did not ask.
    expect(refused.every((r) => r.headers['x-vibegate-reason'] === 'upstream_unavailable')).toBe(
      true,
    )
    // Metrics and logs say what happened: not OurSong's fault.
    expect(events.filter((e) => e.reason === 'rate_limited').length).toBe(refused.length)
    expect(events.some((e) => e.reason === 'upstream_unavailable')).toBe(false)

    // Envoy (and Traefik) pass a 429 on to the client.
    const viaEnvoy = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        ask('/authz/ext-authz/videos/yellow/1.ts', [
          ['Host', 'gate.test'],
          ['Authorization', `Bearer envoy-flood-token-${i}-${Date.now()}`],
          ['X-Forwarded-For', '203.0.113.77'],
        ]),
      ),
    )
    const limited = viaEnvoy.filter((r) => r.status === 429)
    expect(limited.length).toBeGreaterThanOrEqual(5)
    expect(limited.every((r) => r.headers['retry-after'] === '1')).toBe(true)

    // Another client, in the same second, is looked up and allowed.
    const fan = await ask('/authz/auth-request', from('198.51.100.20', TOKENS.alice))
    expect(fan.status).toBe(200)
  })

  test('VIBEGATE_AUTH_REQUEST_HOST=host: a client-sent X-Forwarded-Host cannot pick the host', async () => {
    const { rules: hostRules } = parseRules(
      `version: 1
rules:
  - { id: preview, match: { paths: ["/**"], hosts: [preview.test] }, access: public }
  - { id: members, match: { paths: ["/**"] }, access: authenticated }
`,
      'rules.yaml',
    )
    const engine = createDecisionEngine({
      rules: () => hostRules,
      identity: identity.identity,
      ownership: createOwnershipChecker({ client, cache: createTieredCache() }),
      tokens: createTokenIssuer({ keys: () => keys, issuer: PUBLIC_URL.origin }),
    })
    const spoofed = nginx('/page', [['X-Forwarded-Host', 'preview.test']])
    const answers: Record<string, number> = {}
    for (const authRequestHost of ['x-forwarded-host', 'host'] as const) {
      const handler = createDecisionHandler({
        engine,
        catalog: createVibeCatalog({ client }),
        trustsProxy: () => true,
        publicUrl: PUBLIC_URL,
        cookies: cookieSettings(PUBLIC_URL),
        authRequestHost,
      })
      const local = createServer((req, res) => void handler(req, res))
      await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve))
      const saved = port
      port = (local.address() as AddressInfo).port
      try {
        answers[authRequestHost] = (await ask('/authz/auth-request', spoofed)).status
      } finally {
        port = saved
        local.closeAllConnections()
        await new Promise((resolve) => local.close(resolve))
      }
    }
    // The contract's default believes the header; the setting reads Host alone.
    expect(answers).toEqual({ 'x-forwarded-host': 200, host: 401 })
  })
})
