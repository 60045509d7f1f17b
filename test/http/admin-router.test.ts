import { describe, expect, test } from '@jest/globals'
import express from 'express'
import request from 'supertest'
import { createAdminRouter } from '../../src/http/admin-router.js'
import { createRateLimiter } from '../../src/identity/rate-limiter.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import type { OwnershipChecker } from '../../src/ownership/ownership-checker.js'
import { silentLogger } from '../../src/util/logger.js'

function app(adminToken: string | undefined): { app: express.Express; purged: string[] } {
  const purged: string[] = []
  const ownership = {
    purgeUser: async (uuid: string) => void purged.push(`user:${uuid}`),
    purgeVibe: async (vibe: string) => void purged.push(`vibe:${vibe}`),
  } as unknown as OwnershipChecker
  const a = express()
  a.use(
    createAdminRouter({
      adminToken,
      ownership,
      rateLimiter: createRateLimiter(createMemoryStore()),
      trustsProxy: () => false,
      logger: silentLogger(),
      failureLimit: { max: 3, windowMs: 60_000 },
    }),
  )
  return { app: a, purged }
}

describe('POST /admin/cache/purge', () => {
  test('purges by user and by vibe with the operator token', async () => {
    const { app: a, purged } = app('operator-token-123')
    const response = await request(a)
      .post('/admin/cache/purge')
      .set('authorization', 'Bearer operator-token-123')
      .send({ user: 'u-1', vibe: 'nxwyqqow' })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ purged: { user: 'u-1', vibe: 'nxwyqqow' } })
    expect(purged).toEqual(['user:u-1', 'vibe:nxwyqqow'])
  })

  test.each([
    ['no token', undefined],
    ['a wrong token', 'Bearer operator-token-124'],
    ['a prefix of the token', 'Bearer operator-token'],
    ['another scheme', 'Basic b3BlcmF0b3ItdG9rZW4tMTIz'],
  ])('%s is 401 and purges nothing', async (_name, authorization) => {
    const { app: a, purged } = app('operator-token-123')
    const call = request(a).post('/admin/cache/purge').send({ user: 'u-1' })
    const response = await (authorization ? call.set('authorization', authorization) : call)
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(purged).toEqual([])
  })

  test('with no VIBEGATE_ADMIN_TOKEN configured, nothing is accepted', async () => {
    const { app: a } = app(undefined)
    const response = await request(a)
      .post('/admin/cache/purge')
      .set('authorization', 'Bearer ')
      .send({ user: 'u' })
    expect(response.status).toBe(401)
  })

  test.each([[{}], [{ user: 1 }], [{ vibe: '' }]])('a body of %j is 400', async (body) => {
    const { app: a } = app('t0k3n-abcdef')
    const response = await request(a)
      .post('/admin/cache/purge')
      .set('authorization', 'Bearer t0k3n-abcdef')
      .send(body)
    expect(response.status).toBe(400)
    expect(response.body).toMatchObject({ error: 'bad_request' })
  })

  test('a client that keeps guessing is refused; the right token still passes', async () => {
    const { app: a, purged } = app('operator-token-123')
    const guess = (token: string) =>
      request(a)
        .post('/admin/cache/purge')
        .set('authorization', `Bearer ${token}`)
        .send({ user: 'u-1' })
    for (let i = 0; i < 3; i++) expect((await guess(`wrong-${i}`)).status).toBe(401)
    const refused = await guess('wrong-again')
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ error: 'rate_limited' })
    expect(purged).toEqual([])
    expect((await guess('operator-token-123')).status).toBe(200)
  })
})
