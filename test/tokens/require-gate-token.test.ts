import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import express, { type Request } from 'express'
import request from 'supertest'
import { generateKeySet, parseKeySet, type KeySet } from '../../src/tokens/key-set.js'
import { createTokenIssuer } from '../../src/tokens/token-issuer.js'
import {
  requireGateToken,
  type GateTokenError,
  type GateTokenRequest,
  type RequireGateTokenOptions,
} from '../../src/tokens/verify.js'
import { startJwksServer, type JwksServer } from './jwks-server.js'

const ISSUER = 'https://gate.example'

let keys: KeySet
let server: JwksServer
beforeAll(async () => {
  keys = parseKeySet(JSON.stringify(await generateKeySet({ kid: 'k1' })), 'keys.json')
  server = await startJwksServer(keys.publicJwks)
})
afterAll(() => server.close())

function app(overrides: Partial<RequireGateTokenOptions> = {}): express.Express {
  const a = express()
  a.use(requireGateToken({ jwks: server.url, issuer: ISSUER, audience: 'video-cdn', ...overrides }))
  a.get('/videos/yellow', (req, res) => {
    const { vibegate } = req as unknown as GateTokenRequest
    res.json({ vibegate })
  })
  return a
}

async function token(aud = 'video-cdn', wallet: string | null = null): Promise<string> {
  const issuer = createTokenIssuer({ keys: () => keys, issuer: ISSUER })
  return (
    await issuer.issue({
      sub: 'user-1',
      aud,
      ttlSeconds: 120,
      rule: 'yellow-hd',
      vibes: [{ id: 'nxwyqqow', owned_amount: 1, token_ids: [3] }],
      wallet,
      sessionKey: 's',
    })
  ).token
}

describe('requireGateToken', () => {
  test('lets a valid token through and sets req.vibegate', async () => {
    const wallet = '0x52908400098527886E0F7030069857D2E4169EE7'
    const jwt = await token('video-cdn', wallet)
    const res = await request(app()).get('/videos/yellow').set('Authorization', `Bearer ${jwt}`)
    expect(res.status).toBe(200)
    expect(res.body.vibegate).toEqual({
      anonymous: false,
      user: 'user-1',
      rule: 'yellow-hd',
      vibes: [{ id: 'nxwyqqow', owned_amount: 1, token_ids: [3] }],
      wallet,
      claims: expect.objectContaining({ sub: 'user-1', aud: 'video-cdn', iss: ISSUER }),
    })
  })

  test('the Bearer scheme is case-insensitive', async () => {
    const res = await request(app())
      .get('/videos/yellow')
      .set('Authorization', `bearer ${await token()}`)
    expect(res.status).toBe(200)
  })

  describe('allowAnonymous (public pages)', () => {
    test('no token: let through and marked anonymous', async () => {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer']) {
        const req = request(app({ allowAnonymous: true })).get('/videos/yellow')
        const res = await (authorization === undefined
          ? req
          : req.set('Authorization', authorization))
        expect(res.status).toBe(200)
        expect(res.body.vibegate).toEqual({ anonymous: true, vibes: [] })
      }
    })

    test('a valid token is verified as without the option', async () => {
      const res = await request(app({ allowAnonymous: true }))
        .get('/videos/yellow')
        .set('Authorization', `Bearer ${await token()}`)
      expect(res.status).toBe(200)
      expect(res.body.vibegate).toMatchObject({ anonymous: false, user: 'user-1' })
    })

    test('a token present but invalid is still refused', async () => {
      for (const jwt of ['not-a-jwt', await token('another-audience')]) {
        const res = await request(app({ allowAnonymous: true }))
          .get('/videos/yellow')
          .set('Authorization', `Bearer ${jwt}`)
        expect(res.status).toBe(401)
        expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/)
      }
    })

    test('a non-boolean value is a TypeError naming the option', () => {
      expect(() =>
        requireGateToken({
          jwks: server.url,
          issuer: ISSUER,
          audience: 'video-cdn',
          allowAnonymous: 'yes' as unknown as boolean,
        }),
      ).toThrow(/options\.allowAnonymous/)
    })
  })

  test('no token: 401 token_missing with a bare Bearer challenge', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const req = request(app()).get('/videos/yellow')
      const res = await (authorization === undefined
        ? req
        : req.set('Authorization', authorization))
      expect(res.status).toBe(401)
      expect(res.body).toEqual({ error: 'token_missing', message: expect.any(String) })
      expect(res.headers['www-authenticate']).toBe('Bearer')
    }
  })

  test.each([
    ['a malformed token', async (): Promise<string> => 'not-a-jwt', 'token_invalid'],
    [
      'a token for another audience',
      (): Promise<string> => token('other-cdn'),
      'token_wrong_audience',
    ],
    [
      'a tampered token',
      async (): Promise<string> => {
        const [h, , s] = (await token()).split('.')
        const payload = Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')
        return `${h}.${payload}.${s}`
      },
      'token_invalid',
    ],
  ] as const)('%s: 401 with error="invalid_token"', async (_name, make, code) => {
    const res = await request(app())
      .get('/videos/yellow')
      .set('Authorization', `Bearer ${await make()}`)
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ error: code, message: expect.any(String) })
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  test('503 jwks_unavailable when the gate’s keys cannot be fetched', async () => {
    const down = await startJwksServer(keys.publicJwks)
    await down.close()
    const res = await request(app({ jwks: down.url }))
      .get('/videos/yellow')
      .set('Authorization', `Bearer ${await token()}`)
    expect(res.status).toBe(503)
    expect(res.body).toEqual({ error: 'jwks_unavailable', message: expect.any(String) })
    expect(res.headers['www-authenticate']).toBeUndefined()
  })

  test('reads the token where getToken says, and reports refusals to onError', async () => {
    const errors: GateTokenError[] = []
    const custom = app({
      getToken: (req: Request) => req.get('x-gate-token'),
      onError: (error) => errors.push(error),
    })
    const ok = await request(custom)
      .get('/videos/yellow')
      .set('X-Gate-Token', await token())
    expect(ok.status).toBe(200)
    const refused = await request(custom).get('/videos/yellow').set('X-Gate-Token', 'a.b.c')
    expect(refused.status).toBe(401)
    expect(errors.map((e) => e.code)).toEqual(['token_invalid'])
    expect(errors[0]!.detail).toBeDefined()
  })

  test('misuse throws a TypeError when the middleware is built', () => {
    expect(() => requireGateToken({ jwks: 'nope', issuer: ISSUER, audience: 'a' })).toThrow(
      TypeError,
    )
    expect(() =>
      requireGateToken({ jwks: server.url, issuer: ISSUER, audience: 'a', getToken: 5 as never }),
    ).toThrow(TypeError)
  })
})
