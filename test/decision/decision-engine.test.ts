import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createLocalJWKSet, jwtVerify } from 'jose'
import {
  createDecisionEngine,
  type Decision,
  type DecisionRequest,
  type DecisionEngine,
} from '../../src/decision/decision-engine.js'
import { createIdentity } from '../../src/identity/create-identity.js'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import { createOwnershipChecker } from '../../src/ownership/ownership-checker.js'
import { createTieredCache } from '../../src/ownership/tiered-cache.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { ephemeralKeySet, type KeySet } from '../../src/tokens/key-set.js'
import { createTokenIssuer } from '../../src/tokens/token-issuer.js'
import {
  startTestSimulator,
  testClient,
  type SimulatorHarness,
} from '../helpers/simulator-harness.js'
import { TOKENS } from '../helpers/test-fixture.js'

const PUBLIC_URL = 'https://gate.example.com'
const { rules } = parseRules(
  `version: 1
default: deny
rules:
  - { id: assets, match: { paths: ["/", "/assets/**"] }, access: public }
  - { id: members, match: { paths: ["/members/**"] }, access: authenticated }
  - id: yellow-hd
    match: { paths: ["/videos/yellow/hd/**"] }
    require: { vibe: nxwyqqow, token_ids: ["1-5"] }
    token: { ttl: 90s, audience: video-cdn }
  - { id: queen-club, match: { paths: ["/queen/**"] }, require: { issuer: queen } }
`,
  'rules.yaml',
)

let sim: SimulatorHarness
let client: OurSongClient
let keys: KeySet
let engine: DecisionEngine

beforeAll(async () => {
  sim = await startTestSimulator()
  client = testClient(sim.url, { timeoutMs: 300, retries: 0 })
  keys = await ephemeralKeySet()
  const store = createMemoryStore()
  const identity = createIdentity({
    client,
    store,
    publicUrl: new URL(PUBLIC_URL),
    sessionSecret: 'x'.repeat(32),
  })
  engine = createDecisionEngine({
    rules: () => rules,
    identity: identity.identity,
    ownership: createOwnershipChecker({ client, cache: createTieredCache() }),
    tokens: createTokenIssuer({ keys: () => keys, issuer: PUBLIC_URL }),
  })
})
afterAll(async () => {
  await client.close()
  await sim.close()
})

const decide = (target: string, token?: string): Promise<Decision> =>
  engine.decide({
    method: 'GET',
    target,
    host: 'gate.example.com',
    authorization: token === undefined ? undefined : `Bearer ${token}`,
    sessionCookie: undefined,
  })

describe('decision engine', () => {
  test.each([
    ['a public rule, anonymous', '/assets/app.css', undefined, { allowed: true, token: undefined }],
    [
      'no rule under default deny',
      '/elsewhere',
      TOKENS.alice,
      { allowed: false, status: 403, reason: 'no_rule' },
    ],
    [
      'an ambiguous path, before identity',
      '/assets/..%2Fvideos',
      TOKENS.alice,
      { allowed: false, status: 403, reason: 'bad_request' },
    ],
    [
      'authenticated, anonymous',
      '/members/lounge',
      undefined,
      { allowed: false, status: 401, reason: 'no_identity' },
    ],
    ['authenticated, logged in', '/members/lounge', TOKENS.carol, { allowed: true }],
    [
      'ownership, anonymous',
      '/videos/yellow/hd/1.ts',
      undefined,
      { allowed: false, status: 401, reason: 'no_identity' },
    ],
    [
      'ownership, invalid token',
      '/videos/yellow/hd/1.ts',
      'forged-token-xyz',
      { allowed: false, status: 401, reason: 'no_identity' },
    ],
    ['ownership met', '/videos/yellow/hd/1.ts', TOKENS.alice, { allowed: true }],
    [
      'ownership not met',
      '/videos/yellow/hd/1.ts',
      TOKENS.bob,
      {
        allowed: false,
        status: 403,
        reason: 'not_owned',
        missing: [{ vibe: 'nxwyqqow', token_ids: ['1-5'] }],
      },
    ],
    ['issuer met', '/queen/news', TOKENS.bob, { allowed: true }],
    [
      'issuer not met',
      '/queen/news',
      TOKENS.alice,
      { allowed: false, status: 403, reason: 'not_owned', missing: [{ issuer: 'queen' }] },
    ],
  ] as const)('%s', async (_name, target, token, expected) => {
    expect(await decide(target, token)).toMatchObject(expected)
  })

  test('an allow carries a JWT with the contract’s claims, verifiable with the published keys', async () => {
    const decision = await decide('/videos/yellow/hd/seg-1.ts', TOKENS.alice)
    if (!decision.allowed) throw new Error('expected an allow')
    const { payload, protectedHeader } = await jwtVerify(
      decision.token!,
      createLocalJWKSet({ keys: [...keys.publicJwks.keys] }),
      {
        issuer: PUBLIC_URL,
        audience: 'video-cdn',
      },
    )
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'JWT', kid: keys.signing.kid })
    expect(payload).toMatchObject({
      sub: decision.identity!.user.uuid,
      rule: 'yellow-hd',
      vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
    })
    expect(payload.exp! - payload.iat!).toBe(90)
  })

  test('the warm path reuses the token: same session, same rule, same holdings', async () => {
    const first = await decide('/videos/yellow/hd/seg-1.ts', TOKENS.alice)
    const second = await decide('/videos/yellow/hd/seg-2.ts', TOKENS.alice)
    expect(first.allowed && second.allowed && first.token === second.token).toBe(true)
  })

  test('decideSoon reaches the decisions decide does, and answers synchronously once warm', async () => {
    const cases: [string, string | undefined][] = [
      ['/assets/app.css', undefined],
      ['/elsewhere', TOKENS.alice],
      ['/assets/..%2Fvideos', TOKENS.alice],
      ['/members/lounge', undefined],
      ['/members/lounge', TOKENS.carol],
      ['/videos/yellow/hd/1.ts', 'forged-token-xyz'],
      ['/videos/yellow/hd/1.ts', TOKENS.alice],
      ['/videos/yellow/hd/1.ts', TOKENS.bob],
      ['/queen/news', TOKENS.bob],
      ['/queen/news', TOKENS.alice],
    ]
    const request = (target: string, token: string | undefined): DecisionRequest => ({
      method: 'GET',
      target,
      host: 'gate.example.com',
      authorization: token === undefined ? undefined : `Bearer ${token}`,
      sessionCookie: undefined,
    })
    for (const [target, token] of cases) {
      const expected = await engine.decide(request(target, token))
      // Twice: the first may need OurSong, the second finds everything in memory.
      for (let i = 0; i < 2; i++)
        expect(await engine.decideSoon(request(target, token))).toEqual(expected)
    }
    // Warm: identity, holdings and a signed token in memory, so no promise at all.
    expect(engine.decideSoon(request('/videos/yellow/hd/1.ts', TOKENS.alice))).not.toBeInstanceOf(
      Promise,
    )
    expect(engine.decideSoon(request('/members/lounge', TOKENS.carol))).not.toBeInstanceOf(Promise)
    expect(engine.decideSoon(request('/assets/app.css', undefined))).not.toBeInstanceOf(Promise)
    // A token nobody has asked about yet needs OurSong.
    expect(engine.decideSoon(request('/members/lounge', TOKENS.queen))).toBeInstanceOf(Promise)
  })

  test('OurSong failing is upstream_unavailable, never an allow', async () => {
    await sim.fault({ path: '/api/open-api/auth-user/own-this-vibe', status: 500 })
    try {
      // carol: her holdings were never looked up, so nothing is cached to fall back on.
      expect(await decide('/videos/yellow/hd/1.ts', TOKENS.carol)).toMatchObject({
        allowed: false,
        status: 503,
        reason: 'upstream_unavailable',
      })
    } finally {
      await sim.clearFaults()
    }
  })
})
