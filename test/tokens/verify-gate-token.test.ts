import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { createHmac, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLocalJWKSet } from 'jose'
import {
  generateKeySet,
  parseKeySet,
  type KeySet,
  type PrivateJwk,
} from '../../src/tokens/key-set.js'
import { createTokenIssuer, type TokenRequest } from '../../src/tokens/token-issuer.js'
import {
  createGateVerifier,
  GateTokenError,
  verifyGateToken,
  type GateTokenErrorCode,
  type VerifyGateTokenOptions,
} from '../../src/tokens/verify.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'
import { startJwksServer, type JwksServer } from './jwks-server.js'

const ISSUER = 'https://gate.example'
const START = Date.UTC(2026, 0, 1)
const NOW = START / 1000

let edFile: PrivateJwk
let ecFile: PrivateJwk
let keys: KeySet
let ecKeys: KeySet
beforeAll(async () => {
  edFile = (await generateKeySet({ kid: 'ed-1' })).keys[0]!
  ecFile = (await generateKeySet({ alg: 'ES256', kid: 'ec-1' })).keys[0]!
  keys = parseKeySet(JSON.stringify({ keys: [edFile, ecFile] }), 'keys.json')
  ecKeys = parseKeySet(JSON.stringify({ keys: [ecFile, edFile] }), 'keys.json')
})

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function jwksServer(jwks: unknown): Promise<JwksServer> {
  const server = await startJwksServer(jwks)
  cleanups.push(() => server.close())
  return server
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signs any header and payload, however wrong, with a key or (for HS256) a secret. */
function handSign(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject | Buffer,
): string {
  const input = `${b64(header)}.${b64(payload)}`
  let signature: Buffer
  if (Buffer.isBuffer(key)) signature = createHmac('sha256', key).update(input).digest()
  else if (key.asymmetricKeyType === 'ed25519') signature = sign(null, Buffer.from(input), key)
  else signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${signature.toString('base64url')}`
}

const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER,
  sub: 'user-1',
  aud: 'vibegate',
  iat: NOW,
  exp: NOW + 120,
  jti: 'jti-1',
  rule: 'yellow-hd',
  vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
  ...overrides,
})

const header = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  alg: 'EdDSA',
  kid: 'ed-1',
  typ: 'JWT',
  ...overrides,
})

const tokenRequest: TokenRequest = {
  sub: 'user-1',
  aud: 'vibegate',
  ttlSeconds: 120,
  rule: 'yellow-hd',
  vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
  wallet: '0x52908400098527886E0F7030069857D2E4169EE7',
  sessionKey: 's',
}

async function codeOf(promise: Promise<unknown>): Promise<GateTokenErrorCode | 'accepted'> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    if (error instanceof GateTokenError) return error.code
    throw error
  }
}

async function errorOf(promise: Promise<unknown>): Promise<GateTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof GateTokenError)) throw new Error(`expected a GateTokenError: ${error}`)
  return error
}

describe('verifyGateToken', () => {
  let server: JwksServer
  let clock: FakeClock
  let options: VerifyGateTokenOptions
  // One JWKS server for the suite (each verifier below is new, so each fetches it once).
  beforeAll(async () => {
    server = await startJwksServer(keys.publicJwks)
  })
  afterAll(() => server.close())
  const setup = (): void => {
    clock = fakeClock(START)
    options = { jwks: server.url, issuer: ISSUER, audience: 'vibegate', clock }
  }

  test.each([
    ['EdDSA', () => keys],
    ['ES256', () => ecKeys],
  ] as const)('accepts a %s token from the gate and exposes its claims', async (alg, set) => {
    setup()
    const issuer = createTokenIssuer({ keys: set, issuer: ISSUER, clock })
    const { token } = await issuer.issue(tokenRequest)
    const verified = await createGateVerifier(options).verify(token)
    expect(verified).toEqual({
      iss: ISSUER,
      sub: 'user-1',
      aud: 'vibegate',
      iat: NOW,
      exp: NOW + 120,
      jti: expect.any(String),
      rule: 'yellow-hd',
      vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
      wallet: tokenRequest.wallet,
    })
    expect(set().signing.alg).toBe(alg)
  })

  test('accepts a hand-signed token of the right shape (the control for the refusals below)', async () => {
    setup()
    const token = handSign(header(), claims(), keys.signing.key)
    expect(await codeOf(createGateVerifier(options).verify(token))).toBe('accepted')
    const ec = handSign(header({ alg: 'ES256', kid: 'ec-1' }), claims(), ecKeys.signing.key)
    expect(await codeOf(createGateVerifier(options).verify(ec))).toBe('accepted')
  })

  test('a missing token is token_missing', async () => {
    setup()
    const verifier = createGateVerifier(options)
    expect(await codeOf(verifier.verify(undefined))).toBe('token_missing')
    expect(await codeOf(verifier.verify(''))).toBe('token_missing')
  })

  test('refuses alg none', async () => {
    setup()
    const verifier = createGateVerifier(options)
    const unsigned = `${b64(header({ alg: 'none' }))}.${b64(claims())}.`
    expect(await codeOf(verifier.verify(unsigned))).toBe('token_invalid')
    const withJunk = `${unsigned}AAAA`
    const error = await errorOf(verifier.verify(withJunk))
    expect(error.code).toBe('token_invalid')
    expect(error.detail).toMatch(/alg/i)
  })

  test('refuses HS256 signed with the public key as the secret', async () => {
    setup()
    const verifier = createGateVerifier(options)
    const jwk = keys.publicJwks.keys[0]!
    const publicKey = createPublicKey({ key: { ...jwk }, format: 'jwk' })
    const secrets = [
      Buffer.from(jwk.x, 'base64url'), // the raw public key
      Buffer.from(JSON.stringify(jwk)),
      Buffer.from(JSON.stringify(keys.publicJwks)),
      Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })),
      publicKey.export({ type: 'spki', format: 'der' }),
    ]
    for (const secret of secrets) {
      const token = handSign(header({ alg: 'HS256' }), claims(), secret)
      const error = await errorOf(verifier.verify(token))
      expect(error.code).toBe('token_invalid')
      expect(error.detail).toMatch(/alg/i)
    }
  })

  test('refuses an unknown kid without refetching inside the cooldown', async () => {
    setup()
    const verifier = createGateVerifier(options)
    const before = server.fetches()
    await verifier.verify(handSign(header(), claims(), keys.signing.key))
    const stranger = generateKeyPairSync('ed25519').privateKey
    const error = await errorOf(
      verifier.verify(handSign(header({ kid: 'nope' }), claims(), stranger)),
    )
    expect(error.code).toBe('token_invalid')
    expect(error.detail).toMatch(/kid "nope"/)
    expect(server.fetches() - before).toBe(1)
  })

  test('refuses a token signed by another key under a published kid', async () => {
    setup()
    const stranger = generateKeyPairSync('ed25519').privateKey
    const error = await errorOf(
      createGateVerifier(options).verify(handSign(header(), claims(), stranger)),
    )
    expect(error.code).toBe('token_invalid')
    expect(error.detail).toMatch(/signature/)
  })

  test("uses each key with its own alg only: ES256 under an EdDSA key's kid is refused", async () => {
    setup()
    const token = handSign(header({ alg: 'ES256', kid: 'ed-1' }), claims(), ecKeys.signing.key)
    expect(await codeOf(createGateVerifier(options).verify(token))).toBe('token_invalid')
  })

  test('refuses a tampered payload', async () => {
    setup()
    const { token } = await createTokenIssuer({ keys: () => keys, issuer: ISSUER, clock }).issue(
      tokenRequest,
    )
    const [h, , s] = token.split('.')
    const forged = `${h}.${b64(claims({ rule: 'queen-club' }))}.${s}`
    const error = await errorOf(createGateVerifier(options).verify(forged))
    expect(error.code).toBe('token_invalid')
    expect(error.detail).toMatch(/signature/)
  })

  test.each([
    ['a wrong aud', { aud: 'other-cdn' }, 'token_wrong_audience'],
    ['a wrong iss', { iss: 'https://evil.example' }, 'token_wrong_issuer'],
    ['an iss with a trailing slash', { iss: `${ISSUER}/` }, 'token_wrong_issuer'],
    ['an aud array', { aud: ['vibegate'] }, 'token_invalid'],
    ['no jti', { jti: undefined }, 'token_invalid'],
    ['no sub', { sub: undefined }, 'token_invalid'],
    ['no rule', { rule: undefined }, 'token_invalid'],
    ['no vibes', { vibes: undefined }, 'token_invalid'],
    ['no iat', { iat: undefined }, 'token_invalid'],
    ['no exp', { exp: undefined }, 'token_invalid'],
    ['vibes that are not holdings', { vibes: [{ id: 'v', owned_amount: '2' }] }, 'token_invalid'],
    ['a wallet that is not a string', { wallet: 5 }, 'token_invalid'],
    ['an iat in the future beyond tolerance', { iat: NOW + 31, exp: NOW + 151 }, 'token_invalid'],
  ] as const)('refuses %s', async (_name, overrides, code) => {
    setup()
    const token = handSign(header(), claims(overrides), keys.signing.key)
    expect(await codeOf(createGateVerifier(options).verify(token))).toBe(code)
  })

  test('a token past exp is accepted within the 30 s tolerance and refused beyond it', async () => {
    setup()
    const { token } = await createTokenIssuer({ keys: () => keys, issuer: ISSUER, clock }).issue(
      tokenRequest,
    )
    const verifier = createGateVerifier(options)
    clock.set(START + (120 + 29) * 1000)
    expect(await codeOf(verifier.verify(token))).toBe('accepted')
    clock.set(START + (120 + 30) * 1000)
    expect(await codeOf(verifier.verify(token))).toBe('token_expired')
  })

  test('a token whose iat is older than maxTokenAgeSeconds is expired, whatever its exp', async () => {
    setup()
    const token = handSign(header(), claims({ exp: NOW + 3600 }), keys.signing.key)
    const verifier = createGateVerifier(options)
    clock.set(START + (900 + 30) * 1000)
    expect(await codeOf(verifier.verify(token))).toBe('accepted')
    clock.set(START + (900 + 31) * 1000)
    expect(await codeOf(verifier.verify(token))).toBe('token_expired')
  })

  test.each([
    [
      'an embedded jwk',
      (attacker: KeyObject) => ({ jwk: createPublicKey(attacker).export({ format: 'jwk' }) }),
    ],
    ['an x5c chain', () => ({ x5c: ['MIIB'] })],
    ['an x5u', () => ({ x5u: 'https://evil.example/cert.pem' })],
    ['crit', () => ({ crit: ['exp'], exp: NOW + 60 })],
    ['b64 false', () => ({ b64: false, crit: ['b64'] })],
    ['typ at+jwt', () => ({ typ: 'at+jwt' })],
    ['typ application/jwt', () => ({ typ: 'application/jwt' })],
    ['no typ', () => ({ typ: undefined })],
    ['no kid', () => ({ kid: undefined })],
  ] as const)('refuses a header with %s', async (_name, extra) => {
    setup()
    // Signed with the gate's own key: only the header is wrong.
    const attacker = generateKeyPairSync('ed25519').privateKey
    const token = handSign(header(extra(attacker)), claims(), keys.signing.key)
    const error = await errorOf(createGateVerifier(options).verify(token))
    expect(error.code).toBe('token_invalid')
  })

  test('refuses an embedded jwk of a key the token was signed with', async () => {
    setup()
    const attacker = generateKeyPairSync('ed25519').privateKey
    const jwk = createPublicKey(attacker).export({ format: 'jwk' })
    const token = handSign(header({ kid: 'attacker', jwk }), claims(), attacker)
    const error = await errorOf(createGateVerifier(options).verify(token))
    expect(error.code).toBe('token_invalid')
    expect(error.detail).toMatch(/header member "jwk"/)
  })

  test('refuses a jku header, and never fetches it', async () => {
    setup()
    const attacker = generateKeyPairSync('ed25519').privateKey
    const jwk = {
      ...createPublicKey(attacker).export({ format: 'jwk' }),
      kid: 'attacker',
      alg: 'EdDSA',
    }
    const evil = await jwksServer({ keys: [jwk] })
    const token = handSign(header({ kid: 'attacker', jku: evil.url }), claims(), attacker)
    const error = await errorOf(createGateVerifier(options).verify(token))
    expect(error.code).toBe('token_invalid')
    expect(error.detail).toMatch(/header member "jku"/)
    expect(evil.fetches()).toBe(0)
  })

  test('refuses what is not a compact JWS', async () => {
    setup()
    const verifier = createGateVerifier(options)
    for (const junk of ['abc', 'a.b', 'a.b.c.d', 'a.b.c d', 'x'.repeat(20_000)]) {
      expect(await codeOf(verifier.verify(junk))).toBe('token_invalid')
    }
  })

  test('with a URL, keeps the JWKS across calls', async () => {
    const counted = await jwksServer(keys.publicJwks)
    // The real clock: the per-URL cache is only used without an injected clock.
    const now = Math.floor(Date.now() / 1000)
    const token = handSign(header(), claims({ iat: now, exp: now + 60 }), keys.signing.key)
    const realTime = { jwks: counted.url, issuer: ISSUER, audience: 'vibegate' }
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(verifyGateToken(token, realTime))).toBe('accepted')
    }
    expect(counted.fetches()).toBe(1)
  })

  test('takes a jose key getter instead of a URL', async () => {
    setup()
    const token = handSign(header(), claims(), keys.signing.key)
    const getter = createLocalJWKSet({ keys: keys.publicJwks.keys.map((k) => ({ ...k })) })
    expect(await codeOf(verifyGateToken(token, { ...options, jwks: getter }))).toBe('accepted')
    const stranger = generateKeyPairSync('ed25519').privateKey
    const other = handSign(header({ kid: 'nope' }), claims(), stranger)
    expect(await codeOf(verifyGateToken(other, { ...options, jwks: getter }))).toBe('token_invalid')
  })

  test('misuse throws a TypeError when the verifier is built', () => {
    setup()
    const bad: Partial<VerifyGateTokenOptions>[] = [
      { jwks: 'ftp://gate.example/jwks.json' },
      { jwks: 'not a url' },
      { issuer: '' },
      { audience: [] },
      { audience: '' },
      { clockToleranceSeconds: -1 },
      { jwksTimeoutMs: 1.5 },
    ]
    for (const overrides of bad) {
      expect(() => createGateVerifier({ ...options, ...overrides })).toThrow(TypeError)
    }
  })
})

describe('verifyGateToken: the JWKS', () => {
  const clock = fakeClock(START)
  const base = { issuer: ISSUER, audience: 'vibegate', clock }

  test('picks up a rotated key (a new kid) after the cooldown, and keeps accepting the old one', async () => {
    const cooldownMs = 1000
    // Everything is prepared first, so that "inside the cooldown" is a few ms, not a guess.
    const newFile = (await generateKeySet({ kid: 'ed-2' })).keys[0]!
    const rotated = parseKeySet(JSON.stringify({ keys: [newFile, edFile] }), 'keys.json')
    const issue = async (set: KeySet): Promise<string> =>
      (await createTokenIssuer({ keys: () => set, issuer: ISSUER, clock }).issue(tokenRequest))
        .token
    const oldToken = await issue(keys)
    const newToken = await issue(rotated)
    const server = await jwksServer(keys.publicJwks)
    const verifier = createGateVerifier({ ...base, jwks: server.url, jwksCooldownMs: cooldownMs })

    const fetchedAt = Date.now()
    expect(await codeOf(verifier.verify(oldToken))).toBe('accepted')
    expect(server.fetches()).toBe(1)

    // The gate rotates: a new first key, the old one still published.
    server.serve(rotated.publicJwks)
    // Inside the cooldown the new kid is unknown, and the JWKS is not fetched again.
    expect(await codeOf(verifier.verify(newToken))).toBe('token_invalid')
    expect(Date.now() - fetchedAt).toBeLessThan(cooldownMs) // else the line above proves nothing
    expect(server.fetches()).toBe(1)

    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 100))
    expect(await codeOf(verifier.verify(newToken))).toBe('accepted')
    expect(server.fetches()).toBe(2)
    expect(await codeOf(verifier.verify(oldToken))).toBe('accepted')
    expect(server.fetches()).toBe(2)
  })

  test('a JWKS that answers 500, is not JSON, or is not a key set is jwks_unavailable; it recovers', async () => {
    const server = await jwksServer(keys.publicJwks)
    const token = handSign(header(), claims(), keys.signing.key)
    for (const [status, body] of [
      [500, '{"error":"down"}'],
      [200, 'not json'],
      [200, '{"keys": "none"}'],
    ] as const) {
      server.fail(status, body)
      const verifier = createGateVerifier({ ...base, jwks: server.url })
      const error = await errorOf(verifier.verify(token))
      expect(error.code).toBe('jwks_unavailable')
      expect(error.status).toBe(503)
      server.serve(keys.publicJwks)
      expect(await codeOf(verifier.verify(token))).toBe('accepted')
    }
  })

  test('a JWKS that cannot be reached is jwks_unavailable', async () => {
    const server = await startJwksServer(keys.publicJwks)
    await server.close()
    const token = handSign(header(), claims(), keys.signing.key)
    expect(await codeOf(createGateVerifier({ ...base, jwks: server.url }).verify(token))).toBe(
      'jwks_unavailable',
    )
  })

  test('a JWKS that does not answer in time is jwks_unavailable', async () => {
    const hanging = createServer(() => undefined)
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          hanging.closeAllConnections()
          hanging.close(() => resolve())
        }),
    )
    const { port } = hanging.address() as AddressInfo
    const verifier = createGateVerifier({
      ...base,
      jwks: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      jwksTimeoutMs: 100,
    })
    const token = handSign(header(), claims(), keys.signing.key)
    const started = Date.now()
    const error = await errorOf(verifier.verify(token))
    expect(error.code).toBe('jwks_unavailable')
    expect(Date.now() - started).toBeLessThan(2000)
  })
})
