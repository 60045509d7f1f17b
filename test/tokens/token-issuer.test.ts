import { beforeAll, describe, expect, test } from '@jest/globals'
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { generateKeySet, parseKeySet, type KeySet } from '../../src/tokens/key-set.js'
import { createTokenIssuer, type TokenRequest } from '../../src/tokens/token-issuer.js'
import { fakeClock } from '../helpers/fake-clock.js'

const ISSUER = 'https://gate.example'
const START = Date.UTC(2026, 0, 1) // a whole second

let edKeys: KeySet
let ecKeys: KeySet
let rotatedKeys: KeySet
beforeAll(async () => {
  edKeys = parseKeySet(JSON.stringify(await generateKeySet({ kid: 'ed-1' })), 'ed.json')
  ecKeys = parseKeySet(JSON.stringify(await generateKeySet({ alg: 'ES256', kid: 'ec-1' })), 'ec')
  rotatedKeys = parseKeySet(JSON.stringify(await generateKeySet({ kid: 'ed-2' })), 'ed2.json')
})

const request = (overrides: Partial<TokenRequest> = {}): TokenRequest => ({
  sub: '7d6c4a4e-0d37-4c1a-9a57-4b0a0c2f1e11',
  aud: 'video-cdn',
  ttlSeconds: 120,
  rule: 'yellow-hd',
  vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
  sessionKey: 'session-hash-1',
  ...overrides,
})

describe('createTokenIssuer: the token', () => {
  test.each([
    ['EdDSA', () => edKeys],
    ['ES256', () => ecKeys],
  ] as const)('%s: header and claims exactly as the contract says', async (alg, keys) => {
    const clock = fakeClock(START + 250)
    const issuer = createTokenIssuer({ keys, issuer: ISSUER, clock })
    const { token, expiresAt } = await issuer.issue(request())
    const kid = keys().signing.kid
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid, typ: 'JWT' })
    const claims = decodeJwt(token)
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'jti', 'rule', 'vibes'])
    expect(claims).toEqual({
      iss: ISSUER,
      sub: request().sub,
      aud: 'video-cdn',
      iat: START / 1000,
      exp: START / 1000 + 120,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      rule: 'yellow-hd',
      vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
    })
    expect(claims.exp! - claims.iat!).toBe(120)
    expect(expiresAt).toBe(claims.exp! * 1000)
    // Signed by the first key of the set, verifiable with what the gate publishes.
    const { payload } = await jwtVerify(token, await importJWK(keys().publicJwks.keys[0]!), {
      algorithms: [alg],
      currentDate: new Date(START),
    })
    expect(payload.rule).toBe('yellow-hd')
  })

  test('wallet is present when known and omitted otherwise', async () => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER })
    const wallet = '0x52908400098527886E0F7030069857D2E4169EE7'
    expect(decodeJwt((await issuer.issue(request({ wallet }))).token).wallet).toBe(wallet)
    expect(decodeJwt((await issuer.issue(request({ wallet: null }))).token)).not.toHaveProperty(
      'wallet',
    )
    expect(decodeJwt((await issuer.issue(request())).token)).not.toHaveProperty('wallet')
  })

  test('jti is unique across tokens', async () => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER })
    const jtis = new Set<unknown>()
    for (let i = 0; i < 50; i++) {
      jtis.add(decodeJwt((await issuer.issue(request({ sessionKey: `s${i}` }))).token).jti)
    }
    expect(jtis.size).toBe(50)
  })

  test.each([
    ['ttlSeconds 0', { ttlSeconds: 0 }],
    ['ttlSeconds over 15 minutes', { ttlSeconds: 901 }],
    ['a fractional ttl', { ttlSeconds: 1.5 }],
    ['an empty sub', { sub: '' }],
    ['an empty sessionKey', { sessionKey: '' }],
    ['a negative amount', { vibes: [{ id: 'v', owned_amount: -1, token_ids: [] }] }],
    ['a fractional token id', { vibes: [{ id: 'v', owned_amount: 1, token_ids: [1.5] }] }],
  ] as const)('refuses %s with a TypeError', async (_name, overrides) => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER })
    await expect(issuer.issue(request(overrides as Partial<TokenRequest>))).rejects.toThrow(
      TypeError,
    )
  })

  test.each([
    ['vibes that are not an array', { vibes: 'all' }],
    ['a vibe that is null', { vibes: [null] }],
    [
      'token ids that are not an array',
      { vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: '1,2' }] },
    ],
    ['a ttl that is a string', { ttlSeconds: '120' }],
    ['a sub that is not a string', { sub: 7 }],
  ] as const)(
    'refuses %s even when a token for its session and rule is cached',
    async (_name, overrides) => {
      const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER })
      await issuer.issue(request())
      await expect(
        issuer.issue({ ...request(), ...(overrides as unknown as Partial<TokenRequest>) }),
      ).rejects.toThrow(TypeError)
    },
  )

  test('misconfiguration throws a TypeError when the issuer is built', () => {
    expect(() => createTokenIssuer({ keys: () => edKeys, issuer: '' })).toThrow(TypeError)
    expect(() => createTokenIssuer({ keys: undefined as never, issuer: ISSUER })).toThrow(TypeError)
    expect(() => createTokenIssuer({ keys: () => edKeys, issuer: ISSUER, maxCached: -1 })).toThrow(
      TypeError,
    )
  })
})

describe('createTokenIssuer: reuse', () => {
  test('reuses a token while more than half its lifetime remains, then mints a new one', async () => {
    const clock = fakeClock(START)
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER, clock })
    const first = await issuer.issue(request({ ttlSeconds: 120 }))
    clock.advance(59_999)
    const warm = await issuer.issue(request({ ttlSeconds: 120 }))
    expect(warm).toEqual(first)
    expect(issuer.stats()).toEqual({ minted: 1, reused: 1, cached: 1 })

    clock.advance(1) // exactly half remains: no longer "more than half"
    const fresh = await issuer.issue(request({ ttlSeconds: 120 }))
    expect(fresh.token).not.toBe(first.token)
    const claims = decodeJwt(fresh.token)
    expect(claims.iat).toBe(START / 1000 + 60)
    expect(claims.exp).toBe(START / 1000 + 180)
    expect(claims.jti).not.toBe(decodeJwt(first.token).jti)
    expect(issuer.stats()).toEqual({ minted: 2, reused: 1, cached: 1 })
  })

  test('the warm path does not sign', async () => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER, clock: fakeClock() })
    const first = await issuer.issue(request())
    for (let i = 0; i < 1000; i++) expect((await issuer.issue(request())).token).toBe(first.token)
    expect(issuer.stats().minted).toBe(1)
  })

  test('concurrent identical requests share one signature', async () => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER, clock: fakeClock() })
    const tokens = await Promise.all(Array.from({ length: 5 }, () => issuer.issue(request())))
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1)
    expect(issuer.stats().minted).toBe(1)
  })

  const variations: [string, Partial<TokenRequest>][] = [
    ['sessionKey', { sessionKey: 'session-hash-2' }],
    ['sub', { sub: 'another-user' }],
    ['rule', { rule: 'queen-club' }],
    ['aud', { aud: 'vibegate' }],
    ['ttl', { ttlSeconds: 60 }],
    ['wallet', { wallet: '0x52908400098527886E0F7030069857D2E4169EE7' }],
    ['vibes: another vibe', { vibes: [{ id: 'xdwbppyw', owned_amount: 2, token_ids: [1, 2] }] }],
    ['vibes: another amount', { vibes: [{ id: 'nxwyqqow', owned_amount: 3, token_ids: [1, 2] }] }],
    ['vibes: other token ids', { vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 3] }] }],
    ['vibes: none', { vibes: [] }],
  ]

  test.each(variations)('never reuses across a different %s', async (name, overrides) => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER, clock: fakeClock() })
    const base = request()
    const a = await issuer.issue(base)
    const b = await issuer.issue({ ...base, ...overrides })
    expect(b.token).not.toBe(a.token)
    expect(issuer.stats()).toMatchObject({ minted: 2, reused: 0 })
    // ...while the new one is reused for itself. Another session or rule keeps the old one
    // too; anything else replaces it (within one session and rule, the user, wallet,
    // audience and ttl change only with a rules reload, the holdings with a purchase).
    expect((await issuer.issue({ ...base, ...overrides })).token).toBe(b.token)
    const again = (await issuer.issue(base)).token
    if (name === 'sessionKey' || name === 'rule') expect(again).toBe(a.token)
    else expect(again).not.toBe(b.token)
  })

  test('inputs that a concatenation would confuse are different keys', async () => {
    const issuer = createTokenIssuer({ keys: () => edKeys, issuer: ISSUER, clock: fakeClock() })
    // "s|yellow" + "|" + "hd" and "s" + "|" + "yellow|hd" concatenate to the same string.
    const a = await issuer.issue(request({ sessionKey: 's|yellow', rule: 'hd' }))
    const b = await issuer.issue(request({ sessionKey: 's', rule: 'yellow|hd' }))
    expect(b.token).not.toBe(a.token)
    expect(decodeJwt(b.token).rule).toBe('yellow|hd')
  })

  test('never reuses across signing keys: a rotated key signs at once', async () => {
    let keys = edKeys
    const issuer = createTokenIssuer({ keys: () => keys, issuer: ISSUER, clock: fakeClock() })
    const before = await issuer.issue(request())
    keys = rotatedKeys
    const after = await issuer.issue(request())
    expect(decodeProtectedHeader(before.token).kid).toBe('ed-1')
    expect(decodeProtectedHeader(after.token).kid).toBe('ed-2')
  })

  test('the cache is a bounded LRU', async () => {
    const issuer = createTokenIssuer({
      keys: () => edKeys,
      issuer: ISSUER,
      clock: fakeClock(),
      maxCached: 2,
    })
    const a = await issuer.issue(request({ sessionKey: 'a' }))
    const b = await issuer.issue(request({ sessionKey: 'b' }))
    expect((await issuer.issue(request({ sessionKey: 'a' }))).token).toBe(a.token) // a is recent
    await issuer.issue(request({ sessionKey: 'c' })) // evicts b, the least recently used
    expect(issuer.stats().cached).toBe(2)
    expect((await issuer.issue(request({ sessionKey: 'a' }))).token).toBe(a.token)
    expect((await issuer.issue(request({ sessionKey: 'b' }))).token).not.toBe(b.token)
  })

  test('maxCached 0 disables reuse', async () => {
    const issuer = createTokenIssuer({
      keys: () => edKeys,
      issuer: ISSUER,
      clock: fakeClock(),
      maxCached: 0,
    })
    const a = await issuer.issue(request())
    expect((await issuer.issue(request())).token).not.toBe(a.token)
  })
})
