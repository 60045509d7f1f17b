import { beforeAll, describe, expect, test } from '@jest/globals'
import express from 'express'
import { createLocalJWKSet } from 'jose'
import request from 'supertest'
import { generateKeySet, parseKeySet, type KeySet } from '../../src/tokens/key-set.js'
import { createTokenIssuer } from '../../src/tokens/token-issuer.js'
import {
  createGateVerifier,
  requireGateToken,
  verifyGateToken,
  type GateTokenRequest,
  type RequireGateTokenOptions,
  type VerifyGateTokenOptions,
} from '../../src/tokens/verify.js'

// Issue #9: two rules with the same audience produce interchangeable tokens, unless the
// content server says which rules it takes, and where.

const ISSUER = 'https://gate.example'
const AUDIENCE = 'video-cdn'

let keys: KeySet
let base: VerifyGateTokenOptions
const tokens: Record<string, string> = {}
beforeAll(async () => {
  keys = parseKeySet(JSON.stringify(await generateKeySet({ kid: 'k1' })), 'keys.json')
  base = {
    jwks: createLocalJWKSet({ keys: keys.publicJwks.keys.map((k) => ({ ...k })) }),
    issuer: ISSUER,
    audience: AUDIENCE,
  }
  const issuer = createTokenIssuer({ keys: () => keys, issuer: ISSUER })
  for (const rule of ['yellow-hd', 'yellow-sd', 'queen-club']) {
    const issued = await issuer.issue({
      sub: 'user-1',
      aud: AUDIENCE,
      ttlSeconds: 120,
      rule,
      vibes: [{ id: 'nxwyqqow', owned_amount: 1, token_ids: [3] }],
      wallet: null,
      sessionKey: 's',
    })
    tokens[rule] = issued.token
  }
})

const PREFIXES = { 'yellow-hd': '/videos/yellow/hd', 'yellow-sd': ['/videos/yellow/sd/'] }

describe('verifyGateToken with rule', () => {
  test('without it, every rule of the audience is taken (as before)', async () => {
    for (const rule of ['yellow-hd', 'yellow-sd', 'queen-club'])
      expect((await verifyGateToken(tokens[rule]!, base)).rule).toBe(rule)
  })

  test.each([
    ['yellow-hd', 'yellow-hd', true],
    ['yellow-hd', 'yellow-sd', false],
    [['yellow-hd', 'yellow-sd'], 'yellow-sd', true],
    [['yellow-hd', 'yellow-sd'], 'queen-club', false],
  ] as const)('rule %j and a token of %s: taken %s', async (rule, tokenRule, taken) => {
    const verifying = verifyGateToken(tokens[tokenRule]!, { ...base, rule })
    if (taken) expect((await verifying).rule).toBe(tokenRule)
    else await expect(verifying).rejects.toMatchObject({ code: 'token_wrong_rule', status: 401 })
  })
})

describe('a verifier with pathPrefixes', () => {
  test.each([
    // token's rule, request target, outcome
    ['yellow-hd', '/videos/yellow/hd/1.ts', 'ok'],
    ['yellow-hd', '/videos/yellow/hd', 'ok'],
    ['yellow-hd', '/videos/yellow/hd/', 'ok'],
    ['yellow-hd', '/videos/yellow/hd/1.ts?quality=max', 'ok'],
    ['yellow-sd', '/videos/yellow/sd/1.ts', 'ok'],
    ['yellow-sd', '/videos/yellow/sd', 'ok'],
    ['yellow-hd', '/videos/yellow/sd/1.ts', 'token_wrong_path'],
    ['yellow-sd', '/videos/yellow/hd/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow/hdr/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow', 'token_wrong_path'],
    ['yellow-hd', '/', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow/hd/../sd/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow/hd/..%2Fsd/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow/hd/%2e%2e/sd/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow/hd;/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow//hd/1.ts', 'token_wrong_path'],
    ['yellow-hd', 'http://evil.example/videos/yellow/hd/1.ts', 'token_wrong_path'],
    ['yellow-hd', '/videos/yellow/%68d/1.ts', 'ok'],
    ['queen-club', '/videos/yellow/hd/1.ts', 'token_wrong_rule'],
  ] as const)('a %s token for %s: %s', async (rule, path, outcome) => {
    const verifier = createGateVerifier({ ...base, pathPrefixes: PREFIXES })
    const verifying = verifier.verify(tokens[rule], { path })
    if (outcome === 'ok') expect((await verifying).rule).toBe(rule)
    else await expect(verifying).rejects.toMatchObject({ code: outcome })
  })

  test('token_wrong_path is a 403; its detail never holds the path', async () => {
    const verifier = createGateVerifier({ ...base, pathPrefixes: PREFIXES })
    const error = await verifier
      .verify(tokens['yellow-hd'], { path: '/videos/yellow/sd/secret-name.ts' })
      .then(
        () => undefined,
        (e: unknown) => e as { status: number; detail: string },
      )
    expect(error).toMatchObject({ status: 403 })
    expect(error?.detail).not.toContain('secret-name')
  })

  test('the prefix / covers everything; rule and pathPrefixes both apply', async () => {
    const everywhere = createGateVerifier({ ...base, pathPrefixes: { 'queen-club': '/' } })
    expect((await everywhere.verify(tokens['queen-club'], { path: '/a/b' })).rule).toBe(
      'queen-club',
    )
    const both = createGateVerifier({ ...base, rule: 'yellow-sd', pathPrefixes: PREFIXES })
    await expect(
      both.verify(tokens['yellow-hd'], { path: '/videos/yellow/hd/1.ts' }),
    ).rejects.toMatchObject({ code: 'token_wrong_rule' })
  })

  test('verifyGateToken takes the path as its third argument', async () => {
    const options = { ...base, pathPrefixes: PREFIXES }
    const path = '/videos/yellow/hd/1.ts'
    expect((await verifyGateToken(tokens['yellow-hd']!, options, { path })).rule).toBe('yellow-hd')
    await expect(verifyGateToken(tokens['yellow-sd']!, options, { path })).rejects.toMatchObject({
      code: 'token_wrong_path',
    })
  })

  test('without the request path, verify is misused: a TypeError, whatever the token', async () => {
    const verifier = createGateVerifier({ ...base, pathPrefixes: PREFIXES })
    await expect(verifier.verify(tokens['yellow-hd'])).rejects.toThrow(TypeError)
    await expect(verifier.verify(undefined)).rejects.toThrow(TypeError)
  })

  test.each([
    [{ rule: '' }, /options\.rule/],
    [{ rule: [] }, /options\.rule/],
    [{ rule: ['Yellow HD'] }, /options\.rule/],
    [{ pathPrefixes: {} }, /options\.pathPrefixes/],
    [{ pathPrefixes: [] }, /options\.pathPrefixes/],
    [{ pathPrefixes: { 'yellow-hd': [] } }, /pathPrefixes\["yellow-hd"\]/],
    [{ pathPrefixes: { 'yellow-hd': 'videos' } }, /pathPrefixes\["yellow-hd"\]\[0\]/],
    [{ pathPrefixes: { 'yellow-hd': '/videos/../admin' } }, /pathPrefixes/],
    [{ pathPrefixes: { 'yellow-hd': '/videos//x' } }, /pathPrefixes/],
    [{ pathPrefixes: { 'yellow-hd': '/videos?x=1' } }, /pathPrefixes/],
    [{ pathPrefixes: { '/videos': '/videos' } }, /rule id/],
  ])('bad options %j: a TypeError naming them when built', (options, message) => {
    expect(() => createGateVerifier({ ...base, ...(options as object) })).toThrow(message)
  })
})

describe('requireGateToken with pathPrefixes (one audience per content server)', () => {
  const app = (options: Partial<RequireGateTokenOptions>, mount = ''): express.Express => {
    const a = express()
    const router = express.Router()
    router.use(requireGateToken({ ...base, ...options }))
    router.get('/*path', (req, res) => {
      res.json({ rule: (req as unknown as GateTokenRequest).vibegate.rule })
    })
    a.use(mount || '/', router)
    return a
  }
  const get = (a: express.Express, path: string, rule: string) =>
    request(a).get(path).set('Authorization', `Bearer ${tokens[rule]}`)

  test('without options, a token of one rule opens another rule’s content (the issue)', async () => {
    const res = await get(app({}), '/videos/yellow/hd/1.ts', 'yellow-sd')
    expect(res.status).toBe(200)
  })

  test('each rule’s token opens its own paths', async () => {
    for (const [rule, path] of [
      ['yellow-hd', '/videos/yellow/hd/1.ts'],
      ['yellow-sd', '/videos/yellow/sd/1.ts'],
    ] as const) {
      const res = await get(app({ pathPrefixes: PREFIXES }), path, rule)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ rule })
    }
  })

  test('a token of another rule: 403 token_wrong_path with error="insufficient_scope"', async () => {
    const res = await get(app({ pathPrefixes: PREFIXES }), '/videos/yellow/hd/1.ts', 'yellow-sd')
    expect(res.status).toBe(403)
    expect(res.body).toEqual({ error: 'token_wrong_path', message: expect.any(String) })
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  test('a rule this server does not serve: 401 token_wrong_rule', async () => {
    const res = await get(app({ pathPrefixes: PREFIXES }), '/videos/yellow/hd/1.ts', 'queen-club')
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ error: 'token_wrong_rule' })
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/)
  })

  test('an ambiguous path is refused, not normalised into a covered one', async () => {
    const res = await get(
      app({ pathPrefixes: PREFIXES }),
      '/videos/yellow/sd/..%2F..%2Fyellow/hd/1.ts',
      'yellow-sd',
    )
    expect(res.status).toBe(403)
    expect(res.body).toMatchObject({ error: 'token_wrong_path' })
  })

  test('under a mount point, the full path is checked', async () => {
    const mounted = app({ pathPrefixes: PREFIXES }, '/videos')
    expect((await get(mounted, '/videos/yellow/hd/1.ts', 'yellow-hd')).status).toBe(200)
    expect((await get(mounted, '/videos/yellow/hd/1.ts', 'yellow-sd')).status).toBe(403)
  })

  test('rule alone: other rules’ tokens are refused anywhere', async () => {
    const res = await get(app({ rule: 'yellow-hd' }), '/videos/yellow/hd/1.ts', 'yellow-sd')
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ error: 'token_wrong_rule' })
  })

  test('bad prefixes throw a TypeError when the middleware is built', () => {
    expect(() => requireGateToken({ ...base, pathPrefixes: { 'yellow-hd': 'x' } })).toThrow(
      TypeError,
    )
  })
})
